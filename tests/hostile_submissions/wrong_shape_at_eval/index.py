"""Hostile: right output shape while training, wrong one in inference mode (evaluation)."""

from torch import nn

FRAMEWORK = "torch"
HYPERPARAMETERS = {"batch_size": 16, "num_batches": 6}


class Sneaky(nn.Module):
    def __init__(self, features, num_classes):
        super().__init__()
        self.flatten, self.dense = nn.Flatten(), nn.Linear(features, num_classes)

    def forward(self, x):
        logits = self.dense(self.flatten(x))
        return logits if self.training else logits[:, :3]


def build_model(input_shape, num_classes):
    height, width, channels = input_shape
    return Sneaky(height * width * channels, num_classes)
