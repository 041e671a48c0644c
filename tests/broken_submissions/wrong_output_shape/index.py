"""Broken on purpose: the model gives 5 outputs per image, not one per class (found by `check`)."""

FRAMEWORK = "torch"


def build_model(input_shape, num_classes):
    from torch import nn
    height, width, channels = input_shape
    return nn.Sequential(nn.Flatten(), nn.Linear(height * width * channels, 5))
