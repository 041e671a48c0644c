"""Hostile: undoes its core pinning. Before training it widens the CPU affinity of every
thread it can find back to all the host's cores (``os.sched_setaffinity`` needs no
privilege where no cpuset restricts it) and starts two processes that compute beside the
training (they inherit the widened mask), so that the run would take other workers'
cores. A cpuset cgroup keeps the mask on the run's cores whatever it asks; without one,
the parent's CPU-seconds show the run used more cores than it was given. It prints the
cores it was left with."""

import os
import subprocess
import sys

import torch
from torch import nn

FRAMEWORK = "torch"
HYPERPARAMETERS = {"batch_size": 16, "num_batches": 20, "learning_rate": 0.01}
EVERY_CORE = set(range(os.cpu_count() or 1))


def _widen_all() -> None:
    for task in os.listdir("/proc/self/task"):
        try:
            os.sched_setaffinity(int(task), EVERY_CORE)
        except OSError:
            pass


class Busy(nn.Module):
    def __init__(self, input_shape, num_classes):
        super().__init__()
        height, width, channels = input_shape
        self.linear = nn.Linear(height * width * channels, num_classes)

    def forward(self, x):
        if self.training:  # long enough for the processes to show on the clock
            end = torch.randn(400, 400)
            for _ in range(20):
                end = end @ end.tanh()
        return self.linear(torch.flatten(x, 1))


def build_model(input_shape, num_classes):
    _widen_all()
    for _ in range(2):
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
    print(f"widen_affinity: cpus {sorted(os.sched_getaffinity(0))}", flush=True)
    return Busy(input_shape, num_classes)
