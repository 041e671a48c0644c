"""Broken on purpose: build_model fails when the harness calls it (found by `check`)."""

FRAMEWORK = "torch"


def build_model(input_shape, num_classes):
    from torch import nn
    channels = input_shape[3]  # input_shape is (height, width, channels): no index 3
    return nn.Conv2d(channels, num_classes, 3)
