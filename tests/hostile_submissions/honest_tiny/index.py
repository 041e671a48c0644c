"""Not hostile: a tiny honest torch CNN, graded beside the hostile ones to show they harm
nothing. Every hostile torch submission below differs from it in one place."""

from torch import nn

FRAMEWORK = "torch"
HYPERPARAMETERS = {"batch_size": 16, "num_batches": 6, "learning_rate": 0.01, "optimizer": "sgd"}


def build_model(input_shape, num_classes):
    height, width, channels = input_shape
    return nn.Sequential(
        nn.Conv2d(channels, 4, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(4 * ((height - 2) // 2) * ((width - 2) // 2), num_classes),
    )
