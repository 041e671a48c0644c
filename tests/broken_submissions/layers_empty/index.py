"""Broken on purpose: An empty layer list."""

LAYERS = []
