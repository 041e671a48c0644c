"""The assignment's reference CNNs written idiomatically in PyTorch.

``original`` is the Model Builder network of the assignment (5x5 fields, 16 filters);
``cifar`` is the same shape with 3x3 fields and 30 filters. Both take NCHW float32 images
in [0, 1] and return logits. Kernels are Glorot (Xavier) uniform, biases zero, as in the
Keras and Flax references, so that the three frameworks start from the same distribution.
"""

from __future__ import annotations

import torch
from torch import nn


class FlattenHWC(nn.Module):
    """Flatten NCHW activations in NHWC order (height, width, channel).

    The canonical weight layout enumerates the first dense layer's inputs channels-last,
    as Keras and Flax flatten; flattening the same way lets one set of weights serve all
    three frameworks.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.permute(0, 2, 3, 1).flatten(1)


def glorot_init(module: nn.Module) -> None:
    """Glorot-uniform kernels and zero biases for every conv and dense layer in ``module``."""
    for layer in module.modules():
        if isinstance(layer, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)


class ConvNet(nn.Module):
    """conv -> relu -> maxpool, twice, then a dense layer to the classes."""

    def __init__(
        self, input_shape: tuple[int, int, int], num_classes: int, field_size: int, filters: int
    ):
        super().__init__()
        height, width, channels = input_shape
        pad = field_size // 2  # "same" size for odd fields at stride 1
        self.conv1 = nn.Conv2d(channels, filters, field_size, stride=1, padding=pad)
        self.conv2 = nn.Conv2d(filters, filters, field_size, stride=1, padding=pad)
        self.pool = nn.MaxPool2d(2, 2)
        self.flatten = FlattenHWC()
        self.dense = nn.Linear((height // 4) * (width // 4) * filters, num_classes)
        glorot_init(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(torch.relu(self.conv1(x)))
        x = self.pool(torch.relu(self.conv2(x)))
        return self.dense(self.flatten(x))


def original(input_shape: tuple[int, int, int], num_classes: int) -> ConvNet:
    """The assignment's network: 5x5 fields, 16 filters (14,682 parameters on 28x28x1)."""
    return ConvNet(input_shape, num_classes, field_size=5, filters=16)


def cifar(input_shape: tuple[int, int, int], num_classes: int) -> ConvNet:
    """The CIFAR variant: 3x3 fields, 30 filters (28,180 parameters on 32x32x3)."""
    return ConvNet(input_shape, num_classes, field_size=3, filters=30)


NETWORKS = {"original": original, "cifar": cifar}
