"""Hostile: hoards memory its resident size never shows. At import it creates five memfd
files and fills each with 1,000 MiB through ``write()`` (never mapped, so the run's RSS
stays small), then trains an honest tiny network. The run's cgroup counts the files: the
kernel kills the run at the memory limit, and the parent names it a memory kill."""

import os

from torch import nn

FRAMEWORK = "torch"
HYPERPARAMETERS = {"batch_size": 16, "num_batches": 20, "learning_rate": 0.01}
CHUNK = b"h" * (1 << 20)

hoard = []
for number in range(5):
    fd = os.memfd_create(f"hoard{number}")
    for _ in range(1000):
        os.write(fd, CHUNK)
    hoard.append(fd)
    print(f"memfd_hoard: {number + 1} x 1000 MiB held", flush=True)


def build_model(input_shape, num_classes):
    height, width, channels = input_shape
    return nn.Sequential(nn.Flatten(), nn.Linear(height * width * channels, num_classes))
