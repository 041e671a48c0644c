"""Broken on purpose: build_model misspelt."""

FRAMEWORK = "torch"


def build_modle(input_shape, num_classes):
    from torch import nn
    return nn.Sequential(nn.Flatten(), nn.LazyLinear(num_classes))
