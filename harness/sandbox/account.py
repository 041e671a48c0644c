"""What a run consumed, as the kernel accounts it: CPU-seconds of its whole process tree,
its memory peak, and what bounded it.

A run's own cgroup (:mod:`harness.sandbox.cgroup`) is the measure wherever one can be made.
Without one, CPU-seconds are summed over the tree from ``/proc`` (each process's own and
its waited-for children's time) while it lives, and at its end from what the kernel hands
us when we wait for it (under bubblewrap: for its pid namespace's init, which we adopt);
this misses only a process that left the tree, and the record says so. The parent reads
:meth:`RunAccount.cpu_seconds` when its clock starts and stops, so the two cover the same
window.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from harness import host
from harness.sandbox import cgroup as run_cgroup
from harness.sandbox import watch


class RunAccount:
    """One run's accounting; :meth:`close` after the run (idempotent) frees the cgroup and
    keeps the last figures."""

    def __init__(self, memory_bytes: int, cpus: Sequence[int]):
        self.cores_given = len(cpus) or host.usable_cpus()
        self.root_pid: int | None = None  # set when the run's first process starts
        self.cgroup: run_cgroup.RunCgroup | None = None
        try:
            self.cgroup = run_cgroup.open_run_cgroup(memory_bytes, cpus)
            self.bounds = self.cgroup.description()
        except run_cgroup.CgroupUnavailable as exc:
            self.bounds = f"no cgroup ({exc}); {run_cgroup.UNBOUNDED}"
        self._lock = threading.Lock()
        self._final: tuple[float | None, int | None, bool] | None = None
        self._last: float | None = None  # without a cgroup: the last /proc sum
        self.seen_pids: set[int] = set()  # without a cgroup: every pid the watchdog saw
        self.resident_peak = 0  # the most the watchdog saw the tree hold, in bytes
        self.working_peak = 0  # the most its cgroup held that reclaim cannot take back
        self.problem = ""  # why the cgroup could not be removed, if it could not

    @property
    def bounds_memory(self) -> bool:
        """The kernel holds the run to its memory limit (its cgroup's memory controller)."""
        return self.cgroup is not None and "memory" in self.cgroup.limited

    def join(self) -> None:
        """In the run's first process, before exec: enter the cgroup (if any)."""
        if self.cgroup is not None:
            self.cgroup.join()

    def cpu_seconds(self) -> float | None:
        """CPU-seconds of the run's tree so far (after :meth:`close`: its total)."""
        with self._lock:
            if self._final is not None:
                return self._final[0]
            if self.cgroup is not None:
                return self.cgroup.cpu_seconds()
            if self.root_pid is not None:
                self._last = watch.tree_cpu_seconds(self.root_pid) or self._last
            return self._last

    def poll(self, tree: list[int], held_bytes: int) -> None:
        """The watchdog's look at the tree: keep its memory peak and, without a cgroup,
        a /proc CPU sample (processes that end later are counted by their parents)."""
        self.resident_peak = max(self.resident_peak, held_bytes)
        if self.cgroup is None:
            self.seen_pids.update(tree)
            self.cpu_seconds()
        else:
            self.working_peak = max(self.working_peak, self.cgroup.working_bytes() or 0)

    def memory_peak_bytes(self) -> int | None:
        if self._final is not None:
            return self._final[1]
        return self.cgroup.memory_peak_bytes() if self.cgroup is not None else None

    def memory_killed(self) -> bool:
        """The kernel killed in the run's cgroup for passing its memory limit."""
        if self._final is not None:
            return self._final[2]
        return self.cgroup is not None and self.cgroup.memory_killed()

    def add_waited(self, cpu_seconds: float) -> None:
        """Without a cgroup: the tree's CPU-seconds as the kernel handed them to us when we
        waited for the run (its own and every waited-for descendant's), which the /proc
        samples may have missed at the end."""
        with self._lock:
            if self.cgroup is None and self._final is None:
                self._last = max(self._last or 0.0, cpu_seconds)

    def close(self) -> None:
        """Keep the final figures, kill what is left in the cgroup, and remove it."""
        with self._lock:
            if self._final is not None:
                return
            group = self.cgroup
            if group is None:
                self._final = (self._last, None, False)
                return
            self._final = (group.cpu_seconds(), group.memory_peak_bytes(), group.memory_killed())
            self.problem = group.remove()
