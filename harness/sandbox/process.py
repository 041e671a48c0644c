"""Run one command in its own isolated process: bubblewrap where it works, limits always.

Student code is hostile (README, security). Under bubblewrap the command sees the
system read-only (``/usr``, the Python installation, the harness source), the read-only
paths it is given, one writable scratch directory at :data:`SCRATCH_MOUNT`, a small private
``/tmp``, and nothing else of the host: no network, no host processes (pid namespace), every
place test labels may lie masked (:mod:`harness.sandbox.labels`). When we are root it runs
under an unprivileged uid of its own, so that ``RLIMIT_NPROC`` holds (the kernel never
enforces it for uid 0) and no capability is left. As root where bubblewrap cannot work, the
uid alone is the sandbox (mode "uid", only while no label file is readable by others);
otherwise there is no sandbox, and a run happens only when the caller accepted that
(``isolate=False``): a plain process in its own session with the same limits, recorded as
``isolation="none"`` (:mod:`harness.sandbox.modes`).

Each run gets a cgroup of its own where one can be made (:mod:`harness.sandbox.cgroup`):
the kernel then bounds everything the tree allocates (memfd, shared memory, tmpfs and page
cache included), holds it to its cores, and accounts its CPU-seconds
(:class:`harness.sandbox.account.RunAccount`). The parent kills the whole process tree at
the wall-time limit or when the tree's resident memory passes the limit, and, when the run
ends, every process it started, wherever it went (its cgroup, its pid namespace, its uid,
or ours as subreaper). It reads stdout/stderr through pipes,
keeping head and tail, so that a flood costs neither disk nor memory. Nothing the command
prints is parsed.
"""

from __future__ import annotations

import ctypes
import os
import resource
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.names import REFERENCE_MODELS_ROOT
from harness.sandbox import watch as sandbox_watch
from harness.sandbox.account import RunAccount
from harness.sandbox.bwrap import (
    HARNESS_SOURCE,
    SCRATCH_MOUNT,
    bwrap_argv,
    setpriv_argv,
)
from harness.sandbox.modes import bubblewrap_available, require_sandbox
from harness.sandbox.scratch import remove_owned
from harness.sandbox.watch import OutputCapture

__all__ = ["Limits", "SandboxResult", "bubblewrap_available", "failure_reason", "run_isolated"]

