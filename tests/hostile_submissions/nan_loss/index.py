"""Hostile: the model's output turns NaN after a few training steps."""

import torch
from torch import nn

FRAMEWORK = "torch"
HYPERPARAMETERS = {"batch_size": 16, "num_batches": 6}


class Diverging(nn.Module):
    def __init__(self, features, num_classes):
        super().__init__()
        self.flatten, self.dense = nn.Flatten(), nn.Linear(features, num_classes)
        self.steps = 0

    def forward(self, x):
        logits = self.dense(self.flatten(x))
        self.steps += self.training
        return logits * torch.nan if self.steps > 2 else logits


def build_model(input_shape, num_classes):
    height, width, channels = input_shape
    return Diverging(height * width * channels, num_classes)
