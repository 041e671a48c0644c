"""The two measured suites: adapter vs hand-written loop, and framework vs framework.

Every round is its own child process. Rounds alternate which runner (or framework) goes
first, so that a burst of load on the shared machine hits each side about equally, and the
adapter / hand-written ratio is also taken per round (paired) as well as of the medians.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass

from harness.benchmarks import stats
from harness.benchmarks.spawn import run_child
from harness.names import CURVE_POINTS, WARMUP_BATCHES


@dataclass(frozen=True)
class SuitePlan:
    """Sizes and data of one benchmark invocation (see ``python -m harness benchmark -h``)."""

    batch_size: int = 64
    num_batches: int = 500  # per round; --max-batches overrides
    rounds: int = 3
    warmup_batches: int = WARMUP_BATCHES  # excluded from examples/sec in adapters and hand loops
    curve_points: int = CURVE_POINTS  # framework suite: validation accuracy points per run
    seed: int = 0
    data_dir: str | None = None
    allow_unverified: bool = False
    timeout_seconds: float = 1800.0  # one child; a stuck run fails alone

    def child_options(self, **extra) -> dict:
        return {
            "batch_size": self.batch_size,
            "num_batches": self.num_batches,
            "warmup_batches": self.warmup_batches,
            "seed": self.seed,
            "data_dir": self.data_dir,
            "allow_unverified": self.allow_unverified,
            **extra,
        }


Progress = Callable[[dict], None]


def _quiet(_run: dict) -> None:
    pass


def adapter_rounds(
    framework: str, dataset: str, plan: SuitePlan, progress: Progress = _quiet
) -> dict[str, list[dict]]:
    """``{"adapter": runs, "handwritten": runs}``, rounds interleaved, ``original`` network."""
    runs: dict[str, list[dict]] = {"adapter": [], "handwritten": []}
    for round_index in range(plan.rounds):
        order = ("adapter", "handwritten") if round_index % 2 == 0 else ("handwritten", "adapter")
        for runner in order:
            run = run_child(
                plan.child_options(
                    framework=framework, runner=runner, dataset=dataset, model="original"
                ),
                plan.timeout_seconds,
            )
            runs[runner].append(run)
            progress(run)
    return runs


def compare_adapter(framework: str, runs: dict[str, list[dict]]) -> dict:
    """One row of the adapter table: medians, spreads, the ratio and the paired ratios."""
    adapter = stats.summary([r["examples_per_sec"] for r in stats.ok_runs(runs["adapter"])])
    hand = stats.summary([r["examples_per_sec"] for r in stats.ok_runs(runs["handwritten"])])
    ratio = stats.ratio(adapter["median"], hand["median"])
    paired = stats.paired_ratios(runs["adapter"], runs["handwritten"])
    # The verdict uses the median per-round ratio: each round ran adapter and hand loop back
    # to back, so load that drifts between rounds cancels out of it.
    verdict = statistics.median(paired) if paired else ratio
    return {
        "framework": framework,
        "adapter": adapter,
        "handwritten": hand,
        "ratio": ratio,
        "paired_ratios": paired,
        "paired_median": verdict,
        "meets_target": verdict is not None and verdict >= stats.ADAPTER_TARGET,
        "errors": [r["error"] for rs in runs.values() for r in rs if "error" in r],
    }


def framework_rounds(
    frameworks: list[str], dataset: str, model: dict, plan: SuitePlan, progress: Progress = _quiet
) -> dict[str, list[dict]]:
    """Runs per framework of one model on one dataset; the starting framework rotates."""
    runs: dict[str, list[dict]] = {fw: [] for fw in frameworks}
    eval_every = max(1, model.get("num_batches", plan.num_batches) // plan.curve_points)
    for round_index in range(plan.rounds):
        shift = round_index % len(frameworks)
        for framework in frameworks[shift:] + frameworks[:shift]:
            run = run_child(
                plan.child_options(
                    framework=framework,
                    runner="adapter",
                    dataset=dataset,
                    eval_every=eval_every,
                    test_accuracy=True,
                    **model,
                ),
                plan.timeout_seconds,
            )
            runs[framework].append(run)
            progress(run)
    return runs


def _framework_row(framework: str, runs: list[dict], bar: float | None) -> dict:
    good = stats.ok_runs(runs)
    return {
        "framework": framework,
        "examples_per_sec": stats.summary([r["examples_per_sec"] for r in good]),
        "warmup_seconds": stats.summary([r["warmup_seconds"] for r in good]),
        "seconds_to_bar": stats.summary([stats.seconds_to_bar(r, bar) for r in good]),
        "reached_bar": sum(stats.seconds_to_bar(r, bar) is not None for r in good),
        "test_accuracy": stats.summary([r.get("test_accuracy") for r in good]),
        "param_count": good[0]["param_count"] if good else None,
        "device": good[0]["device"] if good else None,
        "errors": [r["error"] for r in runs if "error" in r],
    }


def compare_frameworks(
    dataset: str, label: str, runs: dict[str, list[dict]], fixed_bar: float | None = None
) -> dict:
    """One table: a row per framework, with the ratio to the fastest framework's median."""
    bar = stats.accuracy_bar([r for rs in runs.values() for r in rs], fixed_bar)
    rows = [_framework_row(fw, rs, bar) for fw, rs in runs.items()]
    fastest = max((r["examples_per_sec"]["median"] or 0.0 for r in rows), default=0.0)
    for row in rows:
        row["ratio_to_fastest"] = stats.ratio(row["examples_per_sec"]["median"], fastest)
    return {
        "dataset": dataset,
        "model": label,
        "accuracy_bar": bar,
        "accuracy_bar_rule": "fixed (--accuracy-bar)"
        if fixed_bar is not None
        else "lowest final validation accuracy of all runs",
        "rows": rows,
    }