PR_SET_PDEATHSIG = 1  # linux/prctl.h


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandboxed run."""

    wall_seconds: float  # the parent kills the whole tree after this long
    memory_bytes: int  # RLIMIT_DATA (CPU runs) and resident size of the whole tree
    max_processes: int = 256  # RLIMIT_NPROC: processes *and threads* of the sandbox uid
    max_open_files: int = 1024  # RLIMIT_NOFILE
    max_file_bytes: int = 1 << 30  # RLIMIT_FSIZE: largest file it may write
    output_bytes: int = 64 * 1024  # kept of stdout and of stderr, each (head + tail)
    scratch_bytes: int = 2 << 30  # disk in the scratch folder, all files (checked as it runs)
    # CPUs the whole tree may run on (sched_setaffinity, inherited by every thread and
    # process it starts); () leaves the parent's. Whatever threads a run asks for (a
    # student may call torch.set_num_threads), it computes on these cores only.
    cpus: tuple[int, ...] = ()


@dataclass
class SandboxResult:
    """How the command ended. Exactly one cause is recorded: a kill by the parent sets
    ``timed_out`` or ``memory_exceeded``; otherwise ``returncode`` / ``signal_name``."""

    returncode: int | None
    signal_name: str | None  # e.g. "SIGSEGV" when the command died of a signal
    timed_out: bool
    memory_exceeded: bool
    stdout: str  # truncated to Limits.output_bytes with a "[... N bytes truncated]" marker
    stderr: str
    wall_seconds: float
    isolated: bool  # ran in a sandbox: bubblewrap, or an unprivileged uid of its own
    processes_exceeded: bool = False  # fallback only: the tree outgrew max_processes
    isolation: str = "bubblewrap"  # the mode: "bubblewrap", "uid" or "none" (modes.MODES)
    disk_exceeded: bool = False  # the scratch folder outgrew Limits.scratch_bytes
    cpu_seconds: float | None = None  # the whole tree's, from its start to its end
    memory_peak_bytes: int | None = None  # the cgroup's peak, page cache in (None without)
    resident_peak_bytes: int = 0  # the most the watchdog saw the tree hold (see watch)
    working_peak_bytes: int = 0  # the cgroup's, page cache left out (RunCgroup.working_bytes)
    bounds: str = ""  # what bounded memory and CPU (RunAccount.bounds)


def failure_reason(result: SandboxResult, limits: Limits) -> str | None:
    """Name why a command that produced no result ended, in words for the student."""
    if result.timed_out:
        return f"timed out after {limits.wall_seconds:g} s (wall-time limit)"
    if result.memory_exceeded:
        return f"exceeded the memory limit of {limits.memory_bytes // 2**20} MiB"
    if result.disk_exceeded:
        return (
            f"wrote more than {limits.scratch_bytes // 2**20} MiB to its scratch folder "
            "(scratch_limit_mib)"
        )
    if result.processes_exceeded:
        return f"started more than {limits.max_processes} processes"
    if result.signal_name == "SIGXFSZ":
        return f"wrote a file larger than {limits.max_file_bytes} bytes (file size limit)"
    if result.signal_name == "SIGSEGV":
        return "killed by signal SIGSEGV (segmentation fault)"
    if result.signal_name:
        return f"killed by signal {result.signal_name}"
    if result.returncode:
        return f"exited early with status {result.returncode}"
    return None


def _own_task_count() -> int:
    """Processes and threads of our uid now: RLIMIT_NPROC counts them all, so a run under
    our own uid (no root, no uid of its own) gets max_processes on top of them."""
    uid, count = os.getuid(), 0
    for entry in os.scandir("/proc"):
        try:
            if entry.name.isdigit() and entry.stat().st_uid == uid:
                count += len(os.listdir(f"/proc/{entry.name}/task"))
        except OSError:
            pass
    return count


def _die_with_parent() -> None:
    """SIGKILL this child when the grading process dies (bwrap's --die-with-parent does
    the same for the sandbox; this covers the fallback)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _set_limits(limits: Limits, cap_data: bool, nproc: int, account: RunAccount) -> None:
    """Runs in the child before exec; inherited through bwrap and setpriv."""
    account.join()  # first: everything the run starts is inside its cgroup

    def cap(kind, value):
        resource.setrlimit(kind, (value, value))

    cap(resource.RLIMIT_NPROC, nproc)
    cap(resource.RLIMIT_NOFILE, limits.max_open_files)
    cap(resource.RLIMIT_FSIZE, limits.max_file_bytes)
    cap(resource.RLIMIT_CORE, 0)
    if limits.cpus:
        os.sched_setaffinity(0, limits.cpus)
    _die_with_parent()
    if cap_data:
        # RLIMIT_DATA, not RLIMIT_AS: XLA and TensorFlow reserve address space far beyond
        # what they touch; DATA counts private writable memory only (docs/benchmarks.md,
        # design measurements: all three run under it on the CPU). CUDA maps
        # large writable regions, so GPU runs rely on the parent's resident-size watchdog.
        cap(resource.RLIMIT_DATA, limits.memory_bytes)


def _sandbox_uid() -> int | None:
    """A fresh unprivileged uid per run (as root), so parallel runs' NPROC don't mix."""
    return 200_000 + secrets.randbelow(800_000) if os.geteuid() == 0 else None


