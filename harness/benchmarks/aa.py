"""A/A: the reference graded against itself, to count how often the grading's intervals
cover no difference when there is none.

One grading trains the reference network with ``seeds`` seeds (``[seeds]
reference_seeds`` in a copy of the assignment) on ``submissions/original``, which is the
reference written as a Model Builder file. Each seed in turn plays the student and
``group`` other seeds the reference; the grading's own interval maths
(:func:`harness.grading.seeds.accuracy_interval` and :func:`throughput_interval`, in the
grading's throughput basis) decides. Counted over the disjoint choices (the next
``group`` seeds, cyclically) and over every ordered choice of ``group`` other seeds (not
independent of each other).
"""

from __future__ import annotations

import itertools
import json
import re
import tempfile
from pathlib import Path

from tabulate import tabulate

from harness.benchmarks.cluster import timed_grading
from harness.grading.seeds import accuracy_interval, throughput_interval
from harness.names import PACKAGE_ROOT
from harness.results.record import RunRecord

ORIGINAL = PACKAGE_ROOT.parent / "submissions" / "original"


def _record(runs: list[dict], reference: bool) -> RunRecord:
    """A seed-0 record standing for ``runs`` (renumbered 0..n-1), as the grading folds them."""
    renumbered = [{**run, "seed": k} for k, run in enumerate(runs)]
    record = RunRecord("aa", "aa", "aa", "passed", seed_runs=renumbered)
    if reference:
        record.reference = "aa"
        record.throughput_bar = renumbered[0]["rate"]
        record.throughput_samples = [renumbered[0]["rate"]]
    return record


def covers(student: dict, references: list[dict]) -> tuple[bool, bool]:
    """(accuracy interval covers 0, throughput interval covers 1) for one choice."""
    mine, theirs = _record([student], False), _record(references, True)
    accuracy, throughput = accuracy_interval(mine, theirs), throughput_interval(mine, theirs)
    assert accuracy is not None and throughput is not None, (student, references)
    return accuracy.low <= 0 <= accuracy.high, throughput.low <= 1 <= throughput.high


def coverage(seed_runs: list[dict], group: int = 3) -> dict:
    """Counts of covering intervals over the disjoint and over every ordered choice."""
    runs = [r for r in seed_runs if r["status"] == "passed" and r.get("rate")]
    n = len(runs)
    if n <= group:
        raise ValueError(f"A/A needs more than {group} passed seeds, received {n}")
    disjoint = [covers(runs[i], [runs[(i + k) % n] for k in range(1, group + 1)]) for i in range(n)]
    every = [
        covers(runs[i], [runs[j] for j in chosen])
        for i in range(n)
        for chosen in itertools.permutations([j for j in range(n) if j != i], group)
    ]
    return {
        "seeds": n,
        "accuracies": [r["test_accuracy"] for r in runs],
        "rates": [r["rate"] for r in runs],
        "disjoint": (sum(a for a, _ in disjoint), sum(t for _, t in disjoint), len(disjoint)),
        "every": (sum(a for a, _ in every), sum(t for _, t in every), len(every)),
    }


def aa_benchmark(
    framework: str, dataset: str, seeds: int, batches: int, data_dir: str | None
) -> tuple[dict, str]:
    """Grade the reference with ``seeds`` seeds and count; returns the counts and a table."""
    settings = {"framework": framework, "dataset": dataset, "batches": batches,
                "data_dir": data_dir}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        assignment = Path(tmp) / "assignment.toml"
        shipped = (PACKAGE_ROOT / "assignment.toml").read_text()
        assignment.write_text(
            re.sub(r"(?m)^\[seeds\]$", f"[seeds]\nreference_seeds = {seeds}", shipped, count=1)
        )
        out = Path(tmp) / "out"
        wall = timed_grading([ORIGINAL], out, ["--assignment", str(assignment)], settings)
        records = json.loads((out / "results.json").read_text())
    reference = next(r for r in records if r.get("reference"))
    counts = {**coverage(reference["seed_runs"]), "wall_s": wall,
              "basis": reference.get("throughput_basis")}  # fmt: skip
    return counts, aa_table(counts, framework, dataset, batches)


def aa_table(counts: dict, framework: str, dataset: str, batches: int) -> str:
    rows = []
    for label, key in (("disjoint choices", "disjoint"), ("every ordered choice", "every")):
        accuracy, throughput, total = counts[key]
        rows.append([label, total, f"{accuracy} ({accuracy / total:.1%})",
                     f"{throughput} ({throughput / total:.1%})"])  # fmt: skip
    headers = [f"{framework} {dataset}, {counts['seeds']} seeds x {batches} batches",
               "intervals", "accuracy covers 0",
               f"throughput ({counts['basis']}) covers 1"]  # fmt: skip
    return tabulate(rows, headers=headers, disable_numparse=True)
