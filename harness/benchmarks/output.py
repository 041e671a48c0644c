"""Write a benchmark's results: Markdown, JSON, a chart and pytest-benchmark's JSON format.

The pytest-benchmark file holds one entry per (suite, runner or framework, model) whose
``stats`` are computed by ``pytest_benchmark.stats.Stats`` over the rounds' *steady-state
seconds* (warm-up excluded), so ``pytest-benchmark compare OUT/pytest-benchmark.json``
reads it; examples/sec and the settings ride along in ``extra_info``.
"""

from __future__ import annotations

import json
import os
import platform
from datetime import datetime, timezone
from pathlib import Path

from harness import host
from harness.benchmarks import stats, tables
from harness.benchmarks.chart import write_chart, write_experiment_chart


def host_info() -> dict:
    return {
        "cpu": host.cpu_name(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }


def machine_info(all_runs: list[dict]) -> dict:
    """Host facts plus the first successful adapter run's device per framework."""
    frameworks: dict[str, dict] = {}
    for run in stats.ok_runs(all_runs):
        if run.get("runner") == "adapter":
            frameworks.setdefault(run["framework"], run["device"])
    return {"host": host_info(), "frameworks": frameworks}


def markdown(result: dict) -> str:
    parts = [
        "# Benchmark",
        "",
        f"Settings: {result['settings']}",
        "",
        "## Machine",
        "",
        tables.machine_table(result["machine"]),
        "",
    ]
    if result.get("adapters"):
        parts += [
            "## Adapter vs hand-written loop (steady-state examples/sec, `original`, "
            f"{result['settings']['dataset_for_adapters']})",
            "",
            tables.adapter_table(result["adapters"]),
            "",
        ]
    for table in result.get("frameworks", []):
        parts += [
            f"## Frameworks: {tables.framework_title(table)}",
            "",
            tables.framework_table(table),
            "",
        ]
    for table in result.get("experiments", []):
        parts += [
            f"## Experiment: {tables.experiment_title(table)}",
            "",
            tables.experiment_table(table),
            "",
        ]
    if result.get("data_loading") is not None:
        parts += ["## Data loading", "", "```", result["data_loading"]["text"], "```", ""]
    if result.get("graded_runs") is not None:
        parts += [
            "## Fixed cost of one graded run (reference network, sandboxed)",
            "",
            "```",
            result["graded_runs"]["text"],
            "```",
            "",
        ]
    if result.get("class") is not None:
        parts += [
            f"## The class graded on {result['class']['dataset']} ({result['class']['budget']})",
            "",
            result["class"]["text"],
            "",
        ]
    for key, title in FENCED_SUITES:
        if result.get(key) is not None:
            parts += [f"## {title}", "", "```", result[key]["text"], "```", ""]
    parts.append(tables.errors_section(result.get("errors", [])))
    parts.append(result.get("notes", ""))
    return "\n".join(parts).rstrip() + "\n"


FENCED_SUITES = (
    ("cluster", "Graded runs: a two-node Ray cluster on this machine vs --jobs 2"),
    ("explain", "What explaining costs per student (--jobs 1 and a two-node Ray cluster)"),
    ("aa", "A/A: the reference graded against itself"),
)


def _pb_entry(group: str, name: str, runs: list[dict]) -> dict | None:
    from pytest_benchmark.stats import Stats

    good = stats.ok_runs(runs)
    if not good:
        return None
    timings = Stats()
    for run in good:
        timings.update(run["steady_seconds"])
    return {
        "group": group,
        "name": name,
        "fullname": f"{group}::{name}",
        "params": None,
        "param": None,
        "options": {
            "rounds": len(good),
            "iterations": 1,
            "timer": "perf_counter, steady state only",
        },
        "stats": {**timings.as_dict(), "data": list(timings.data), "iterations": 1},
        "extra_info": {
            "examples_per_sec": [r["examples_per_sec"] for r in good],
            "warmup_seconds": [r["warmup_seconds"] for r in good],
            "batch_size": good[0]["batch_size"],
            "steady_batches": good[0]["num_batches"] - good[0]["warmup_batches"],
            "device": good[0].get("device"),
        },
    }


def pytest_benchmark_json(groups: dict[str, dict[str, list[dict]]]) -> dict | None:
    """pytest-benchmark's saved-run layout; None when pytest-benchmark is not installed."""
    try:
        from pytest_benchmark import __version__
        from pytest_benchmark.plugin import pytest_benchmark_generate_machine_info
    except ImportError:
        return None
    entries = [
        _pb_entry(group, name, runs)
        for group, by_name in groups.items()
        for name, runs in by_name.items()
    ]
    return {
        "machine_info": pytest_benchmark_generate_machine_info(),
        "commit_info": {},
        "benchmarks": [e for e in entries if e is not None],
        "datetime": datetime.now(timezone.utc).isoformat(),
        "version": __version__,
    }


def write_all(out: Path, result: dict, groups: dict) -> list[Path]:
    """benchmark.md, benchmark.json, benchmark.png and pytest-benchmark.json under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "benchmark.md", out / "benchmark.json"]
    written[0].write_text(markdown(result))
    written[1].write_text(json.dumps(result, indent=1, default=str))
    saved = pytest_benchmark_json(groups)
    if saved is not None:
        (out / "pytest-benchmark.json").write_text(json.dumps(saved, indent=1, default=str))
        written.append(out / "pytest-benchmark.json")
    if write_chart(out / "benchmark.png", result):
        written.append(out / "benchmark.png")
    if write_experiment_chart(out / "experiments.png", result.get("experiments", [])):
        written.append(out / "experiments.png")
    return written
