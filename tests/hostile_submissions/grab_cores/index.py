"""Hostile: grabs every core to look faster. Its model asks torch for 64 threads (and
starts a busy thread of its own) before training, so that it would compute on every core
while the reference it is measured against uses one. The sandbox pins a run's whole tree
to its worker's cores: it prints what it was left with, and the test reads that from the
run's captured output."""

import os
import threading

import torch
from torch import nn

FRAMEWORK = "torch"
HYPERPARAMETERS = {
    "batch_size": 16,
    "num_batches": 20,
    "learning_rate": 0.01,
    "optimizer": "momentum",
}


def _spin():
    while True:
        pass


def build_model(input_shape, num_classes):
    torch.set_num_threads(64)
    threading.Thread(target=_spin, daemon=True).start()
    print(
        f"grab_cores: threads {torch.get_num_threads()}, cpus {sorted(os.sched_getaffinity(0))}",
        flush=True,
    )
    height, width, channels = input_shape
    return nn.Sequential(nn.Flatten(), nn.Linear(height * width * channels, num_classes))
