"""What explaining costs per student, at ``--jobs 1`` and on a local two-node Ray cluster.

A class of single-change students (copies of ``submissions/filters_50``, each explained
against the reference) is graded without ``--explain``, then graded again with it into the
same folder: the second grading reuses every stored run of the first, so its wall time and
its new runs are what explaining added. The same on a two-node cluster of this machine.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from tabulate import tabulate

from harness.benchmarks.cluster import timed_grading
from harness.cluster.local import local_cluster
from harness.names import PACKAGE_ROOT

EXAMPLE = PACKAGE_ROOT.parent / "submissions" / "filters_50" / "index.py"


def _class_of(students: int, folder: Path) -> list[Path]:
    paths = []
    for number in range(students):
        student = folder / f"student{number:03d}"
        student.mkdir(parents=True)
        shutil.copy(EXAMPLE, student / "index.py")
        paths.append(student)
    return paths


def _grade(paths: list[Path], out: Path, options: list[str], settings: dict) -> tuple[float, int]:
    """(wall seconds, runs stored so far) of one grading."""
    wall = timed_grading(paths, out, options, settings)
    return wall, len(list((out / "runs").glob("*.json")))


def _row(mode: str, students: int, paths, out: Path, options: list[str], settings: dict) -> dict:
    plain, plain_runs = _grade(paths, out, options, settings)
    explained, all_runs = _grade(paths, out, [*options, "--explain"], settings)
    entries = json.loads((out / "explanations.json").read_text())
    return {
        "mode": mode,
        "students": students,
        "grading_s": plain,
        "runs": plain_runs,
        "explain_s": explained,
        "explain_runs": all_runs - plain_runs,
        "per_student_s": explained / students,
        "explained": sum(bool(e.get("effects")) for e in entries),
    }


def explain_benchmark(
    framework: str = "torch",
    dataset: str = "fashion_mnist",
    students: int = 2,
    batches: int = 100,
    data_dir: str | None = None,
) -> tuple[list[dict], str]:
    """Rows (``--jobs 1``, then the cluster) and their table."""
    settings = {
        "framework": framework,
        "dataset": dataset,
        "batches": batches,
        "data_dir": data_dir,
    }
    with tempfile.TemporaryDirectory() as tmp:
        paths = _class_of(students, Path(tmp) / "class")
        rows = [_row("--jobs 1", students, paths, Path(tmp) / "jobs1", ["--jobs", "1"], settings)]
        with local_cluster(nodes=2) as cluster:
            options = ["--cluster", cluster.address]
            rows.append(
                _row(
                    "cluster: 2 nodes x 1 CPU",
                    students,
                    paths,
                    Path(tmp) / "ray",
                    options,
                    settings,
                )
            )
    return rows, explain_table(rows, batches)


def explain_table(rows: list[dict], batches: int) -> str:
    headers = ["mode", "students", "batches", "grading s (runs)", "explaining s (extra runs)",
               "explaining s per student", "explained"]  # fmt: skip
    body = [
        [r["mode"], r["students"], batches, f"{r['grading_s']:.1f} ({r['runs']})",
         f"{r['explain_s']:.1f} ({r['explain_runs']})", f"{r['per_student_s']:.1f}",
         f"{r['explained']}/{r['students']}"]
        for r in rows
    ]  # fmt: skip
    return tabulate(body, headers=headers, disable_numparse=True)
