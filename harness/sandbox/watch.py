"""The parent's side of a sandboxed run: watch the process tree, end it, capture its output.

Pure ``/proc`` parsing (Linux), no third-party dependency. Seen from the host, every
process of a bubblewrap pid namespace descends from the ``bwrap`` process we started, so
the tree rooted there is the whole run.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

from harness.sandbox.scratch import folder_bytes, owned_entries

PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h
SHARED_TMPFS = ("/dev/shm", "/tmp")  # the host's, seen by a run in mode "uid"
POLL_FIRST, POLL_MAX = 0.01, 0.5  # seconds: a /proc scan costs ~10 ms on a busy host


def process_tree(root_pid: int) -> list[int]:
    """``root_pid`` and all its living descendants (one scan of ``/proc``)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path("/proc", entry.name, "stat").read_text()
        except OSError:
            continue  # ended while we looked
        ppid = int(stat.rsplit(")", 1)[1].split()[1])  # the name may hold spaces and ')'
        children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, ()))
    return tree


def resident_bytes(pids: list[int]) -> int:
    """Sum of resident set sizes; shared pages count once per process (conservative)."""
    total = 0
    for pid in pids:
        try:
            total += int(Path("/proc", str(pid), "statm").read_text().split()[1]) * PAGE_BYTES
        except (OSError, IndexError, ValueError):
            pass
    return total


