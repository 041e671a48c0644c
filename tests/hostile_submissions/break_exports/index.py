"""Hostile: breaks the explore exports, which the worker writes after its report. At import
it replaces ``numpy.save`` with one that raises, hoping the failure after the report turns
its run (or the harness) into an error. The run must stand, scored as honest_tiny is; only
its explore page loses its pictures."""

import numpy
from torch import nn

FRAMEWORK = "torch"
HYPERPARAMETERS = {"batch_size": 16, "num_batches": 6, "learning_rate": 0.01, "optimizer": "sgd"}


def _refuse(*args, **kwargs):
    raise RuntimeError("break_exports: no saving")


numpy.save = _refuse


def build_model(input_shape, num_classes):
    height, width, channels = input_shape
    return nn.Sequential(
        nn.Conv2d(channels, 4, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(4 * ((height - 2) // 2) * ((width - 2) // 2), num_classes),
    )
