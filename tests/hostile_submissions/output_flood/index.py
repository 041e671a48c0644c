"""Hostile: floods stdout and stderr (8 MB each), then trains an honest model."""

import sys

from torch import nn

FRAMEWORK = "torch"
HYPERPARAMETERS = {"batch_size": 16, "num_batches": 6}

for _ in range(8 * 1024):
    print("flood " * 170)
    print("FLOOD " * 170, file=sys.stderr)
print("last line of the flood")


def build_model(input_shape, num_classes):
    height, width, channels = input_shape
    return nn.Sequential(nn.Flatten(), nn.Linear(height * width * channels, num_classes))