def _prepare_scratch(scratch_dir: Path, uid: int | None) -> None:
    if uid is None:
        return
    for path in [scratch_dir, *scratch_dir.rglob("*")]:
        os.chown(path, uid, uid, follow_symlinks=False)


def _environment(env: Mapping[str, str] | None, home: str, gpu_index: int | None) -> dict:
    base = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": "/tmp",
        "LANG": "C.UTF-8",
        "USER": "sandbox",
        "LOGNAME": "sandbox",
        "PYTHONPATH": str(HARNESS_SOURCE.parent),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
    }
    if gpu_index is not None:
        base["CUDA_VISIBLE_DEVICES"] = str(gpu_index)
    return {**base, **(env or {})}


def run_isolated(
    argv: Sequence[str],
    *,
    scratch_dir: Path,
    readonly_paths: Sequence[Path],
    limits: Limits,
    env: Mapping[str, str] | None = None,
    gpu_index: int | None = None,
    isolate: bool = True,
    pass_fds: Sequence[int] = (),
    account: RunAccount | None = None,
) -> SandboxResult:
    """Run ``argv`` with ``scratch_dir`` as its working directory (the only writable place).

    Inside bubblewrap the scratch directory is :data:`SCRATCH_MOUNT` and every path of
    ``readonly_paths`` appears read-only at its own path; ``argv`` should therefore refer to
    the scratch directory as ``.``. The Python installation running this module and the
    harness source are always visible read-only. ``isolate=True`` takes the best sandbox
    this machine has (:func:`harness.sandbox.modes.require_sandbox`) and raises
    :class:`~harness.sandbox.modes.SandboxUnavailable` when there is none;
    ``isolate=False`` runs a plain process, as the caller accepted. ``pass_fds`` stay open
    in the command under the same numbers (the worker's socket to its parent). ``account``
    (made here when not given) is the run's cgroup and CPU accounting; it is closed when
    the run ends. Returns once the whole tree has ended, every process it started included.
    """
    scratch_dir = Path(scratch_dir).resolve()
    mode = require_sandbox() if isolate else "none"
    uid = _sandbox_uid() if mode != "none" else None
    _prepare_scratch(scratch_dir, uid)
    full = _wrapped(
        list(argv), mode, scratch_dir, _readonly(readonly_paths), limits, gpu_index, uid
    )
    home = SCRATCH_MOUNT if mode == "bubblewrap" else str(scratch_dir)
    # uid 0 is never held to RLIMIT_NPROC; any other uid that is ours counts its own tasks.
    shared_uid = uid is None and os.geteuid() != 0
    nproc = limits.max_processes + (_own_task_count() if shared_uid else 0)
    orphans = sandbox_watch.OrphanCatcher() if mode == "none" else None
    account = account or RunAccount(limits.memory_bytes, limits.cpus)
    if mode == "bubblewrap" and account.cgroup is None:
        sandbox_watch.become_subreaper()  # to wait for the namespace's init ourselves
    waited_before = _children_cpu_seconds()
    try:
        popen = subprocess.Popen(
            full,
            cwd=scratch_dir,
            env=_environment(env, home, gpu_index),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            pass_fds=tuple(pass_fds),
            preexec_fn=lambda: _set_limits(limits, gpu_index is None, nproc, account),
        )
    except BaseException:
        account.close()
        raise
    account.root_pid = popen.pid
    return _supervise(popen, limits, mode, uid, orphans, scratch_dir, account, waited_before)


