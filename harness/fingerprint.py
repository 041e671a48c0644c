"""Hashes that decide whether a stored run can be reused: code, data, rubric, environment.

Nothing here imports a framework: versions come from package metadata, the device from
``nvidia-smi`` or ``/proc/cpuinfo``.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parent.parent
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")
VERSIONED_PACKAGES = ("numpy", "torch", "tensorflow", "tensorflow-cpu", "keras", "jax",
                      "jaxlib", "flax", "optax")


def _hash_files(paths) -> str:
    digest = hashlib.sha256()
    for path in sorted(Path(p) for p in paths):
        digest.update(str(path.name).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def folder_hash(folder: Path) -> str:
    """Hash of every file in a submission folder (students may split their code)."""
    return _hash_files(p for p in Path(folder).rglob("*")
                       if p.is_file() and "__pycache__" not in p.parts)


@functools.lru_cache(maxsize=1)
def code_hash() -> str:
    """The harness's and the reference networks' own source."""
    files = list((PROJECT_ROOT / "harness").rglob("*.py"))
    files += list((PROJECT_ROOT / "reference_models").rglob("*.py"))
    return _hash_files(files)


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "-"


@functools.lru_cache(maxsize=1)
def gpu_names() -> tuple[str, ...]:
    """One line per visible NVIDIA GPU (``nvidia-smi -L``); empty without GPUs or driver."""
    if not shutil.which("nvidia-smi"):
        return ()
    done = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True)
    return tuple(done.stdout.strip().splitlines()) if done.returncode == 0 else ()


@functools.lru_cache(maxsize=1)
def device_description() -> str:
    """GPU names when there are GPUs, else the CPU model."""
    if gpu_names():
        return "\n".join(gpu_names())
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


@functools.lru_cache(maxsize=1)
def environment_hash() -> str:
    parts = [sys.version, platform.machine(), device_description(), code_hash()]
    parts += [f"{p}={_version(p)}" for p in VERSIONED_PACKAGES]
    # Thread counts change the order of float sums, so results are equal only for equal ones.
    parts += [f"{v}={os.environ.get(v, '')}" for v in THREAD_VARIABLES]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def arrays_hash(*arrays: np.ndarray) -> str:
    digest = hashlib.sha256()
    for array in arrays:
        digest.update(str((array.shape, array.dtype)).encode())
        digest.update(np.ascontiguousarray(array).data)
    return digest.hexdigest()


def combine(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
