"""`bars build` then `grade --bars`: no reference run is trained (the records and the plan
show it), the accuracies equal those of a grading that trains the references, a late
student graded alone trains one run plus the calibration, and bars that do not match the
grading are refused before any run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from project_paths import ROOT, SUBMISSIONS

from harness.config import Assignment
from harness.grading.bars import binding, write_bars

OPTIONS = ["--datasets", "fashion_mnist", "--frameworks", "torch", "--max-batches", "10"]


def harness(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "harness", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
    )


def records(out: Path) -> dict:
    return {r["submission"]: r for r in json.loads((out / "results.json").read_text())}


def stored_runs(out: Path) -> list[str]:
    return sorted(p.name for p in (out / "runs").glob("*.json"))


def planned(out: Path) -> list[dict]:
    return json.loads((out / ".work" / "plan.json").read_text())["runs"]


def test_bars_for_other_data_are_refused_before_any_run(tmp_path):
    """Bars bound to other Fashion-MNIST arrays: grade names file, field, both values."""
    from report_factory import references

    refs = [r for r in references() if (r.dataset, r.framework) == ("fashion_mnist", "torch")]
    refs[0].reference, refs[0].throughput_bar = "original", 1000.0
    bound = binding(Assignment(), 10, {"fashion_mnist": "f" * 64}, ["torch"])
    write_bars(tmp_path / "bars", refs, {("fashion_mnist", "torch"): 100.0}, bound)
    out = tmp_path / "out"
    done = harness(
        "grade",
        str(SUBMISSIONS / "original"),
        "--out",
        str(out),
        "--bars",
        str(tmp_path / "bars"),
        *OPTIONS,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    message = done.stderr
    assert f"{tmp_path / 'bars' / 'bars.json'}: binding." in message
    assert "expected" in message and "received" in message
    assert not (out / "runs").exists() or stored_runs(out) == []


@pytest.mark.slow
@pytest.mark.torch
@pytest.mark.needs("fashion_mnist", "bubblewrap")
def test_grade_with_bars_trains_no_reference_and_gives_the_same_accuracies(tmp_path):
    students = [str(SUBMISSIONS / "original"), str(SUBMISSIONS / "pool_stride_1")]
    trained, bars, graded, late = (tmp_path / n for n in ("trained", "bars", "graded", "late"))
    for argv in (
        ["grade", *students, "--out", str(trained), *OPTIONS],
        ["bars", "build", "--out", str(bars), *OPTIONS],
        ["grade", *students, "--out", str(graded), "--bars", str(bars), *OPTIONS],
        ["grade", students[1], "--out", str(late), "--bars", str(bars), *OPTIONS],
    ):
        done = harness(*argv)
        assert done.returncode == 0, argv + [done.stdout[-3000:], done.stderr[-3000:]]

    # No reference run in the plan or the store: only the calibration probe ran.
    assert [r["submission"] for r in planned(graded) if r["reference"]] == [
        "reference:original~probe0"
    ]
    stored = stored_runs(graded)
    assert [n for n in stored if n.startswith("reference")] == [
        "reference~3Aoriginal~7Eprobe0--fashion_mnist--torch.json"
    ]
    assert "original--fashion_mnist--torch.json" in stored  # and the students' seeds
    reference = records(graded)["reference:original"]
    assert reference["bars"]["path"] == str(bars / "bars.json")
    assert reference["bars"]["built_at"] and reference["bars"]["local_calibration"] > 0
    assert "No reference was trained in this grading" in (graded / "summary.md").read_text()

    # The same accuracies as the grading that trained its references.
    for student in ("original", "pool_stride_1"):
        with_bars, without = records(graded)[student], records(trained)[student]
        assert with_bars["test_accuracy"] == without["test_accuracy"]
        assert with_bars["reference_test_accuracy"] == without["reference_test_accuracy"]

    # A late student regraded alone with the class's bars: one run plus the calibration.
    first = [r for r in planned(late) if not r["seed"]]
    assert [r["submission"] for r in first] == ["reference:original~probe0", "pool_stride_1"]
    assert (
        records(late)["pool_stride_1"]["test_accuracy"]
        == (records(trained)["pool_stride_1"]["test_accuracy"])
    )
