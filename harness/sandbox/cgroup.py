"""A cgroup of its own for each sandboxed run, made by the trusted parent: what the kernel
bounds and accounts for the run's whole process tree, whatever the run does.

- memory: every page the tree creates is charged to it, private memory, ``memfd`` and
  shared-memory files, tmpfs files and page cache included; past the limit the kernel
  kills inside the cgroup, and the parent reads that as a memory kill;
- cpuset: the cores the run was given; ``sched_setaffinity`` cannot widen the mask past them;
- CPU accounting (v1 ``cpuacct.usage``, v2 ``cpu.stat``): the CPU-seconds of every process
  and thread the run started, read by the parent.

Version 1 (a hierarchy per controller) and version 2 (one hierarchy) are both used, the run's
cgroup a child of this process's own. Where no cgroup can be made (no permission, a
read-only mount, no controller), :func:`open_run_cgroup` says why, and the run is bounded
as :data:`UNBOUNDED` says instead. The run joins its cgroup before it executes anything
(:meth:`RunCgroup.join`, from the child between fork and exec), so nothing it starts
escapes it; the sandbox's uid cannot write to the cgroup files, and under bubblewrap it
sees none of them.
"""

from __future__ import annotations

import os
import secrets
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness.host import Hierarchy, cgroup_hierarchies

V1_CONTROLLERS = ("memory", "cpuset", "cpuacct")
V2_CONTROLLERS = ("memory", "cpuset", "cpu")
PREFIX = "harness-run-"  # then the creating process's pid: a dead one's cgroups are swept
DISABLE_ENV = "HARNESS_NO_CGROUP"  # "1": never make a run cgroup (tests of the fallback)
MEMORY_FALLBACK = (
    "RLIMIT_DATA (private memory) and the parent's resident-size watchdog, which also "
    "counts the memfd files the run holds open and what it stores in /tmp and /dev/shm "
    "(bubblewrap's private ones; in mode uid its own files there, where they are tmpfs)"
)
UNBOUNDED = (
    f"memory: {MEMORY_FALLBACK}; CPU: core affinity (a run can widen it) and CPU-seconds "
    "summed over the process tree from /proc, checked against wall time x cores given"
)


class CgroupUnavailable(Exception):
    """No cgroup could be made for the run; the message says why."""


@dataclass
class RunCgroup:
    """One run's cgroup: a folder per hierarchy used (v1), or one folder (v2)."""

    version: int
    folders: dict[str, Path]  # controller -> the run's folder ("unified" for v2)
    memory_bytes: int
    cpus: tuple[int, ...]
    limited: tuple[str, ...] = ()  # what the kernel enforces: "memory", "cpuset"
    _procs: list[str] = field(default_factory=list)  # cgroup.procs paths, for join()

    def join(self) -> None:
        """Move the calling process into the cgroup. Called in the child before exec, so
        only ``os`` calls: no allocation worth naming, no lock another thread might hold."""
        pid = str(os.getpid()).encode()
        for path in self._procs:
            fd = os.open(path, os.O_WRONLY)
            try:
                os.write(fd, pid)
            finally:
                os.close(fd)

    def cpu_seconds(self) -> float | None:
        """CPU time of every task the run's tree ran so far (the living and the ended)."""
        if self.version == 1:
            text = _read(self.folders["cpuacct"] / "cpuacct.usage")
            return int(text) / 1e9 if text else None
        stat = _keyed(self.folders["unified"] / "cpu.stat")
        return stat["usage_usec"] / 1e6 if "usage_usec" in stat else None

    def memory_killed(self) -> bool:
        """The kernel killed a task of the run for passing the memory limit."""
        if "memory" not in self.limited:
            return False
        if self.version == 1:
            return _keyed(self.folders["memory"] / "memory.oom_control").get("oom_kill", 0) > 0
        return _keyed(self.folders["unified"] / "memory.events").get("oom_kill", 0) > 0

    def memory_peak_bytes(self) -> int | None:
        """The most memory the run's tree held at once, page cache and tmpfs included."""
        name = "memory.max_usage_in_bytes" if self.version == 1 else "memory.peak"
        folder = self.folders.get("memory" if self.version == 1 else "unified")
        text = _read(folder / name) if folder and "memory" in self.limited else ""
        return int(text) if text.isdigit() else None

    def working_bytes(self) -> int | None:
        """Memory the run holds now that the kernel cannot reclaim without hurting it: its
        private pages, shared memory and tmpfs files, and the file pages it has mapped (its
        libraries' code); page cache it merely read or wrote is left out."""
        if "memory" not in self.limited:
            return None
        if self.version == 1:
            stat = _keyed(self.folders["memory"] / "memory.stat")
            keys = ("total_rss", "total_shmem", "total_mapped_file")
        else:
            stat = _keyed(self.folders["unified"] / "memory.stat")
            keys = ("anon", "shmem", "file_mapped")
        return sum(stat.get(key, 0) for key in keys)

    def description(self) -> str:
        """What bounds the run, for its record."""
        parts = [f"cgroup v{self.version}"]
        if "memory" in self.limited:
            parts.append(
                f"memory {self.memory_bytes >> 20} MiB (memfd, shared memory, tmpfs and "
                "page cache included)"
            )
        else:
            parts.append(f"memory: no controller here, so {MEMORY_FALLBACK}")
        if "cpuset" in self.limited:
            parts.append(f"cpuset {_cpu_list(self.cpus) or 'of the grading (all its cores)'}")
        parts.append("CPU-seconds from the kernel's accounting of the cgroup")
        return "; ".join(parts)

    def remove(self) -> str:
        """Kill whatever is left in the cgroup and remove it; "" or why it could not."""
        problems = []
        for folder in dict.fromkeys(self.folders.values()):
            _kill_members(folder, self.version)
            try:
                folder.rmdir()
            except OSError as exc:
                problems.append(f"{folder}: {exc.strerror}")
        return f"could not remove the run's cgroup ({'; '.join(problems)})" if problems else ""


