"""The bubblewrap command line of a sandboxed run: what it may see, and as whom it runs.

Inside: ``/usr`` (and ``/bin``, ``/lib*``) and a few ``/etc`` files read-only, the given
read-only paths at their own host paths, the scratch directory at :data:`SCRATCH_MOUNT`,
a sized private ``/tmp`` and ``/dev/shm``, a fresh ``/proc`` and minimal ``/dev``; new
ipc, pid, net, uts and cgroup namespaces; every place test labels may lie
(:func:`harness.sandbox.labels.label_locations`: dataset folders, every copy of the bundled
subset) masked by an empty tmpfs.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from harness.names import PACKAGE_ROOT
from harness.sandbox.labels import label_locations

BWRAP = "/usr/bin/bwrap"
SETPRIV = "/usr/bin/setpriv"
SCRATCH_MOUNT = "/job"  # where the scratch directory appears inside the sandbox
HARNESS_SOURCE = PACKAGE_ROOT  # the harness package
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "nsswitch.conf")


def namespace_args(root: bool) -> list[str]:
    # As root we skip the user namespace on purpose: inside one, the sandbox uid would map
    # to host uid 0, for which RLIMIT_NPROC is not enforced. setpriv drops to a real
    # unprivileged uid instead. Unprivileged callers need the user namespace for bwrap.
    user = [] if root else ["--unshare-user"]
    return [
        *user,
        "--unshare-ipc",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent",
        "--new-session",
    ]


def _mkdirs_for(path: Path, made: set[Path]) -> list[str]:
    """``--dir`` ops (mode 0755) for the ancestors bwrap would otherwise create 0700."""
    args = []
    for parent in reversed(path.parents[:-1]):
        if parent not in made and not parent.is_relative_to("/usr"):
            made.add(parent)
            args += ["--perms", "0755", "--dir", str(parent)]
    return args


def _system_args() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64"):
        top = Path("/", name)
        if top.is_symlink():
            args += ["--symlink", os.readlink(top), str(top)]
        elif top.is_dir():
            args += ["--ro-bind", str(top), str(top)]
    for name in ETC_FILES:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    return args


def _private_tmpfs(path: str, size: str) -> list[str]:
    # Sized: a tmpfs lives in memory that no rlimit of the run counts. Sticky and
    # world-writable like a real /tmp, since the sandbox uid does not own it.
    return ["--perms", "1777", "--size", size, "--tmpfs", path]


def bwrap_argv(
    scratch_dir: Path,
    readonly: Sequence[Path],
    tmp_bytes: int,
    gpu_index: int | None,
    uid: int | None,
) -> list[str]:
    """The bwrap (and, with ``uid``, setpriv) prefix of a sandboxed command line."""
    tmp_size = str(tmp_bytes)
    args = [
        BWRAP,
        *namespace_args(root=uid is not None),
        *_system_args(),
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        *_private_tmpfs("/tmp", tmp_size),
        *_private_tmpfs("/dev/shm", tmp_size),
    ]
    made: set[Path] = set()
    for path in readonly:
        args += [*_mkdirs_for(path, made), "--ro-bind", str(path), str(path)]
    for hidden in label_locations():
        if hidden.is_dir() and any(hidden.is_relative_to(p) for p in (Path("/usr"), *readonly)):
            args += ["--tmpfs", str(hidden)]
    if gpu_index is not None:
        # Every NVIDIA node: the driver enumerates devices through nvidiactl, and
        # CUDA_VISIBLE_DEVICES (set by run_isolated) pins the run to its GPU.
        for dev in sorted(Path("/dev").glob("nvidia*")):
            args += ["--dev-bind", str(dev), str(dev)]
        args += ["--ro-bind-try", "/sys", "/sys"]
    args += ["--bind", str(scratch_dir), SCRATCH_MOUNT, "--chdir", SCRATCH_MOUNT, "--"]
    return args + (setpriv_argv(uid) if uid is not None else [])


def setpriv_argv(uid: int) -> list[str]:
    """Drop to ``uid`` (and its own gid), no supplementary group, no capability left."""
    return [
        SETPRIV,
        f"--reuid={uid}",
        f"--regid={uid}",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
        "--",
    ]
