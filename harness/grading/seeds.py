"""Seeds: the reference's seed-to-seed spread, each student's interval against it, and more
seeds for a student whose rubric decision lies within that noise.

A run's seed k (initialisation and batch order: the assignment's seed + k) is a run of its
own, ``<id>~seed<k>``; seed 0 is the graded run of today. Every reference is trained with
``[seeds] reference_seeds`` seeds; a student's seed-0 figures are compared with the
reference's seed 0 as before, and the spread of the reference's seeds (pooled with the
student's own, once it has several) gives the 95% interval of the accuracy difference and
of the throughput ratio. Where an interval straddles a rubric boundary, the next seed of
that student run is trained (and compared with the reference's same seeds) until the
decision is clear or ``max_student_seeds`` ran; the points then use the means.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import replace

from harness.config import Assignment, Rubric
from harness.grading.intervals import Interval, clear_of, pooled_interval
from harness.grading.plan import GradingPlan, RunSpec
from harness.names import SEED_MARK, seed_id
from harness.results.record import RunRecord


def seed0_id(run: RunRecord | RunSpec) -> str:
    """The id of the graded run a record or a planned run is a seed of (its own for seed 0)."""
    suffix = f"{SEED_MARK}{run.seed}"
    if run.seed and run.submission.endswith(suffix):
        return run.submission[: -len(suffix)]
    return run.submission


def fold_seeds(records: list[RunRecord]) -> list[RunRecord]:
    """Seed-0 records with their other seeds in ``seed_runs``; the other seeds removed."""
    others: dict[tuple, list[RunRecord]] = {}
    for record in records:
        if record.seed:
            key = (seed0_id(record), record.dataset, record.framework)
            others.setdefault(key, []).append(record)
    kept = [r for r in records if not r.seed]
    for record in kept:
        extra = others.get((record.submission, record.dataset, record.framework), [])
        if extra:
            record.seed_runs = [_seed_figures(r) for r in sorted([record, *extra], key=_seed)]
    return kept


def _seed(record: RunRecord) -> int:
    return record.seed


def _seed_figures(record: RunRecord) -> dict:
    return {
        "seed": record.seed,
        "status": record.status,
        "test_accuracy": record.test_accuracy,
        "examples_per_sec": record.examples_per_sec,
        "rate": record.graded_rate(),  # in the run's throughput basis (per CPU-second on a CPU)
    }


def passed_by_seed(record: RunRecord, figure: str) -> dict[int, float]:
    """{seed: figure} of every passed seed of ``record`` (seed 0 alone when it has no others)."""
    runs = record.seed_runs or [_seed_figures(record)]
    return {
        run["seed"]: run[figure]
        for run in runs
        if run["status"] == "passed" and run.get(figure) is not None and run[figure] > 0
    }


def accuracy_interval(student: RunRecord, reference: RunRecord) -> Interval | None:
    """Mean accuracy difference over the student's seeds (the reference's same seeds)."""
    mine, theirs = (
        passed_by_seed(student, "test_accuracy"),
        passed_by_seed(reference, "test_accuracy"),
    )
    used = sorted(set(mine) & set(theirs))
    if not used:
        return None
    spread = [list(theirs.values())] + ([[mine[s] for s in used]] if len(used) > 1 else [])
    diff = statistics.fmean(mine[s] - theirs[s] for s in used)
    # Two means over the same seeds, one per network: each side varies on its own.
    return pooled_interval(diff, spread, math.sqrt(2 / len(used)), len(used) + len(theirs))


def throughput_interval(student: RunRecord, reference: RunRecord) -> Interval | None:
    """Ratio of the student's mean examples/sec to the reference's bar, with the spread of
    the reference's samples (its seeds and its probes) on the logarithm."""
    mine = list(passed_by_seed(student, "rate").values())
    bar = reference.throughput_bar
    if not mine or not bar:
        return None
    samples = list(reference.throughput_samples or []) + [
        v for s, v in passed_by_seed(reference, "rate").items() if s
    ]
    logs = [math.log(v) for v in samples if v > 0]
    spread = [logs] + ([[math.log(v) for v in mine]] if len(mine) > 1 else [])
    log_ratio = math.log(statistics.fmean(mine) / bar)
    scale = math.sqrt(1 / len(mine) + 1 / max(len(logs), 1))
    logs_interval = pooled_interval(log_ratio, spread, scale, len(mine) + len(logs))
    return Interval(
        math.exp(logs_interval.mean),
        math.exp(logs_interval.low),
        math.exp(logs_interval.high),
        logs_interval.seeds,
    )


