"""Hostile: its first message (``ready``) nests 200,000 lists in 400 KB, well under the
frame limit. Parsed as it is, it raised RecursionError in the parent's conversation thread,
which died, and the run waited for the wall-time limit (30 minutes by default). The parent
must refuse it at once as a protocol error.

It wraps ``json.dumps`` at import, as ``forge_throughput`` does."""

import json

from torch import nn

FRAMEWORK = "torch"
HYPERPARAMETERS = {"batch_size": 16, "num_batches": 6, "learning_rate": 0.01, "optimizer": "sgd"}
DEPTH = 200_000

_dumps = json.dumps


def _nested(obj, *args, **kwargs):
    if isinstance(obj, dict) and obj.get("kind") == "ready":
        return '{"kind": "ready", "body": {"settings": ' + "[" * DEPTH + "]" * DEPTH + "}}"
    return _dumps(obj, *args, **kwargs)


json.dumps = _nested


def build_model(input_shape, num_classes):
    height, width, channels = input_shape
    return nn.Sequential(
        nn.Conv2d(channels, 4, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(4 * ((height - 2) // 2) * ((width - 2) // 2), num_classes),
    )
