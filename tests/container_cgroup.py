"""A container's limits made with a cgroup, as Gradescope sets them: memory and a CPU quota.

The cgroup is a child of this process's own (cgroup v1: one in the memory and one in the
cpu hierarchy; v2: one folder), so that whatever the command starts, the harness's own
run cgroups included, is charged to it. ``missing()`` says why none can be made here.
"""

from __future__ import annotations

import os
import secrets
import shlex
import signal
import time
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
PERIOD_US = 100_000


def _own(controller: str) -> str | None:
    """This process's path in ``controller``'s v1 hierarchy, "" under v2, None if absent."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            return path
    return None


class Container:
    """``memory_bytes`` and ``cpus`` (a quota: 0.5 is half a CPU) for what ``wrap`` runs."""

    def __init__(self, memory_bytes: int, cpus: float):
        name = f"harness-test-container-{os.getpid()}-{secrets.token_hex(3)}"
        memory, cpu = _own("memory"), _own("cpu")
        self.folders: list[Path] = []
        try:
            if memory is not None and cpu is not None:  # v1
                self.memory = self._make(ROOT / "memory" / memory.lstrip("/") / name)
                quota = self._make(ROOT / "cpu" / cpu.lstrip("/") / name)
                (self.memory / "memory.limit_in_bytes").write_text(str(memory_bytes))
                (quota / "cpu.cfs_period_us").write_text(str(PERIOD_US))
                (quota / "cpu.cfs_quota_us").write_text(str(int(cpus * PERIOD_US)))
                self.peak_file = self.memory / "memory.max_usage_in_bytes"
            else:  # v2
                unified = _own("") or "/"
                self.memory = self._make(ROOT / unified.lstrip("/") / name)
                (self.memory / "memory.max").write_text(str(memory_bytes))
                (self.memory / "cpu.max").write_text(f"{int(cpus * PERIOD_US)} {PERIOD_US}")
                self.peak_file = self.memory / "memory.peak"
        except OSError:
            self.remove()
            raise

    def _make(self, folder: Path) -> Path:
        folder.mkdir()
        self.folders.append(folder)
        return folder

    def wrap(self, argv: list[str]) -> list[str]:
        """``argv`` run by a shell that first moves itself into the container."""
        joins = "; ".join(f"echo $$ > {shlex.quote(str(f / 'cgroup.procs'))}" for f in self.folders)
        return ["sh", "-c", f'{joins}; exec "$@"', "container", *argv]

    def peak_bytes(self) -> int | None:
        try:
            return int(self.peak_file.read_text())
        except (OSError, ValueError, AttributeError):
            return None

    def remove(self) -> None:
        """Kill what is left inside, then remove the folders (children first)."""
        for folder in self.folders:
            procs = folder / "cgroup.procs"
            for pid in procs.read_text().split() if procs.exists() else []:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for folder in reversed(self.folders):
            for _ in range(50):
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.1)


def missing() -> str | None:
    """Why no container cgroup can be made here (None when one can)."""
    try:
        Container(64 << 20, 0.5).remove()
    except OSError as exc:
        return (
            f"no cgroup with a memory limit and a CPU quota can be made here ({exc}); "
            "run as root on a machine whose cgroup file system is writable"
        )
    return None