def tree_cpu_seconds(root_pid: int) -> float | None:
    """CPU-seconds of the living tree under ``root_pid``: each process's user and system
    time and its waited-for children's (``/proc/PID/stat`` fields 14-17); None when the
    tree has ended."""
    total, seen = 0, False
    for pid in process_tree(root_pid):
        try:
            fields = Path("/proc", str(pid), "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
        seen = True
    return total / CLOCK_TICKS if seen else None


def hidden_bytes(pids: list[int], private_tmpfs: bool) -> int:
    """Memory a run holds that its resident size does not show: the memfd files its
    processes hold open, and (``private_tmpfs``: bubblewrap's own ``/tmp`` and
    ``/dev/shm``) what is stored in those tmpfs mounts. Each file or mount counts once."""
    seen, total = set(), 0
    for pid in pids:
        for key, size in _memfd_sizes(pid):
            if key not in seen:
                seen.add(key)
                total += size
    for device, used in _private_tmpfs_use(pids) if private_tmpfs else ():
        if device not in seen:
            seen.add(device)
            total += used
    return total


def owned_tmpfs_bytes(folders: tuple[str, ...], uid: int) -> int:
    """Bytes of the files ``uid`` (a run's own, mode "uid") keeps in the host's ``folders``
    that are tmpfs mounts (at their top, or in folders it made there): memory no resident
    size shows."""
    total = 0
    mounted = _tmpfs_mounts()
    for entry in owned_entries(tuple(f for f in folders if f in mounted), uid):
        try:
            if entry.is_dir(follow_symlinks=False):
                total += folder_bytes(Path(entry.path), 1 << 50)
            else:
                total += entry.stat(follow_symlinks=False).st_blocks * 512
        except OSError:
            continue
    return total


def _tmpfs_mounts() -> set[str]:
    try:
        lines = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return set()
    return {
        line.split()[1] for line in lines if len(line.split()) > 2 and line.split()[2] == "tmpfs"
    }


def _private_tmpfs_use(pids: list[int]):
    """(device, bytes used) of the ``/tmp`` and ``/dev/shm`` the run's processes see, the
    host's own (seen by the bwrap process outside the sandbox) left out."""
    host = set()
    for mount in ("/tmp", "/dev/shm"):
        try:
            host.add(os.stat(mount).st_dev)
        except OSError:
            pass
    for pid in pids:
        for mount in ("tmp", "dev/shm"):
            path = f"/proc/{pid}/root/{mount}"
            try:
                device, info = os.stat(path).st_dev, os.statvfs(path)
            except OSError:
                continue
            if device not in host:
                yield ("mount", device), (info.f_blocks - info.f_bfree) * info.f_frsize


def _memfd_sizes(pid: int):
    """(device and inode, bytes stored) of each memfd file the process holds open."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return
    for fd in fds:
        path = f"/proc/{pid}/fd/{fd}"
        try:
            if os.readlink(path).startswith("/memfd:"):
                info = os.stat(path)
                yield (info.st_dev, info.st_ino), info.st_blocks * 512
        except OSError:
            continue


def watch(
    popen: subprocess.Popen,
    limits,
    check_processes: bool,
    scratch_dir: Path | None = None,
    count_hidden: str = "",
    on_poll=None,
    check_memory: bool = True,
    shared_uid: int | None = None,
) -> str | None:
    """Wait for ``popen`` to end; return "timeout", "memory", "processes" or "disk" (the
    scratch folder outgrew ``limits.scratch_bytes``) if it must be killed first (the
    caller kills), None when it ended by itself. ``count_hidden`` ("memfd", or
    "memfd+tmpfs" under bubblewrap) adds :func:`hidden_bytes` to the resident size, for
    runs no cgroup bounds. ``on_poll(tree, held)`` is told at every look what the tree is
    and the memory it held (:meth:`harness.sandbox.account.RunAccount.poll`).
    ``check_memory=False`` where the run's cgroup bounds its memory: resident sizes count
    a shared library's pages once per process, the cgroup counts each page once.
    ``shared_uid``: the run's uid in mode "uid", whose files in the host's tmpfs ``/tmp``
    and ``/dev/shm`` count too."""
    deadline = time.monotonic() + limits.wall_seconds
    pause = POLL_FIRST
    while popen.poll() is None:
        if time.monotonic() >= deadline:
            return "timeout"
        tree = process_tree(popen.pid)
        held = resident_bytes(tree)
        if count_hidden:
            held += hidden_bytes(tree, private_tmpfs="tmpfs" in count_hidden)
        if count_hidden and shared_uid is not None:
            held += owned_tmpfs_bytes(SHARED_TMPFS, shared_uid)
        if on_poll is not None:
            on_poll(tree, held)
        if check_memory and held > limits.memory_bytes:
            return "memory"
        if check_processes and len(tree) > limits.max_processes:
            return "processes"
        if (
            scratch_dir is not None
            and folder_bytes(scratch_dir, limits.scratch_bytes) > limits.scratch_bytes
        ):
            return "disk"
        try:  # returns at once when the run ends, unlike a sleep
            popen.wait(min(pause, max(deadline - time.monotonic(), 0)))
        except subprocess.TimeoutExpired:
            pause = min(pause * 1.5, POLL_MAX)
    return None


def kill_tree(popen: subprocess.Popen) -> None:
    """SIGKILL every process of the run: the tree, then the session's process group.

    Under bubblewrap killing the pid namespace's init ends all of it; in the fallback a
    process that left both the tree and the group (double fork + setsid) can survive.
    """
    for pid in process_tree(popen.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        os.killpg(popen.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def kill_uid(uid: int) -> None:
    """SIGKILL every process of ``uid`` (a run's own uid: whatever it started, however it
    left the tree), until none is left."""
    for _ in range(100):  # a process may fork while we scan; each round kills what it saw
        pids = [p for p in _all_pids() if _owner(p) == uid]
        if not pids:
            return
        for pid in pids:
            _kill(pid)
        time.sleep(0.01)


class OrphanCatcher:
    """Make this process the subreaper of what a plain (unsandboxed) run starts, so that a
    double-forked, ``setsid`` grandchild is re-parented to us instead of to init, and can
    be found and killed when the run ends. Created just before the run's process starts."""

    def __init__(self):
        become_subreaper()
        self.before = set(_children(os.getpid()))

    def kill_all(self) -> None:
        """SIGKILL and reap every new child of ours (and its tree) that outlived the run."""
        for _ in range(100):
            new = [p for p in _children(os.getpid()) if p not in self.before]
            if not new:
                return
            for pid in new:
                for member in process_tree(pid):
                    _kill(member)
                _reap(pid)


def become_subreaper() -> None:
    """Orphans of what this process starts are re-parented to it, not to init (prctl,
    process-wide and idempotent)."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def reap_namespace_inits(seen: set[int]) -> None:
    """SIGKILL and reap each of ``seen`` (pids of a bubblewrap run's tree) that is now our
    child and a pid namespace's init. bubblewrap's monitor exits without waiting for its
    init, which we adopt as subreaper; reaping it brings the CPU-seconds of the whole run
    (the init waits for every process of the namespace) into our ``RUSAGE_CHILDREN``."""
    me = os.getpid()
    for pid in seen:
        if _parent(pid) == me and _namespace_pid(pid) == 1:
            _kill(pid)
            _reap(pid)


def _namespace_pid(pid: int) -> int | None:
    """``pid``'s number in its innermost pid namespace (``NSpid`` in its status)."""
    try:
        for line in Path("/proc", str(pid), "status").read_text().splitlines():
            if line.startswith("NSpid:"):
                return int(line.split()[-1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def _all_pids() -> list[int]:
    return [int(e.name) for e in os.scandir("/proc") if e.name.isdigit()]


def _owner(pid: int) -> int | None:
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return None


def _children(pid: int) -> list[int]:
    return [child for child in _all_pids() if _parent(child) == pid]


def _parent(pid: int) -> int | None:
    try:
        return int(Path("/proc", str(pid), "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


class OutputCapture:
    """Drain a pipe in a thread, keeping the first and last ``limit // 2`` bytes."""

    def __init__(self, stream, limit: int):
        self.stream, self.half = stream, max(limit // 2, 1)
        self.head, self.tail, self.total = bytearray(), bytearray(), 0
        self.thread = threading.Thread(target=self._drain, daemon=True)
        self.thread.start()

    def _drain(self) -> None:
        while chunk := self.stream.read1(65536):
            self.total += len(chunk)
            room = self.half - len(self.head)
            self.head += chunk[:room]
            self.tail += chunk[room:] if room > 0 else chunk
            del self.tail[: -self.half]
        self.stream.close()

    def text(self, wait: float = 5.0) -> str:
        """What was captured, with a "[... N bytes truncated]" marker where bytes were cut.

        ``wait`` bounds the join: in the fallback an escaped grandchild may hold the pipe.
        """
        self.thread.join(wait)
        cut = self.total - len(self.head) - len(self.tail)
        middle = f"\n[... {cut} bytes truncated]\n".encode() if cut > 0 else b""
        return bytes(self.head + middle + self.tail).decode("utf-8", errors="replace")
