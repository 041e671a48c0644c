"""Broken on purpose: Flatten on flat features."""

LAYERS = [
    {"layer": "conv", "field_size": 5, "stride": 1, "filters": 16, "zero_pad": 2},
    {"layer": "flatten"},
    {"layer": "flatten"},
    {"layer": "dense", "units": 10},
]
