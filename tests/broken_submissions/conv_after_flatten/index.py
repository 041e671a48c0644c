"""Broken on purpose: A conv layer after flatten."""

LAYERS = [
    {"layer": "conv", "field_size": 5, "stride": 1, "filters": 16, "zero_pad": 2},
    {"layer": "flatten"},
    {"layer": "conv", "field_size": 5, "stride": 1, "filters": 16, "zero_pad": 2},
    {"layer": "dense", "units": 10},
]
