"""Points for stored records: each student run against its reference in the same session."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import statistics
from dataclasses import replace

from tabulate import tabulate

from harness.config import Rubric
from harness.grading.memorisation import memorisation_evidence
from harness.grading.rubric import failed_grade, grade_run, review_evidence
from harness.grading.seeds import compare, fold_seeds, graded_figures
from harness.results.record import RunRecord
from harness.sinks import terminal


def score_records(records: list[RunRecord], rubric: Rubric) -> list[RunRecord]:
    """Fill score, max_score, breakdown and reference figures; references come first.

    Throughput probes are folded into their reference's bar and left out of the result, a
    run's other seeds into its ``seed_runs`` (:mod:`harness.grading.seeds`); the networks
    ``explain`` trained are left out (their figures go to ``explanations.json``).
    """
    probes = [r for r in records if r.throughput_probe]
    records = fold_seeds([r for r in records if not r.throughput_probe and not r.variant])
    references = {(r.dataset, r.framework): r for r in records if r.is_reference}
    scored_under = rubric_hash(rubric)
    for record in records:
        record.rubric_hash = scored_under
    for key, reference_run in references.items():
        throughput_bar(reference_run, [p for p in probes if (p.dataset, p.framework) == key])
    for record in records:
        if record.is_reference:
            continue
        reference = references.get((record.dataset, record.framework))
        _score_one(record, reference, rubric)
    return sorted(records, key=lambda r: (not r.is_reference, r.submission, r.dataset, r.framework))


def rubric_hash(rubric: Rubric) -> str:
    """Short hash of the rubric's values: the regrade diff names a rubric edit by it."""
    values = json.dumps(dataclasses.asdict(rubric), sort_keys=True)
    return hashlib.sha256(values.encode()).hexdigest()[:16]


def throughput_bar(reference: RunRecord, probes: list[RunRecord]) -> None:
    """The reference's throughput bar: the median of its own sample and its probes', in
    the rate of its ``throughput_basis`` (examples per CPU-second on a CPU).

    A probe's rate is converted to the run's units, times run / calibration (the probe that
    ran right after the run); without a passed run and calibration, the run stands alone.
    """
    basis = reference.throughput_basis
    rates = [(p, p.graded_rate(basis)) for p in probes if p.status == "passed"]
    measured = [(p, rate) for p, rate in rates if rate]
    calibration = next(((p, rate) for p, rate in measured if p.throughput_calibration), None)
    run = reference.graded_rate() if reference.status == "passed" else None
    samples = [run] if run else []
    if run and calibration:
        scale = run / calibration[1]
        samples += [rate * scale for p, rate in measured if p is not calibration[0]]
    reference.throughput_samples = [round(s, 1) for s in samples]
    if not samples:
        reference.throughput_bar = reference.throughput_spread = None
        return
    reference.throughput_bar = statistics.median(samples)
    reference.throughput_spread = (max(samples) - min(samples)) / reference.throughput_bar


def _score_one(record: RunRecord, reference: RunRecord | None, rubric: Rubric) -> None:
    usable = reference if reference is not None and reference.status == "passed" else None
    if usable is not None:
        record.reference_test_accuracy = usable.test_accuracy
        record.reference_examples_per_sec = usable.throughput_bar
    if record.status == "passed" and usable is None:
        # Not the student's fault: without a bar there is no grade.
        record.status = "error"
        record.reason = (
            f"reference run for {record.dataset}/{record.framework} "
            f"{'is missing' if reference is None else 'failed: ' + reference.reason}"
        )
    if record.status == "passed" and usable is not None:  # a passed run has a usable bar here
        record.interval = compare(record, usable, rubric)
        accuracy, reference_accuracy, speed = graded_figures(record, usable)
        record.reference_test_accuracy = reference_accuracy
        grade = grade_run(
            accuracy,
            speed,
            reference_accuracy,
            usable.throughput_bar or 0.0,
            rubric,
            unit="/CPU-s" if usable.throughput_basis == "cpu" else "/s",
        )
        if record.seed_runs:
            grade = replace(
                grade, why=f"{grade.why} (means of {len(record.interval['seeds'])} seeds)"
            )
        if record.test_accuracy is None or usable.test_accuracy is None:
            raise ValueError(f"{record.submission}: a passed run or its reference without accuracy")
        flags = (
            review_evidence(
                record.test_accuracy,
                usable.test_accuracy,
                rubric,
                record.submission_bytes,
                record.train_seconds,
            ),
            memorisation_evidence(record, usable, rubric),
        )
        record.review = "; ".join(flag for flag in flags if flag)
    else:
        grade = failed_grade(record.reason, rubric)
    record.score, record.max_score = grade.score, grade.max_score
    record.score_breakdown = grade.breakdown()


def _fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def summary_table(records: list[RunRecord]) -> str:
    """One line per run, for the terminal."""
    rows = [
        [
            r.submission,
            r.dataset,
            r.framework,
            r.status,
            _fmt(r.test_accuracy, ".4f"),
            _fmt(r.examples_per_sec, ".0f"),
            _fmt(r.examples_per_cpu_sec, ".0f"),
            f"{r.score:g}/{r.max_score:g}",
            (r.reason[:60] + "...") if len(r.reason) > 60 else r.reason,
        ]
        for r in records
    ]
    headers = [
        "submission",
        "dataset",
        "framework",
        "status",
        "accuracy",
        "examples/s",
        "ex/CPU-s",
        "points",
        "reason",
    ]
    # Each cell on one line, its control characters shown: a reason cannot forge a row.
    return tabulate([[terminal(cell) for cell in row] for row in rows], headers=headers)
