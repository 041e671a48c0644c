"""Broken on purpose: Several problems at once: all are reported."""

HYPERPARAMETERS = {"batch_size": 0, "optimizer": "adamw"}
LAYERS = [
    {"layer": "conv", "field_size": 0, "filters": 16},
    {"layer": "softmax"},
]
