"""Device set-up and description for the TensorFlow adapter; imports no framework itself.

The adapter passes its ``tensorflow`` module in, so this module stays importable (and
testable) in any process, like the rest of the neutral core.
"""

from __future__ import annotations

import os
import subprocess
from importlib import metadata

from harness import host
from harness.adapters.base import gpu_memory_fraction


def _gpu_query() -> dict | None:
    """Name, total memory (MiB) and driver of the first visible GPU, from nvidia-smi."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES", "0").split(",")[0].strip() or "0"
    try:
        done = subprocess.run(
            [
                "nvidia-smi",
                "--query-gpu=name,memory.total,driver_version",
                "--format=csv,noheader,nounits",
                "-i",
                visible,
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    name, memory_mib, driver = (x.strip() for x in done.stdout.splitlines()[0].split(","))
    return {"name": name, "memory_bytes": int(float(memory_mib)) * 2**20, "driver": driver}


def configure_gpus(tf) -> None:
    """Bound GPU memory; TensorFlow accepts this only before it first uses a device.

    A logical device with a ``memory_limit`` and memory growth cannot be combined, so a set
    fraction gives a fixed-size logical device and no fraction gives memory growth: either
    way a run never grabs the whole card and several runs can share it.
    """
    gpus = tf.config.list_physical_devices("GPU")
    fraction = gpu_memory_fraction() if gpus else None
    query = _gpu_query() if fraction is not None else None
    for gpu in gpus:
        if fraction is None or query is None:
            tf.config.experimental.set_memory_growth(gpu, True)
        else:
            limit_mib = int(query["memory_bytes"] * fraction) // 2**20
            tf.config.set_logical_device_configuration(
                gpu, [tf.config.LogicalDeviceConfiguration(memory_limit=limit_mib)]
            )
    if not gpus:
        tf.config.experimental.enable_op_determinism()  # same seed, same curve on the CPU


def configure_threads(tf) -> None:
    """Follow ``OMP_NUM_THREADS`` as torch does: TensorFlow's own pools ignore it and take
    more than one core per run, so runs side by side under ``--jobs`` would slow each
    other and their bar (docs/benchmarks.md). Like the GPU settings, this holds only before
    TensorFlow's first op."""
    threads = host.run_threads()
    if threads is not None:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)


def _threads(tf) -> int:
    """Intra-op threads TensorFlow uses (0, its default, is one per core)."""
    return tf.config.threading.get_intra_op_parallelism_threads() or os.cpu_count() or 1


def device_name(tf) -> str:
    return "/GPU:0" if tf.config.list_logical_devices("GPU") else "/CPU:0"


def describe(tf) -> dict:
    versions = f"tensorflow {tf.__version__}, keras {metadata.version('keras')}"
    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return host.cpu_device(versions, threads=_threads(tf))
    query = _gpu_query() or {"memory_bytes": None, "driver": None}
    details = tf.config.experimental.get_device_details(gpus[0])
    fraction = gpu_memory_fraction()
    info = {
        "kind": "gpu",
        "name": details.get("device_name") or query.get("name"),
        "memory_bytes": query["memory_bytes"],
        "driver": query["driver"],
        "framework_version": versions,
    }
    if fraction is not None and query["memory_bytes"]:
        info["memory_limit_bytes"] = int(query["memory_bytes"] * fraction)
    return info
