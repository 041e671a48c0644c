"""Broken on purpose: A framework name from outside the list."""

FRAMEWORK = "pytorch"


def build_model(input_shape, num_classes):
    from torch import nn
    return nn.Sequential(nn.Flatten(), nn.LazyLinear(num_classes))
