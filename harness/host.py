"""Facts about this machine that runs, fingerprints and benchmarks record: CPU and GPUs.

No framework is imported: the CPU model comes from ``/proc/cpuinfo``, GPUs from
``nvidia-smi``.
"""

from __future__ import annotations

import functools
import os
import platform
import shutil
import subprocess


@functools.lru_cache(maxsize=1)
def cpu_name() -> str:
    """The CPU model (``/proc/cpuinfo``), else what :mod:`platform` knows."""
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def run_threads() -> int | None:
    """The CPU threads a run may use, from ``OMP_NUM_THREADS`` (``grade`` sets 1 unless
    given); None when it is unset or not a positive whole number."""
    threads = os.environ.get("OMP_NUM_THREADS", "")
    return int(threads) if threads.isdigit() and int(threads) > 0 else None


def memory_bytes() -> int | None:
    """Physical memory of the host, or None where the system does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return None


@functools.lru_cache(maxsize=1)
def gpu_names() -> tuple[str, ...]:
    """One line per visible NVIDIA GPU (``nvidia-smi -L``); empty without GPUs or driver."""
    if not shutil.which("nvidia-smi"):
        return ()
    done = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True)
    return tuple(done.stdout.strip().splitlines()) if done.returncode == 0 else ()


def device_description() -> str:
    """GPU names when there are GPUs, else the CPU model."""
    return "\n".join(gpu_names()) if gpu_names() else cpu_name()
