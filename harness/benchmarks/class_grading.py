"""``benchmark --suite class``: the example class graded with ``--jobs 1`` and all cores.

Each grading is a real ``python -m harness grade`` of ``submissions/`` on one dataset, into
a fresh folder (no run reused), timed from start to end. From its ``results.json``:

* efficiency: the runs' training seconds (what the grading is for) over the wall time
  times the runs at once, ``sum(train_seconds) / (wall * jobs)``; the rest is per-run
  fixed cost, the grading's own start and reports, and idle cores;
* the references' bars (accuracy, and examples/sec with its samples and spread) and how
  far they move between the gradings;
* the identical network: the example ``original`` is the reference network handed in as
  a student, so its graded rate (examples per CPU-second on a CPU) over the reference's
  bar should be 1.00x;
* identical networks graded together: each example ``X`` and its JavaScript twins
  ``X_js`` and ``X_tfjs`` are one network, so their points should agree; the spread is the
  largest difference in points within such a group;
* the peak memory of the whole grading's process tree (:mod:`harness.benchmarks.memory`).

Each grading's own output goes to ``OUT/jobsN.log``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from tabulate import tabulate

from harness.benchmarks.memory import TreeMemory
from harness.benchmarks.spawn import REPO_ROOT, child_env
from harness.benchmarks.tables import rate, seconds, share

IDENTICAL = "original"  # the reference network handed in as a student


def job_counts() -> list[int]:
    """1, and every core when there is more than one."""
    cores = os.cpu_count() or 1
    return [1, cores] if cores > 1 else [1]


def grade_class(
    jobs: int,
    dataset: str,
    out: Path,
    max_batches: int | None = None,
    data_dir: str | None = None,
    submissions: list[str] | None = None,
) -> dict:
    """Grade the class once into a fresh ``out``; the figures of :func:`summarise`."""
    shutil.rmtree(out, ignore_errors=True)
    paths = [str(Path(p).resolve()) for p in submissions or [str(REPO_ROOT / "submissions")]]
    argv = [
        sys.executable,
        "-m",
        "harness",
        "grade",
        *paths,
        "--datasets",
        dataset,
        "--jobs",
        str(jobs),
        "--out",
        str(out),
    ]
    argv += ["--max-batches", str(max_batches)] if max_batches else []
    argv += ["--data-dir", data_dir] if data_dir else []
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with open(out.parent / f"jobs{jobs}.log", "w") as log:
        grading = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT, env=child_env()
        )
        memory = TreeMemory(grading.pid).start()
        returncode = grading.wait()
    wall, peak = time.monotonic() - started, memory.stop()
    results = out / "results.json"
    if not results.is_file():
        raise RuntimeError(
            f"grading with --jobs {jobs} wrote no results (exit {returncode}); "
            f"its output is in {log.name}"
        )
    figures = summarise(json.loads(results.read_text()), jobs, wall)
    figures["peak_memory_bytes"] = peak
    return figures


def summarise(records: list[dict], jobs: int, wall: float) -> dict:
    """Efficiency, reference bars and the identical network's ratio, from results.json."""
    passed = [r for r in records if r["status"] == "passed"]
    train = sum(r.get("train_seconds") or 0.0 for r in passed)
    references = {r["framework"]: r for r in records if r.get("reference")}
    identical = {r["framework"]: r for r in passed if r["submission"] == IDENTICAL}
    return {
        "jobs": jobs,
        "wall_s": wall,
        "runs": len(records),
        "passed": len(passed),
        "train_s": train,
        "runs_wall_s": sum(r.get("wall_seconds") or 0.0 for r in records),
        "efficiency": train / (wall * jobs) if wall > 0 else None,
        "references": {
            fw: {
                "test_accuracy": r.get("test_accuracy"),
                "examples_per_sec": r.get("examples_per_sec"),
                "bar": r.get("throughput_bar"),
                "samples": r.get("throughput_samples") or [],
                "spread": r.get("throughput_spread"),
            }
            for fw, r in sorted(references.items())
        },
        "identical": {
            fw: _ratio(_graded_rate(r), r.get("reference_examples_per_sec"))
            for fw, r in sorted(identical.items())
        },
        "twin_spread": twin_spread(passed),
    }


