"""Hostile: calls sys.exit(0) in the middle of training."""

import os  # noqa: F401
import sys  # noqa: F401
import time  # noqa: F401

from torch import nn

FRAMEWORK = "torch"
HYPERPARAMETERS = {"batch_size": 16, "num_batches": 6}


class Saboteur(nn.Module):
    def __init__(self, features, num_classes):
        super().__init__()
        self.flatten, self.dense = nn.Flatten(), nn.Linear(features, num_classes)
        self.steps = 0

    def forward(self, x):
        self.steps += self.training
        if self.steps > 2:
            sys.exit(0)
        return self.dense(self.flatten(x))


def build_model(input_shape, num_classes):
    height, width, channels = input_shape
    return Saboteur(height * width * channels, num_classes)
