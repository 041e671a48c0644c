"""Broken on purpose: An optimizer setting the harness fixes."""

HYPERPARAMETERS = {"optimizer": "momentum", "momentum": 0.5}
LAYERS = [
    {"layer": "conv", "field_size": 5, "stride": 1, "filters": 16, "zero_pad": 2},
    {"layer": "relu"},
    {"layer": "maxpool", "field_size": 2, "stride": 2},
    {"layer": "flatten"},
    {"layer": "dense", "units": 10},
]
