"""Broken on purpose: A conv layer without filters."""

LAYERS = [
    {"layer": "conv", "field_size": 5},
    {"layer": "relu"},
    {"layer": "maxpool", "field_size": 2, "stride": 2},
    {"layer": "flatten"},
    {"layer": "dense", "units": 10},
]
