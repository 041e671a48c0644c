"""Code-form example in PyTorch: the assignment's original network, written by hand.

build_model returns a torch.nn.Module fed NCHW float32 batches in [0, 1] and returning
logits; the harness owns the loss, the optimizer and the training loop.
14,682 parameters on 28x28x1 images.
"""

import torch
from torch import nn

FRAMEWORK = "torch"

HYPERPARAMETERS = {"batch_size": 64, "num_batches": 3000, "learning_rate": 0.01,
                   "optimizer": "momentum"}


class SmallCNN(nn.Module):
    """Two conv(5x5, 16) -> relu -> maxpool(2x2) blocks and a linear classifier."""

    def __init__(self, input_shape, num_classes):
        super().__init__()
        height, width, channels = input_shape
        self.features = nn.Sequential(
            nn.Conv2d(channels, 16, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 16, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Linear(16 * (height // 4) * (width // 4), num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.features(x), 1))


def build_model(input_shape, num_classes):
    return SmallCNN(input_shape, num_classes)
