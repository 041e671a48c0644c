"""The original with 1x1 conv fields (zero_pad 0): every conv mixes channels only.

Model Builder form: the harness builds this list in torch, TensorFlow and JAX alike.
"""

HYPERPARAMETERS = {"batch_size": 64, "num_batches": 3000, "learning_rate": 0.01,
                   "optimizer": "momentum"}

LAYERS = [
    {"layer": "conv", "field_size": 1, "stride": 1, "filters": 16, "zero_pad": 0},
    {"layer": "relu"},
    {"layer": "maxpool", "field_size": 2, "stride": 2},
    {"layer": "conv", "field_size": 1, "stride": 1, "filters": 16, "zero_pad": 0},
    {"layer": "relu"},
    {"layer": "maxpool", "field_size": 2, "stride": 2},
    {"layer": "flatten"},
    {"layer": "dense", "units": 10},
]
