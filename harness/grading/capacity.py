"""What this machine, or the container grading runs in, can hold: runs at once and each
run's memory limit, from what the process may really use (:func:`harness.host.usable_cpus`,
:func:`harness.host.usable_memory_bytes`: cgroup memory limits, CPU quota and cpuset), not
the host's totals; and the refusal, before any training, when it cannot hold one run.
"""

from __future__ import annotations

from harness import host
from harness.config import Assignment
from harness.errors import HarnessError

# The most memory one graded run of the shipped assignment held, per framework, as the
# limit counts it: in a run cgroup, the memory charged to it (`train --json`
# cgroup_peak_mib); without one, the tree's resident size, shared library pages counted
# once per process (resident_peak_mib). Measured on Fashion-MNIST: docs/limits.md.
RUN_PEAK_MIB = {
    "cgroup": {"torch": 600, "tensorflow": 700, "jax": 650},
    "resident": {"torch": 700, "tensorflow": 1100, "jax": 800},
}
# Kept for the grading's own processes beside the runs, out of what the container allows:
# the grade process, and one pytest process per run at once (each the parent of its run,
# holding the data it streams); docs/limits.md.
GRADE_PROCESS_MIB, PARENT_PROCESS_MIB = 128, 128


def harness_reserve_mib(jobs: int) -> int:
    return GRADE_PROCESS_MIB + PARENT_PROCESS_MIB * max(jobs, 1)


def usable_mib() -> int | None:
    memory = host.usable_memory_bytes()
    return memory >> 20 if memory else None


def default_jobs(assignment: Assignment, gpus: int) -> int:
    """Runs at once without ``--jobs``: one per GPU; else one per CPU this process may use
    (quota and cpuset counted), no more than fit in its memory at the assignment's per-run
    limit."""
    if gpus:
        return gpus
    usable = usable_mib() or 0
    return max(1, min(host.usable_cpus(), usable // assignment.budget.memory_limit_mib))


def run_memory_mib(assignment: Assignment, jobs: int) -> int:
    """Each run's memory limit: the assignment's, or the container's share per run where
    that is less (so a run is stopped by its own limit, not the container's kill)."""
    usable = usable_mib()
    limit = assignment.budget.memory_limit_mib
    if usable is None:
        return limit
    return max(1, min(limit, (usable - harness_reserve_mib(jobs)) // max(jobs, 1)))


def run_peaks() -> dict[str, int]:
    """Each framework's peak as this machine's runs will be held to it: charged to a run
    cgroup where one can be made, else resident sizes."""
    from harness.sandbox.cgroup import CgroupUnavailable, open_run_cgroup

    try:
        group = open_run_cgroup(64 << 20, ())
    except CgroupUnavailable:
        return RUN_PEAK_MIB["resident"]
    kind = "cgroup" if "memory" in group.limited else "resident"
    group.remove()
    return RUN_PEAK_MIB[kind]


def refuse_if_too_small(frameworks: set[str], limit_mib: int, jobs: int) -> None:
    """Raise, naming the figures, when a run of one of ``frameworks`` cannot fit in
    ``limit_mib`` (what each of ``jobs`` runs gets here)."""
    peak = run_peaks()
    short = sorted(f for f in frameworks if peak.get(f, 0) > limit_mib)
    if not short:
        return
    usable = usable_mib()
    peaks = "; ".join(f"a {f} run of this assignment peaks at about {peak[f]:,} MiB" for f in short)
    where = "this container allows" if usable != (host.memory_bytes() or 0) >> 20 else "it has"
    share = f", {limit_mib:,} MiB for each of {jobs} runs at once" if jobs > 1 else ""
    raise HarnessError(
        f"not enough memory to grade: {where} {usable:,} MiB{share} "
        f"({harness_reserve_mib(jobs)} MiB kept for the harness); {peaks}; raise the autograder's "
        "memory" + (" or lower --jobs" if jobs > 1 else "") + " (docs/limits.md)"
    )
