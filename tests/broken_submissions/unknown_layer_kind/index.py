"""Broken on purpose: A misspelt layer kind."""

LAYERS = [
    {"layer": "conv", "field_size": 5, "stride": 1, "filters": 16, "zero_pad": 2},
    {"layer": "relu"},
    {"layer": "maxpol", "field_size": 2, "stride": 2},
    {"layer": "flatten"},
    {"layer": "dense", "units": 10},
]
