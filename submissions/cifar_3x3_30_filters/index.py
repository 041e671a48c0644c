"""The assignment's CIFAR-10 network: 3x3 fields (zero_pad 1), 30 filters.
28,180 parameters on 32x32x3.

Model Builder form: the harness builds this list in torch, TensorFlow and JAX alike.
"""

HYPERPARAMETERS = {"batch_size": 64, "num_batches": 3000, "learning_rate": 0.01,
                   "optimizer": "momentum"}

LAYERS = [
    {"layer": "conv", "field_size": 3, "stride": 1, "filters": 30, "zero_pad": 1},
    {"layer": "relu"},
    {"layer": "maxpool", "field_size": 2, "stride": 2},
    {"layer": "conv", "field_size": 3, "stride": 1, "filters": 30, "zero_pad": 1},
    {"layer": "relu"},
    {"layer": "maxpool", "field_size": 2, "stride": 2},
    {"layer": "flatten"},
    {"layer": "dense", "units": 10},
]
