"""Broken on purpose: Syntax error in the signature of build_model."""

FRAMEWORK = "torch"


def build_model(input_shape num_classes):
    return None
