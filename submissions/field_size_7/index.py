"""The original with 7x7 conv fields (zero_pad 3 keeps the image size).

Model Builder form: the harness builds this list in torch, TensorFlow and JAX alike.
"""

HYPERPARAMETERS = {"batch_size": 64, "num_batches": 3000, "learning_rate": 0.01,
                   "optimizer": "momentum"}

LAYERS = [
    {"layer": "conv", "field_size": 7, "stride": 1, "filters": 16, "zero_pad": 3},
    {"layer": "relu"},
    {"layer": "maxpool", "field_size": 2, "stride": 2},
    {"layer": "conv", "field_size": 7, "stride": 1, "filters": 16, "zero_pad": 3},
    {"layer": "relu"},
    {"layer": "maxpool", "field_size": 2, "stride": 2},
    {"layer": "flatten"},
    {"layer": "dense", "units": 10},
]
