"""What this machine, or the container grading runs in, can hold: runs at once and each
run's memory limit, from what the process may really use (:func:`harness.host.usable_cpus`,
:func:`harness.host.usable_memory_bytes`: cgroup memory limits, CPU quota and cpuset), not
the host's totals; and the refusal, before any training, when it cannot hold one run.
"""

from __future__ import annotations

from harness import host
from harness.config import Assignment
from harness.data import get_spec
from harness.errors import HarnessError
from harness.sandbox.cgroup import CgroupUnavailable, open_run_cgroup

# What one graded run holds before its data, per framework, as the limit counts it: in a
# run cgroup, what reclaim cannot take back (`train --json` working_peak_mib); without one,
# the tree's resident size, shared library pages counted once per process
# (resident_peak_mib). Measured with the reference on Fashion-MNIST at 20 batches, rounded
# up: docs/limits.md.
RUN_BASE_MIB = {
    "cgroup": {"torch": 300, "tensorflow": 320, "jax": 300},
    "resident": {"torch": 450, "tensorflow": 650, "jax": 460},
}
# The streamed training examples (uint8) are held whole, and grow the run by about this
# many times their size (from the 20-batch run to the full budget: docs/limits.md).
DATA_GROWTH = {"torch": 1.5, "tensorflow": 3.2, "jax": 2.1}


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


def run_need_mib(framework: str, dataset: str, batches: int, batch_size: int) -> int:
    """What a reference run of ``batches`` x ``batch_size`` needs here: its framework's base
    and the examples it is streamed, as this machine's runs are held (a run cgroup where
    one can be made, else resident sizes)."""
    height, width, channels = get_spec(dataset).image_shape
    data = batches * batch_size * height * width * channels * DATA_GROWTH.get(framework, 1)
    return RUN_BASE_MIB[_measure()].get(framework, 0) + round(data / 2**20)


def _measure() -> str:
    try:
        group = open_run_cgroup(64 << 20, ())
    except CgroupUnavailable:
        return "resident"
    kind = "cgroup" if "memory" in group.limited else "resident"
    group.remove()
    return kind


def refuse_if_too_small(needs: dict[tuple[str, str], int], limit_mib: int, jobs: int) -> None:
    """Raise, naming the figures, when a run needs more than ``limit_mib`` (what each of
    ``jobs`` runs gets here); ``needs`` maps (framework, dataset) to :func:`run_need_mib`."""
    short = sorted(key for key, need in needs.items() if need > limit_mib)
    if not short:
        return
    usable = usable_mib()
    peaks = "; ".join(
        f"a {fw} run of this assignment on {ds} peaks at about {needs[fw, ds]:,} MiB"
        for fw, ds in short
    )
    share = f", {limit_mib:,} MiB for each of {jobs} runs at once" if jobs > 1 else ""
    raise HarnessError(
        f"not enough memory to grade: {_allowed(usable, limit_mib)}{share} "
        f"({harness_reserve_mib(jobs)} MiB kept for the harness); {peaks}; raise the "
        "autograder's memory" + (" or lower --jobs" if jobs > 1 else "") + " (docs/limits.md)"
    )


def _allowed(usable: int | None, limit_mib: int) -> str:
    """What this process may use, as the refusal says it (unknown: no page count, no limit)."""
    if usable is None:
        return f"the memory it may use is unknown, so a run gets the assignment's {limit_mib:,} MiB"
    where = "this container allows" if usable != (host.memory_bytes() or 0) >> 20 else "it has"
    return f"{where} {usable:,} MiB"
