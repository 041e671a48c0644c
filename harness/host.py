"""Facts about this machine that runs, fingerprints and benchmarks record: CPU and GPUs,
and what this process may really use of them (a container's cgroup limits, not the host's).

No framework is imported: the CPU model comes from ``/proc/cpuinfo``, GPUs from
``nvidia-smi``, the limits from ``/proc/self/cgroup`` and the cgroup file systems
(version 1 and 2) as container-aware runtimes read them.
"""

from __future__ import annotations

import functools
import math
import os
import platform
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path


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


def cpu_device(framework_version: str, driver: str | None = None, **more) -> dict:
    """An adapter's :meth:`device_info` on the CPU: this host's processor and memory."""
    info = {
        "kind": "cpu",
        "name": cpu_name(),
        "memory_bytes": memory_bytes(),
        "driver": driver,
        "framework_version": framework_version,
    }
    return {**info, **more}


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


def usable_memory_bytes() -> int | None:
    """Memory this process may use: the host's, or less where a cgroup (v1
    ``memory.limit_in_bytes``, v2 ``memory.max``, on our cgroup or an ancestor) limits it."""
    limits = [memory_bytes(), *(_cgroup_values(_MEMORY_FILES))]
    known = [int(limit) for limit in limits if limit]
    return min(known) if known else None


def usable_cpus() -> int:
    """CPUs this process may compute on: its affinity (a cpuset narrows it), or fewer where
    a CPU quota (v1 ``cpu.cfs_quota_us``, v2 ``cpu.max``) allows less, rounded up."""
    count = getattr(os, "process_cpu_count", None)
    cpus = (count() if count else len(os.sched_getaffinity(0))) or 1
    quotas = [math.ceil(quota) for quota in _cgroup_values(_QUOTA_FILES)]
    return max(1, min([cpus, *quotas]))


def container_description() -> str:
    """What this process may use, for messages: CPUs and memory, and where from."""
    memory, host = usable_memory_bytes(), memory_bytes()
    where = "host" if memory == host else "cgroup limit"
    mib = f"{memory >> 20:,} MiB ({where})" if memory else "unknown memory"
    return f"{usable_cpus()} CPU(s), {mib}"


@dataclass(frozen=True)
class Hierarchy:
    """One mounted cgroup hierarchy and this process's cgroup in it."""

    version: int  # 1 or 2
    controllers: frozenset[str]  # v1: those bound to the mount; v2: those enabled for us
    mount: Path  # where the hierarchy is mounted (its top as this process sees it)
    directory: Path  # our cgroup's folder

    def ancestry(self) -> list[Path]:
        """Our cgroup's folder, then each parent up to the mount's top."""
        folders = [self.directory, *self.directory.parents]
        return [f for f in folders if f.is_relative_to(self.mount)]


def cgroup_hierarchies() -> list[Hierarchy]:
    """The cgroup hierarchies mounted here with our cgroup's folder in each (empty where
    none is mounted or ``/proc`` does not say)."""
    try:
        own = Path("/proc/self/cgroup").read_text().splitlines()
        mounts = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return []
    paths = {}
    for line in own:
        number, names, path = line.split(":", 2)
        paths[names if number != "0" else ""] = path
    found = []
    for line in mounts:
        hierarchy = _hierarchy(line, paths)
        if hierarchy is not None:
            found.append(hierarchy)
    return found


def _hierarchy(mountinfo_line: str, paths: dict[str, str]) -> Hierarchy | None:
    fields, _, tail = mountinfo_line.partition(" - ")
    parts, extra = fields.split(), tail.split()
    if len(parts) < 5 or len(extra) < 3 or extra[0] not in ("cgroup", "cgroup2"):
        return None
    root, mount_point = parts[3], parts[4]
    key: str | None
    if extra[0] == "cgroup2":
        version, key = 2, ""
        controllers = _enabled_v2(paths.get(key), root, mount_point)
    else:
        options = set(extra[2].split(","))
        key = next((k for k in paths if k and set(k.split(",")) <= options), None)
        version, controllers = 1, frozenset(set((key or "").split(",")) - {""})
    if key is None or key not in paths:
        return None
    relative = os.path.relpath(paths[key], root) if paths[key].startswith(root) else None
    if relative is None or relative.startswith(".."):
        return None  # our cgroup is outside what this mount shows
    directory = Path(mount_point, relative) if relative != "." else Path(mount_point)
    return Hierarchy(version, controllers, Path(mount_point), directory)


def _enabled_v2(path: str | None, root: str, mount_point: str) -> frozenset[str]:
    if path is None:
        return frozenset()
    relative = os.path.relpath(path, root)
    try:
        return frozenset(Path(mount_point, relative, "cgroup.controllers").read_text().split())
    except OSError:
        return frozenset()


# (version, file, how to read one value) of the limits that may bind us
_MEMORY_FILES = ((1, "memory.limit_in_bytes", "bytes"), (2, "memory.max", "bytes"))
_QUOTA_FILES = ((1, "cpu.cfs_quota_us", "v1 quota"), (2, "cpu.max", "v2 quota"))


def _cgroup_values(files) -> list[float]:
    """Every limit of ``files`` set on our cgroup or an ancestor, in every hierarchy."""
    values = []
    for hierarchy in cgroup_hierarchies():
        for version, name, kind in files:
            if version != hierarchy.version:
                continue
            for folder in hierarchy.ancestry():
                value = _read_limit(folder / name, kind)
                if value is not None:
                    values.append(value)
    return values


def _read_limit(path: Path, kind: str) -> float | None:
    """One limit, or None when the file is absent or says "unlimited"."""
    try:
        text = path.read_text().split()
        if kind == "v1 quota":
            period = float((path.parent / "cpu.cfs_period_us").read_text())
            quota = float(text[0])
            return quota / period if quota > 0 and period > 0 else None
        if kind == "v2 quota":
            return float(text[0]) / float(text[1]) if text[0] != "max" else None
        value = int(text[0]) if text[0] != "max" else None
    except (OSError, ValueError, IndexError):
        return None
    # v1 writes "no limit" as the largest page-aligned 64-bit number
    return value if value is not None and value < 1 << 62 else None


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
