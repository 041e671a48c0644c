"""Broken on purpose: Only hyperparameters, no model."""

HYPERPARAMETERS = {"batch_size": 64}