def _readonly(paths: Sequence[Path]) -> list[Path]:
    """What a run sees read-only: this Python, the harness, the reference models and
    ``paths`` (those that exist)."""
    always: tuple[str | Path, ...] = (
        sys.prefix,
        sys.base_prefix,
        HARNESS_SOURCE,
        REFERENCE_MODELS_ROOT,
    )
    return [Path(p).resolve() for p in (*always, *paths) if Path(p).exists()]


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _wrapped(
    argv: list[str],
    mode: str,
    scratch_dir: Path,
    readonly: list[Path],
    limits: Limits,
    gpu_index: int | None,
    uid: int | None,
) -> list[str]:
    """``argv`` behind bubblewrap, behind setpriv alone (mode "uid"), or bare."""
    if mode == "bubblewrap":
        tmp_bytes = min(limits.max_file_bytes, limits.memory_bytes // 4, limits.scratch_bytes)
        return bwrap_argv(scratch_dir, readonly, tmp_bytes, gpu_index, uid) + argv
    if mode == "uid":
        if uid is None:  # never: mode "uid" is root's, and root always picks one
            raise ValueError("sandbox mode 'uid': expected the run's uid, received None")
        return setpriv_argv(uid) + argv
    return argv


def _end_run(popen, mode: str, uid, orphans, account: RunAccount, waited_before: float) -> int:
    """Kill what is left of the run, wait for it, and count the CPU-seconds the kernel hands
    us as we wait; returns the run's exit status."""
    sandbox_watch.kill_tree(popen)
    returncode = popen.wait()
    # Whatever left the tree (double fork + setsid) ends too: by uid, or as our orphan.
    if mode == "uid":
        sandbox_watch.kill_uid(uid)
        remove_owned(sandbox_watch.SHARED_TMPFS, uid)
    if orphans is not None:
        orphans.kill_all()
    if mode == "bubblewrap" and account.cgroup is None:
        sandbox_watch.reap_namespace_inits(account.seen_pids)
    account.add_waited(_children_cpu_seconds() - waited_before)
    return returncode


def _supervise(
    popen: subprocess.Popen,
    limits: Limits,
    mode: str,
    uid: int | None,
    orphans,
    scratch_dir: Path,
    account: RunAccount,
    waited_before: float,
) -> SandboxResult:
    start = time.monotonic()
    isolated = mode == "bubblewrap"
    captures = [
        OutputCapture(popen.stdout, limits.output_bytes),
        OutputCapture(popen.stderr, limits.output_bytes),
    ]
    by_kernel = account.bounds_memory
    hidden = "" if by_kernel else "memfd+tmpfs" if isolated else "memfd"
    try:
        verdict = sandbox_watch.watch(
            popen,
            limits,
            not isolated,
            scratch_dir=scratch_dir,
            count_hidden=hidden,
            on_poll=account.poll,
            check_memory=not by_kernel,
            shared_uid=uid if mode == "uid" else None,
        )
        returncode = _end_run(popen, mode, uid, orphans, account, waited_before)
    finally:
        account.close()  # kills what is left in the cgroup, keeps its figures
    if verdict is None and account.memory_killed():
        verdict = "memory"  # the kernel's kill, at the cgroup's limit
    wall = time.monotonic() - start
    out, err = (c.text() for c in captures)
    killed = verdict is not None  # by us: the cause is the verdict, not our SIGKILL
    return SandboxResult(
        returncode=None if killed else returncode,
        signal_name=None if killed else _signal_name(returncode, isolated),
        timed_out=verdict == "timeout",
        memory_exceeded=verdict == "memory",
        processes_exceeded=verdict == "processes",
        disk_exceeded=verdict == "disk",
        stdout=out,
        stderr=err,
        wall_seconds=wall,
        isolated=mode != "none",
        isolation=mode,
        cpu_seconds=account.cpu_seconds(),
        memory_peak_bytes=account.memory_peak_bytes(),
        resident_peak_bytes=account.resident_peak,
        working_peak_bytes=account.working_peak,
        bounds="; ".join(p for p in (account.bounds, account.problem) if p),
    )


def _signal_name(returncode: int, isolated: bool) -> str | None:
    # Popen reports a signal as -N; bwrap reports its child's death by signal N as 128+N.
    number = -returncode if returncode < 0 else returncode - 128 if isolated else 0
    try:
        return signal.Signals(number).name if number > 0 else None
    except ValueError:
        return None
