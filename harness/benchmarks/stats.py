"""Round statistics, the accuracy bar and time to reach it: pure functions over child results.

A *run* is the dict one child printed (see :mod:`harness.benchmarks.child`); a failed run
holds ``"error"`` instead of timings and is left out of every statistic.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

ADAPTER_TARGET = 0.95  # adapter examples/sec at least this share of the hand-written loop's


def ok_runs(runs: list[dict]) -> list[dict]:
    return [r for r in runs if "error" not in r]


def summary(values: Sequence[float | None]) -> dict:
    """Median, min, max and relative spread ((max - min) / median) of some rounds; a
    round without the figure (None) is left out."""
    measured = [float(v) for v in values if v is not None]
    if not measured:
        return {"median": None, "min": None, "max": None, "spread": None, "rounds": 0}
    median = statistics.median(measured)
    spread = (max(measured) - min(measured)) / median if median else None
    return {
        "median": median,
        "min": min(measured),
        "max": max(measured),
        "spread": spread,
        "rounds": len(measured),
    }


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def paired_ratios(adapter_runs: list[dict], hand_runs: list[dict]) -> list[float]:
    """adapter / hand examples/sec per round; rounds ran back to back, so noise mostly cancels."""
    pairs = zip(adapter_runs, hand_runs, strict=False)
    return [
        a["examples_per_sec"] / h["examples_per_sec"]
        for a, h in pairs
        if "error" not in a and "error" not in h and h["examples_per_sec"]
    ]


def accuracy_bar(runs: list[dict], fixed: float | None = None) -> float | None:
    """The validation accuracy every framework is timed to reach.

    ``fixed`` (``--accuracy-bar``) when given; otherwise the lowest final validation
    accuracy of all runs of this model on this dataset, in every framework: the accuracy
    that all of them reached, so each run has a time to it.
    """
    if fixed is not None:
        return fixed
    finals = [r["curve"][-1][2] for r in ok_runs(runs) if r.get("curve")]
    return min(finals) if finals else None


def batches_to_bar(curve: list[list[float]], bar: float) -> int | None:
    """Batches trained at the first curve point whose validation accuracy >= ``bar``."""
    for batch, _loss, accuracy in curve:
        if accuracy is not None and accuracy >= bar - 1e-12:
            return int(batch)
    return None


def seconds_to_bar(run: dict, bar: float | None) -> float | None:
    """Training seconds (evaluations excluded) until the bar's curve point.

    warm-up seconds + (batches to the bar - warm-up batches) * batch size / steady
    examples/sec: the run's own measured rates, so it is comparable across frameworks.
    """
    if bar is None or "error" in run or not run.get("examples_per_sec"):
        return None
    batches = batches_to_bar(run.get("curve", []), bar)
    if batches is None:
        return None
    steady = max(batches - run["warmup_batches"], 0) * run["batch_size"]
    return run["warmup_seconds"] + steady / run["examples_per_sec"]
