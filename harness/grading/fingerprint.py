"""Hashes that decide whether a stored run can be reused: code, data, rubric, environment.

Nothing here imports a framework: versions come from package metadata, the device from
:mod:`harness.host`.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.metadata
import json
import os
import platform
import sys

import numpy as np

from harness import host
from harness.config import Assignment
from harness.hashing import code_hash
from harness.names import THREAD_VARIABLES

# Parts of assignment.toml no run depends on: planning (which datasets and frameworks), the
# name, and what the reports apply (points, deadlines, visibility, leaderboard). Editing them
# reuses every stored run; the reports and scores are rebuilt from the records.
REPORT_ONLY_FIELDS = (
    "name",
    "datasets",
    "builder_frameworks",
    "rubric",
    "deadline",
    "visibility",
    "leaderboard",
    "review",
    "seeds",  # how many seeds run; each run's own seed is in its options
)
VERSIONED_PACKAGES = (
    "numpy",
    "torch",
    "tensorflow",
    "tensorflow-cpu",
    "keras",
    "jax",
    "jaxlib",
    "flax",
    "optax",
)


def package_version(package: str) -> str:
    """The installed version of ``package``, "-" where it is not installed."""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "-"


@functools.lru_cache(maxsize=1)
def environment_hash() -> str:
    parts = [sys.version, platform.machine(), host.device_description(), code_hash()]
    parts += [f"{p}={package_version(p)}" for p in VERSIONED_PACKAGES]
    # Thread counts change the order of float sums, so results are equal only for equal ones.
    parts += [f"{v}={os.environ.get(v, '')}" for v in THREAD_VARIABLES]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def assignment_hash(assignment: Assignment) -> str:
    """Hash of the assignment's settings a run depends on (seed, budget, references, ...)."""
    settings = dataclasses.asdict(assignment)
    for name in REPORT_ONLY_FIELDS:
        settings.pop(name)
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()


def arrays_hash(*arrays: np.ndarray) -> str:
    digest = hashlib.sha256()
    for array in arrays:
        digest.update(str((array.shape, array.dtype)).encode())
        digest.update(np.ascontiguousarray(array).data)
    return digest.hexdigest()


def combine(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
