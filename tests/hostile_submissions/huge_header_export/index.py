"""Hostile: its explore export claims shape (10**12, 10) in the .npy header and holds a few
bytes. Read whole, the parent raised MemoryError and the scored run became a harness error
with 0 points; a bad export must cost only the pictures. The run must stand, scored as
honest_tiny is (same network, same seed), with a note that the page has no pictures.

It replaces ``numpy.save`` at import (the worker saves its exports after the report), and
otherwise trains as honest_tiny does."""

import numpy
from torch import nn

FRAMEWORK = "torch"
HYPERPARAMETERS = {"batch_size": 16, "num_batches": 6, "learning_rate": 0.01, "optimizer": "sgd"}


def _claim_huge(file, array, *args, **kwargs):
    with open(file, "wb") as handle:
        header = {"descr": "<f4", "fortran_order": False, "shape": (10**12, 10)}
        numpy.lib.format.write_array_header_1_0(handle, header)
        handle.write(b"\0" * 64)


numpy.save = _claim_huge


def build_model(input_shape, num_classes):
    height, width, channels = input_shape
    return nn.Sequential(
        nn.Conv2d(channels, 4, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(4 * ((height - 2) // 2) * ((width - 2) // 2), num_classes),
    )
