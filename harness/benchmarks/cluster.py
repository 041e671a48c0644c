"""N quick graded runs through a two-node Ray cluster on this machine against ``--jobs 2``.

Both sides grade the same class (N copies of a small Model Builder submission, plus the
reference run they need) with ``python -m harness grade``, on the same machine, one after
the other, and report:

* wall time of the whole grading (planning, data, pytest, every run, scoring, reports);
* busy time: the sum of the runs' own wall times (parent-side for ``--jobs``, node-side
  for the cluster), i.e. the time slots spent inside runs;
* scheduling overhead per run: (wall x slots - busy) / runs, the slot time not spent in a
  run (starting pytest or Ray, putting the data, dispatch, idle slots at the end);
* the cluster's wall time over ``--jobs 2``'s: below 1.10 means adding machines is gain.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tabulate import tabulate

from harness.cluster.local import local_cluster

SLOTS = 2  # two worker nodes of one CPU each, against --jobs 2
SUBMISSION = '''"""A small network for the cluster benchmark: one conv -> relu -> maxpool triple."""

HYPERPARAMETERS = {"batch_size": 64, "num_batches": 3000, "learning_rate": 0.01,
                   "optimizer": "momentum"}
LAYERS = [{"layer": "conv", "field_size": 5, "stride": 1, "filters": 8, "zero_pad": 2},
          {"layer": "relu"}, {"layer": "maxpool", "field_size": 2, "stride": 2},
          {"layer": "flatten"}, {"layer": "dense", "units": 10}]
'''


def _class_of(runs: int, folder: Path) -> list[Path]:
    paths = []
    for number in range(runs):
        student = folder / f"student{number:03d}"
        student.mkdir(parents=True)
        (student / "index.py").write_text(SUBMISSION)
        paths.append(student)
    return paths


def timed_grading(students: list[Path], out: Path, options: list[str], settings: dict) -> float:
    """Wall seconds of ``python -m harness grade`` on ``students`` into ``out``, with
    ``settings`` (framework, dataset, batches, data_dir) and further ``options``. Exit
    status 1 (a student did not pass) is a normal outcome; any other failure raises."""
    argv = [sys.executable, "-m", "harness", "grade", *map(str, students), "--out", str(out)]
    argv += ["--datasets", settings["dataset"], "--frameworks", settings["framework"]]
    argv += ["--max-batches", str(settings["batches"])]
    argv += ["--data-dir", settings["data_dir"]] if settings["data_dir"] else []
    started = time.monotonic()
    done = subprocess.run(
        [*argv, *options],
        capture_output=True,
        text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    wall = time.monotonic() - started
    if done.returncode not in (0, 1):
        raise RuntimeError(
            f"grading with {options} failed: {done.stdout[-600:]} {done.stderr[-600:]}"
        )
    return wall


def _graded(students: list[Path], out: Path, options: list[str], settings: dict):
    wall = timed_grading(students, out, options, settings)
    return wall, json.loads((out / "results.json").read_text())


def _row(mode: str, wall: float, records: list[dict]) -> dict:
    busy = sum(r["wall_seconds"] or 0.0 for r in records)
    return {
        "mode": mode,
        "runs": len(records),
        "passed": sum(r["status"] == "passed" for r in records),
        "wall_s": wall,
        "busy_s": busy,
        "overhead_per_run_s": (wall * SLOTS - busy) / len(records),
        "nodes": len({r["node"] for r in records}),
    }


def cluster_benchmark(
    framework: str = "torch",
    dataset: str = "fashion_mnist",
    runs: int = 16,
    batches: int = 150,
    data_dir: str | None = None,
) -> tuple[list[dict], str]:
    """Rows (``--jobs 2``, then the cluster) and their table."""
    with tempfile.TemporaryDirectory() as tmp:
        students = _class_of(runs, Path(tmp) / "class")
        settings = {"framework": framework, "dataset": dataset, "batches": batches,
                    "data_dir": data_dir}  # fmt: skip
        jobs = ["--jobs", str(SLOTS)]
        local = _row(f"--jobs {SLOTS}", *_graded(students, Path(tmp) / "jobs", jobs, settings))
        with local_cluster(nodes=SLOTS) as cluster:
            options = ["--cluster", cluster.address]
            remote = _row(
                f"cluster: {SLOTS} nodes x 1 CPU",
                *_graded(students, Path(tmp) / "cluster", options, settings),
            )
    remote["ratio"] = remote["wall_s"] / local["wall_s"]
    return [local, remote], cluster_table([local, remote], batches)


def cluster_table(rows: list[dict], batches: int) -> str:
    headers = [
        "mode",
        "runs",
        "passed",
        "batches",
        "wall s",
        "busy s (sum of runs)",
        "overhead per run s",
        "nodes used",
        "wall / --jobs wall",
    ]
    body = [
        [
            r["mode"],
            r["runs"],
            r["passed"],
            batches,
            f"{r['wall_s']:.1f}",
            f"{r['busy_s']:.1f}",
            f"{r['overhead_per_run_s']:.2f}",
            r["nodes"],
            f"{r['ratio']:.2f}" if "ratio" in r else "1.00",
        ]
        for r in rows
    ]
    return tabulate(body, headers=headers, disable_numparse=True)
