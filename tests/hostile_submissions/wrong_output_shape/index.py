"""Hostile: the model maps a batch to 5 logits instead of num_classes."""

from torch import nn

FRAMEWORK = "torch"
HYPERPARAMETERS = {"batch_size": 16, "num_batches": 6}


def build_model(input_shape, num_classes):
    height, width, channels = input_shape
    return nn.Sequential(nn.Flatten(), nn.Linear(height * width * channels, 5))
