"""What the container's kernel says about memory: how many processes its OOM killer killed.

Gradescope runs each upload in a container whose memory is a cgroup's limit; when the
processes inside outgrow it the kernel kills one with SIGKILL and counts it in the
cgroup's ``oom_kill`` (cgroup v2 ``memory.events``, v1 ``memory.oom_control``; both count
the cgroups below too). A run that dies by SIGKILL while that count rose was killed by the
container, not by the harness's own limits.
"""

from __future__ import annotations

from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")


def own_memory_cgroup(proc_cgroup: str) -> Path | None:
    """This process's memory cgroup folder from ``/proc/self/cgroup``'s text."""
    v2 = None
    for line in proc_cgroup.splitlines():
        hierarchy, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if "memory" in controllers.split(","):
            return CGROUP_ROOT / "memory" / path.lstrip("/")
        if hierarchy == "0" and controllers == "":
            v2 = CGROUP_ROOT / path.lstrip("/")
    return v2


def oom_kills() -> int | None:
    """Processes the OOM killer killed in this process's memory cgroup; None if unknown."""
    try:
        folder = own_memory_cgroup(Path("/proc/self/cgroup").read_text())
    except OSError:
        return None
    if folder is None:
        return None
    for name in ("memory.events", "memory.oom_control"):
        try:
            text = (folder / name).read_text()
        except OSError:
            continue
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill" and value.strip().isdigit():
                return int(value)
    return None
