"""Broken on purpose: FRAMEWORK without build_model."""

FRAMEWORK = "jax"
