"""Broken on purpose: A setting named as in Keras."""

LAYERS = [
    {"layer": "conv", "kernel_size": 5, "filters": 16},
    {"layer": "relu"},
    {"layer": "maxpool", "field_size": 2, "stride": 2},
    {"layer": "flatten"},
    {"layer": "dense", "units": 10},
]
