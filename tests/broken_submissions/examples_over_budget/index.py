"""Broken on purpose: batch_size x num_batches over the examples budget."""

HYPERPARAMETERS = {"batch_size": 512, "num_batches": 2000}
LAYERS = [
    {"layer": "conv", "field_size": 5, "stride": 1, "filters": 16, "zero_pad": 2},
    {"layer": "relu"},
    {"layer": "maxpool", "field_size": 2, "stride": 2},
    {"layer": "flatten"},
    {"layer": "dense", "units": 10},
]
