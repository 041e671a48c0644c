"""Broken on purpose: build_model without num_classes."""

FRAMEWORK = "torch"


def build_model(input_shape):
    from torch import nn
    return nn.Sequential(nn.Flatten(), nn.LazyLinear(10))
