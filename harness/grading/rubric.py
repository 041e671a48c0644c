"""Points from results: pure functions of a run's figures, the reference's and the rubric.

Nothing here trains, reads files or imports a framework, so every rule is tested on plain
numbers. The rubric lives in ``assignment.toml`` (see :class:`harness.config.Rubric`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from harness.config import Rubric


@dataclass(frozen=True)
class Grade:
    score: float
    max_score: float
    accuracy_points: float
    throughput_points: float
    why: str

    def breakdown(self) -> dict:
        return {
            "accuracy": self.accuracy_points,
            "throughput": self.throughput_points,
            "why": self.why,
        }


def _ramp(value: float, zero_at: float, full_at: float) -> float:
    """0 at or below ``zero_at``, 1 at or above ``full_at``, linear in between."""
    if not math.isfinite(value) or value <= zero_at:
        return 0.0
    if value >= full_at or full_at <= zero_at:
        return 1.0
    return (value - zero_at) / (full_at - zero_at)


def accuracy_credit(accuracy: float, reference_accuracy: float, rubric: Rubric) -> float:
    """Share of the accuracy points: full at reference - tolerance, none at reference - floor."""
    return _ramp(
        accuracy,
        reference_accuracy - rubric.accuracy_floor,
        reference_accuracy - rubric.accuracy_tolerance,
    )


def throughput_credit(
    examples_per_sec: float, reference_examples_per_sec: float, rubric: Rubric
) -> float:
    """Share of the throughput points, from the ratio to the reference in the same framework."""
    if reference_examples_per_sec <= 0:
        return 0.0
    ratio = examples_per_sec / reference_examples_per_sec
    return _ramp(ratio, rubric.throughput_zero_ratio, rubric.throughput_full_ratio)


def grade_run(
    test_accuracy: float,
    examples_per_sec: float,
    reference_accuracy: float,
    reference_examples_per_sec: float,
    rubric: Rubric,
    unit: str = "/s",
) -> Grade:
    """Points for one passed run on one dataset, with the reasons in words; the two rates
    are in one measure, ``unit`` names it ("/s", or "/CPU-s": examples per CPU-second)."""
    total = rubric.points_per_dataset
    acc_max = total * rubric.accuracy_share
    thr_max = total - acc_max
    acc_pts = round(acc_max * accuracy_credit(test_accuracy, reference_accuracy, rubric), 3)
    thr_pts = round(
        thr_max * throughput_credit(examples_per_sec, reference_examples_per_sec, rubric), 3
    )
    ratio = examples_per_sec / reference_examples_per_sec if reference_examples_per_sec else 0.0
    why = (
        f"accuracy {test_accuracy:.4f} vs reference {reference_accuracy:.4f} "
        f"(full credit from {reference_accuracy - rubric.accuracy_tolerance:.4f}, none at "
        f"{reference_accuracy - rubric.accuracy_floor:.4f}): {acc_pts:g}/{acc_max:g}; "
        f"throughput {examples_per_sec:.0f}{unit} = {ratio:.2f}x the reference "
        f"(full credit from {rubric.throughput_full_ratio:g}x): {thr_pts:g}/{thr_max:g}"
    )
    return Grade(round(acc_pts + thr_pts, 3), total, acc_pts, thr_pts, why)


def review_evidence(
    test_accuracy: float,
    reference_accuracy: float,
    rubric: Rubric,
    submission_bytes: int | None,
    train_seconds: float | None,
) -> str:
    """Why a person should look at a passed run ("" when nothing is suspicious): an
    accuracy above the reference's by more than the margin, or at the ceiling. Points
    are not changed; the evidence (accuracy gap, folder size, time) is shown."""
    gap = test_accuracy - reference_accuracy
    flags = []
    if gap > rubric.review_margin:
        flags.append(
            f"accuracy {test_accuracy:.4f} is {gap:+.4f} above the reference's "
            f"{reference_accuracy:.4f} (review margin {rubric.review_margin:g})"
        )
    if test_accuracy >= rubric.review_ceiling:
        flags.append(f"accuracy {test_accuracy:.4f} is at the ceiling ({rubric.review_ceiling:g})")
    if not flags:
        return ""
    size = "unknown" if submission_bytes is None else f"{submission_bytes / 1024:.1f} KiB"
    took = "unknown" if train_seconds is None else f"{train_seconds:.1f} s"
    return f"{'; '.join(flags)}; submission folder {size}; training time {took}"


def failed_grade(reason: str, rubric: Rubric) -> Grade:
    """No points for a run that did not produce scoreable predictions."""
    return Grade(0.0, rubric.points_per_dataset, 0.0, 0.0, f"run failed: {reason}")