def _graded_rate(record: dict) -> float | None:
    if record.get("throughput_basis") == "cpu" and record.get("examples_per_cpu_sec"):
        return record["examples_per_cpu_sec"]
    return record.get("examples_per_sec")


TWIN_SUFFIXES = ("_js", "_tfjs")  # the same network handed in as index.js


def twin_spread(passed: list[dict]) -> float | None:
    """The largest difference in points between identical networks graded together (an
    example and its JavaScript twins, per dataset and framework); None without twins."""
    groups: dict[tuple, list[float]] = {}
    for record in passed:
        if record.get("reference"):
            continue
        name = record["submission"]
        for suffix in TWIN_SUFFIXES:
            name = name.removesuffix(suffix)
        key = (name, record.get("dataset"), record["framework"])
        groups.setdefault(key, []).append(record.get("score") or 0.0)
    spreads = [max(points) - min(points) for points in groups.values() if len(points) > 1]
    return round(max(spreads), 3) if spreads else None


def _mib(value: int | None) -> str:
    return f"{value / 2**20:,.0f}" if value else "n/a"


def _ratio(value, reference) -> float | None:
    return value / reference if value and reference else None


def class_benchmark(
    dataset: str,
    out: Path,
    max_batches: int | None = None,
    data_dir: str | None = None,
    jobs_list: list[int] | None = None,
    submissions: list[str] | None = None,
) -> dict:
    """The class graded once per job count; ``{"gradings": [...], "text": tables}``."""
    gradings = []
    for jobs in jobs_list or job_counts():
        print(f"class: grading {dataset} with --jobs {jobs}", file=sys.stderr, flush=True)
        gradings.append(
            grade_class(jobs, dataset, out / f"jobs{jobs}", max_batches, data_dir, submissions)
        )
    budget = f"--max-batches {max_batches}" if max_batches else "full budget"
    return {
        "dataset": dataset,
        "budget": budget,
        "gradings": gradings,
        "text": class_tables(gradings),
    }


def class_tables(gradings: list[dict]) -> str:
    """Wall time and efficiency per job count; bars and the identical network per grading."""
    base = gradings[0]["wall_s"] if gradings else None
    timing = [
        [
            g["jobs"],
            f"{g['passed']}/{g['runs']}",
            seconds(g["wall_s"]),
            share(g["wall_s"] / base if base else None, 2),
            seconds(g["train_s"]),
            seconds(g["runs_wall_s"]),
            f"{g['efficiency']:.0%}" if g["efficiency"] else "n/a",
            _mib(g.get("peak_memory_bytes")),
            "n/a" if g.get("twin_spread") is None else f"{g['twin_spread']:g}",
        ]
        for g in gradings
    ]
    parts = [
        tabulate(
            timing,
            headers=(
                "jobs",
                "passed",
                "wall s",
                "of --jobs 1",
                "training s (sum)",
                "runs' wall s (sum)",
                "efficiency",
                "peak memory MiB",
                "identical networks' points spread",
            ),
            tablefmt="github",
            disable_numparse=True,
        )
    ]
    bars = []
    for g in gradings:
        for fw, ref in g["references"].items():
            first = gradings[0]["references"].get(fw, {}).get("bar")
            bars.append(
                [
                    g["jobs"],
                    fw,
                    share(ref["test_accuracy"], 4),
                    rate(ref["bar"]),
                    " ".join(rate(s) for s in ref["samples"]) or "n/a",
                    f"±{ref['spread'] * 50:.0f}%" if ref["spread"] is not None else "n/a",
                    share(_ratio(ref["bar"], first), 2),
                    share(g["identical"].get(fw), 2),
                ]
            )
    parts.append(
        tabulate(
            bars,
            headers=(
                "jobs",
                "reference",
                "accuracy",
                "bar (median; per CPU-s on a CPU)",
                "samples (run, probes)",
                "spread",
                "bar / --jobs 1 bar",
                f"{IDENTICAL} / bar",
            ),
            tablefmt="github",
            disable_numparse=True,
        )
    )
    return "\n\n".join(parts)