def open_run_cgroup(memory_bytes: int, cpus: Sequence[int]) -> RunCgroup:
    """A fresh cgroup under this process's own, limited to ``memory_bytes`` and ``cpus``
    (() leaves ours). Raises :class:`CgroupUnavailable` naming why none could be made."""
    if os.environ.get(DISABLE_ENV) == "1":
        raise CgroupUnavailable(f"{DISABLE_ENV}=1")
    hierarchies = cgroup_hierarchies()
    v1 = {c: h for h in hierarchies if h.version == 1 for c in h.controllers}
    unified = next((h for h in hierarchies if h.version == 2), None)
    name = f"{PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
    if all(c in v1 for c in V1_CONTROLLERS):
        return _open_v1(v1, name, memory_bytes, tuple(cpus))
    if unified is not None:
        return _open_v2(unified, name, memory_bytes, tuple(cpus))
    raise CgroupUnavailable("no cgroup hierarchy with memory, cpuset and CPU accounting here")


def sweep_stale(parent: Path) -> None:
    """Remove the empty run cgroups under ``parent`` whose grading process was killed
    before it could remove them (a killed parent leaves an empty folder, nothing runs)."""
    try:
        entries = [e for e in os.scandir(parent) if e.name.startswith(PREFIX)]
    except OSError:
        return
    for entry in entries:
        owner = entry.name.removeprefix(PREFIX).split("-")[0]
        if owner.isdigit() and not Path("/proc", owner).exists():
            try:
                os.rmdir(entry.path)  # refused while any task is inside: nothing is lost
            except OSError:
                pass


def _open_v1(v1: dict[str, Hierarchy], name: str, memory: int, cpus: tuple) -> RunCgroup:
    folders = {c: v1[c].directory / name for c in V1_CONTROLLERS}
    for folder in dict.fromkeys(folders.values()):
        sweep_stale(folder.parent)
    group = RunCgroup(1, folders, memory, cpus, ("memory", "cpuset"))
    try:
        for folder in dict.fromkeys(folders.values()):
            folder.mkdir()
        _write(folders["memory"] / "memory.limit_in_bytes", memory)
        _try_write(folders["memory"] / "memory.memsw.limit_in_bytes", memory)  # swap too
        parent = folders["cpuset"].parent
        _write(folders["cpuset"] / "cpuset.cpus", _cpu_list(cpus) or _read(parent / "cpuset.cpus"))
        _write(folders["cpuset"] / "cpuset.mems", _read(parent / "cpuset.mems"))
    except OSError as exc:
        group.remove()
        raise CgroupUnavailable(f"cgroup v1: {exc.strerror}: {exc.filename}") from exc
    group._procs = [str(f / "cgroup.procs") for f in dict.fromkeys(folders.values())]
    return group


def _open_v2(unified: Hierarchy, name: str, memory: int, cpus: tuple) -> RunCgroup:
    """v2: the run's cgroup under ours, with whichever of memory and cpuset our cgroup can
    hand down (CPU accounting needs no controller); refused when it can hand down neither
    and cannot even be made."""
    top = unified.directory
    sweep_stale(top)
    wanted = [c for c in V2_CONTROLLERS if c in unified.controllers]
    if wanted:
        _try_write(top / "cgroup.subtree_control", " ".join(f"+{c}" for c in wanted))
    enabled = set((_read(top / "cgroup.subtree_control") or "").split())
    folder = top / name
    group = RunCgroup(2, {"unified": folder}, memory, cpus)
    try:
        folder.mkdir()
        if "memory" in enabled:
            _write(folder / "memory.max", memory)
            _try_write(folder / "memory.swap.max", 0)
            _try_write(folder / "memory.oom.group", 1)  # a memory kill ends the whole run
            group.limited += ("memory",)
        if "cpuset" in enabled and cpus:
            _write(folder / "cpuset.cpus", _cpu_list(cpus))
            group.limited += ("cpuset",)
    except OSError as exc:
        group.remove()
        raise CgroupUnavailable(f"cgroup v2: {exc.strerror}: {exc.filename}") from exc
    group._procs = [str(folder / "cgroup.procs")]
    return group


def _kill_members(folder: Path, version: int) -> None:
    if version == 2 and (folder / "cgroup.kill").exists():
        _try_write(folder / "cgroup.kill", 1)
    for _ in range(100):  # a task may fork while we read; each round kills what it saw
        members = [int(p) for p in (_read(folder / "cgroup.procs") or "").split()]
        if not members:
            return
        for pid in members:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.01)


def _cpu_list(cpus: Sequence[int]) -> str:
    return ",".join(str(c) for c in sorted(cpus))


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


def _keyed(path: Path) -> dict[str, int]:
    """A flat keyed file ("name value" per line) as numbers."""
    values = {}
    for line in _read(path).splitlines():
        key, _, value = line.partition(" ")
        if value.strip().isdigit():
            values[key] = int(value)
    return values


def _write(path: Path, value) -> None:
    with open(path, "w") as handle:
        handle.write(str(value))


def _try_write(path: Path, value) -> None:
    try:
        _write(path, value)
    except OSError:
        pass  # optional: swap accounting off, an older kernel
