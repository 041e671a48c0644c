"""`python -m harness explain` end to end on a slice of real Fashion-MNIST, in torch: the
student page holds the explanation and its chart; an index.js is explained as its layer
list; a code-form submission is told why it has none. Few batches and two seeds: this
checks the path, not the figures (the slow tier and docs/explain.md check those)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from data_fixtures import write_fashion_slice
from project_paths import ROOT

pytestmark = [pytest.mark.torch, pytest.mark.sandbox, pytest.mark.realdata]

ASSIGNMENT = """
[assignment]
datasets = ["fashion_mnist"]
curve_points = 4
[seeds]
reference_seeds = 2
max_student_seeds = 1
explain_seeds = 2
"""


def test_explain_a_single_change_and_a_code_form(tmp_path: Path):
    data = write_fashion_slice(tmp_path / "data", train=600, test=200)
    (tmp_path / "assignment.toml").write_text(ASSIGNMENT)
    out = tmp_path / "out"
    argv = [
        sys.executable, "-m", "harness", "explain",
        str(ROOT / "submissions" / "filters_5"), str(ROOT / "submissions" / "filters_5_js"),
        str(ROOT / "submissions" / "torch_example"),
        "--assignment", str(tmp_path / "assignment.toml"), "--data-dir", str(data),
        "--allow-unverified", "--max-batches", "8", "--out", str(out), "--jobs", "2",
    ]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HARNESS_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    # base and filters_5, 2 seeds each; the index.js records the same network: no more runs
    assert "explaining will cost 4 extra run(s); 1 run(s) counted after" in done.stdout
    assert "explaining costs 4 extra run(s)" in done.stdout
    assert "conv filters 16 -> 5 in layers 1, 4:" in done.stdout
    entries = {e["student"]: e for e in json.loads((out / "explanations.json").read_text())}
    assert "code-form" in entries["torch_example"]["why_not"]
    effects = entries["filters_5"]["effects"]
    assert entries["filters_5"]["seeds_used"] == [0, 1]
    assert effects["change 0"]["accuracy"] == effects["total"]["accuracy"]
    assert effects["change 0"]["accuracy"]["seeds"] == 2
    assert entries["filters_5_js"]["effects"] == effects  # the same networks and seeds
    page = (out / "students" / "filters_5.md").read_text()
    assert "Which change did what" in page and "waterfall" in page
    assert (out / "students" / "filters_5" / "explain-fashion_mnist-torch-waterfall.png").is_file()
    assert "No explanation: a code-form" in (out / "students" / "torch_example.md").read_text()
    results = json.loads((out / "results.json").read_text())
    assert sorted(r["submission"] for r in results) == [
        "filters_5", "filters_5_js", "reference:original", "torch_example"
    ]  # fmt: skip
    assert all(r["interval"]["measured"] for r in results if not r["reference"])
