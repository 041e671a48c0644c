"""Broken on purpose: build_model is not a function."""

FRAMEWORK = "torch"
build_model = "my_model"
