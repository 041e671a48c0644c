"""Broken on purpose: A pooling field larger than 28x28 images but not 32x32 ones."""

LAYERS = [
    {"layer": "maxpool", "field_size": 30},
    {"layer": "flatten"},
    {"layer": "dense", "units": 10},
]
