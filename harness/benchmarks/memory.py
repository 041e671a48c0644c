"""Peak memory of a process tree, sampled from ``/proc``: what ``--jobs N`` costs in memory.

A grading is a tree: the ``grade`` process, its pytest workers, each run's sandbox and
worker. Every ``interval`` seconds :class:`TreeMemory` sums the proportional set size (PSS,
``/proc/PID/smaps_rollup``: a page shared by k processes counts 1/k in each, so the
memory-mapped inputs every run shares count once) of the root and all its descendants, and
keeps the largest sum. Where PSS cannot be read it falls back to the resident size. Linux
only; elsewhere the peak is None.
"""

from __future__ import annotations

import threading
from pathlib import Path

from harness.sandbox.watch import PAGE_BYTES

PROC = Path("/proc")


def _parent_of(pid: int) -> int | None:
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])  # the field after the state


def tree_pids(root: int) -> set[int]:
    """``root`` and every process descended from it, now."""
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            parent = _parent_of(int(entry.name))
            if parent is not None:
                children.setdefault(parent, []).append(int(entry.name))
    found, todo = {root}, [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def process_bytes(pid: int) -> int:
    """The PSS of ``pid`` in bytes (its resident size where PSS is unreadable; 0 if gone)."""
    try:
        for line in (PROC / str(pid) / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int((PROC / str(pid) / "statm").read_text().split()[1]) * PAGE_BYTES
    except (OSError, ValueError, IndexError):
        return 0


def tree_bytes(root: int) -> int:
    return sum(process_bytes(pid) for pid in tree_pids(root))


class TreeMemory:
    """Samples :func:`tree_bytes` of ``root`` in a thread until :meth:`stop`, keeping the peak."""

    def __init__(self, root: int, interval: float = 0.5):
        self.root, self.interval = root, interval
        self.peak: int | None = None if not PROC.is_dir() else 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def start(self) -> TreeMemory:
        if self.peak is not None:
            self._thread.start()
        return self

    def stop(self) -> int | None:
        """Stop sampling; the peak in bytes (None where ``/proc`` is missing)."""
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()
        return self.peak

    def _sample(self) -> None:
        while True:
            self.peak = max(self.peak or 0, tree_bytes(self.root))
            if self._done.wait(self.interval):
                return
