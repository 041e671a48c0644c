"""Broken on purpose: A dropout rate of 1 drops everything."""

LAYERS = [
    {"layer": "conv", "field_size": 5, "stride": 1, "filters": 16, "zero_pad": 2},
    {"layer": "relu"},
    {"layer": "maxpool", "field_size": 2, "stride": 2},
    {"layer": "flatten"},
    {"layer": "dropout", "rate": 1.0},
    {"layer": "dense", "units": 10},
]
