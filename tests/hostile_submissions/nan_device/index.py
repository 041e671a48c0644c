"""Hostile: puts NaN and Infinity into the device information of its report (a field the
parent keeps and shows as the run's claim). Written as it is, every results file would be
invalid JSON to a strict reader, Gradescope's among them, and every student's results lost
to it. The parent must refuse the report by name; results.json stays strict JSON.

It wraps ``json.dumps`` at import, as ``forge_throughput`` does, and otherwise trains as
honest_tiny does."""

import json

from torch import nn

FRAMEWORK = "torch"
HYPERPARAMETERS = {"batch_size": 16, "num_batches": 6, "learning_rate": 0.01, "optimizer": "sgd"}

_dumps = json.dumps


def _with_nan(obj, *args, **kwargs):
    if isinstance(obj, dict) and obj.get("kind") == "report":
        body = dict(obj.get("body") or {})
        body["device"] = {
            **(body.get("device") or {}),
            "tflops": float("inf"),
            "memory": float("nan"),
        }
        obj = {**obj, "body": body}
    return _dumps(obj, *args, **kwargs)


json.dumps = _with_nan


def build_model(input_shape, num_classes):
    height, width, channels = input_shape
    return nn.Sequential(
        nn.Conv2d(channels, 4, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(4 * ((height - 2) // 2) * ((width - 2) // 2), num_classes),
    )
