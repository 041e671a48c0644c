"""Hostile: hoards memory in tmpfs files. At import it writes files of 64 MiB into
``/dev/shm`` and ``/tmp`` (memory-backed file systems: a file there outlives nothing but
the mount) until writing fails, and keeps them, then trains an honest tiny network. The
sandbox's private tmpfs mounts are sized, and the run's cgroup counts what they hold: the
hoard stops at a limit, never at the host's memory. It prints how much it stored."""

import os

from torch import nn

FRAMEWORK = "torch"
HYPERPARAMETERS = {"batch_size": 16, "num_batches": 20, "learning_rate": 0.01}
CHUNK = b"t" * (64 << 20)
LIMIT = 64  # files per folder: 4 GiB each, past any limit the tests set


def _fill(folder: str) -> int:
    stored = 0
    for number in range(LIMIT):
        try:
            with open(os.path.join(folder, f"hoard{number}"), "wb") as handle:
                handle.write(CHUNK)
        except OSError:
            break
        stored += len(CHUNK)
        print(f"tmpfs_hoard: {folder} {stored >> 20} MiB", flush=True)
    return stored


stored = _fill("/dev/shm") + _fill("/tmp")
print(f"tmpfs_hoard: stored {stored >> 20} MiB in all", flush=True)


def build_model(input_shape, num_classes):
    height, width, channels = input_shape
    return nn.Sequential(nn.Flatten(), nn.Linear(height * width * channels, num_classes))
