"""Hostile: build_model raises."""

FRAMEWORK = "torch"
HYPERPARAMETERS = {"batch_size": 16, "num_batches": 6}


def build_model(input_shape, num_classes):
    kernels = {}
    return kernels["conv1"]
