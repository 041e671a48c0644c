"""Broken on purpose: A top-level statement that fails when the file runs."""

FILTERS = 16
LAYERS = [{"layer": "conv", "field_size": 5, "filters": FILTER}]