def compare(student: RunRecord, reference: RunRecord, rubric: Rubric) -> dict:
    """The intervals a passed student run is graded within, and whether it is clear."""
    accuracy = accuracy_interval(student, reference)
    throughput = throughput_interval(student, reference)
    if accuracy is None:
        return {}
    acc_bounds = (-rubric.accuracy_floor, -rubric.accuracy_tolerance)
    thr_bounds = (rubric.throughput_zero_ratio, rubric.throughput_full_ratio)
    acc_clear = clear_of(accuracy, acc_bounds)
    thr_clear = throughput is None or clear_of(throughput, thr_bounds)
    used = sorted(set(passed_by_seed(student, "test_accuracy")))
    return {
        "seeds": used,
        "reference_seeds": sorted(passed_by_seed(reference, "test_accuracy")),
        "measured": accuracy.known,
        "accuracy_difference": accuracy.to_dict(),
        "accuracy_boundaries": list(acc_bounds),
        "accuracy_clear": acc_clear,
        "throughput_ratio": throughput.to_dict() if throughput else None,
        "throughput_boundaries": list(thr_bounds),
        "throughput_clear": thr_clear,
        "clear": acc_clear and thr_clear,
    }


def graded_figures(student: RunRecord, reference: RunRecord) -> tuple[float, float, float]:
    """(student accuracy, reference accuracy, student rate) the points use: seed 0's,
    or the means over the student's seeds (the reference's same seeds) when it has more."""
    mine = passed_by_seed(student, "test_accuracy")
    theirs = passed_by_seed(reference, "test_accuracy")
    used = sorted(set(mine) & set(theirs)) or [0]
    if used == [0] or not mine:
        rate = student.graded_rate(reference.throughput_basis) or 0.0
        if student.test_accuracy is None or reference.test_accuracy is None:
            raise ValueError(f"{student.submission}: a passed run without a test accuracy")
        return student.test_accuracy, reference.test_accuracy, rate
    speeds = list(passed_by_seed(student, "rate").values())
    return (
        statistics.fmean(mine[s] for s in used),
        statistics.fmean(theirs[s] for s in used),
        statistics.fmean(speeds) if speeds else 0.0,
    )


def more_seeds(
    plan: GradingPlan, records: list[RunRecord], assignment: Assignment
) -> list[RunSpec]:
    """The next seed of every student run whose decision is not clear: the first seed the
    reference passed after every seed planned for it (one that failed included), within the
    budget (``max_student_seeds`` planned, and no more than the reference has)."""
    graded = {(s.submission, s.dataset, s.framework): s for s in plan.runs if not s.seed}
    planned = _planned_seeds(plan)
    wanted = []
    for record in records:
        interval = record.interval
        if record.is_reference or record.variant or not interval or interval["clear"]:
            continue
        if not interval["measured"]:
            continue
        run = (record.submission, record.dataset, record.framework)
        spec, tried = graded.get(run), planned.get(run, {0})
        later = [s for s in interval["reference_seeds"] if s > max(tried)]
        if spec is None or not later or len(tried) >= assignment.seeds.max_student_seeds:
            continue
        wanted.append(replace(spec, submission=seed_id(spec.submission, later[0]), seed=later[0]))
    return wanted


def _planned_seeds(plan: GradingPlan) -> dict[tuple[str, str, str], set[int]]:
    """The seeds planned for each student run, seed 0 included, by (id, dataset, framework)."""
    planned: dict[tuple[str, str, str], set[int]] = {}
    for spec in plan.runs:
        if not spec.is_reference and not spec.variant:
            run = (seed0_id(spec), spec.dataset, spec.framework)
            planned.setdefault(run, set()).add(spec.seed)
    return planned
