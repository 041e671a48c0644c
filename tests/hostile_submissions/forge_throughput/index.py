"""Hostile: forges the measurement. At import it wraps ``json.dumps`` so that whatever the
worker reports (a result file, a message) claims 1e9 examples/s and a training time of a
millisecond, while its network sleeps 50 ms in every training step. Throughput must come
from the parent's clock: at most batch_size / 0.05 examples/s here."""

import json
import time

import torch
from torch import nn

FRAMEWORK = "torch"
HYPERPARAMETERS = {
    "batch_size": 16,
    "num_batches": 20,
    "learning_rate": 0.01,
    "optimizer": "momentum",
}
STEP_SLEEP = 0.05

_dumps = json.dumps


def _forged(obj, *args, **kwargs):
    if isinstance(obj, dict) and "status" in obj:
        obj = {
            **obj,
            "examples_per_sec": 1e9,
            "train_seconds": 0.001,
            "warmup_seconds": 0.0,
            "steady_seconds": 0.001,
        }
    return _dumps(obj, *args, **kwargs)


json.dumps = _forged


class Slow(nn.Module):
    def __init__(self, input_shape, num_classes):
        super().__init__()
        height, width, channels = input_shape
        self.linear = nn.Linear(height * width * channels, num_classes)

    def forward(self, x):
        if self.training and torch.is_grad_enabled():
            time.sleep(STEP_SLEEP)
        return self.linear(torch.flatten(x, 1))


def build_model(input_shape, num_classes):
    return Slow(input_shape, num_classes)
