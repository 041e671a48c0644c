"""The package works as users install it: a wheel in a fresh virtual environment, used from
an empty folder, with no checkout in sight (the default assignment ships inside it).

One module-scoped environment (torch only, the extra a course server installs first) serves
every command; each test runs one command as a student or staff member would.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from project_paths import ROOT, SUBMISSIONS

pytestmark = [pytest.mark.torch, pytest.mark.sandbox]

TORCH_SPEC = os.environ.get("HARNESS_TORCH_SPEC", "torch==2.13.0")


def _run(argv: list, cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run(
        [str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"{argv}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The python of a fresh venv holding the built wheel with its torch and test extras."""
    base = tmp_path_factory.mktemp("installed")
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            base / "dist",
            ROOT,
        ],
        cwd=base,
    )
    wheel = next((base / "dist").glob("cnn_harness-*.whl"))
    _run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", base / "venv"], cwd=base)
    python = base / "venv" / "bin" / "python"
    _run([python, "-m", "pip", "install", "-q", str(wheel), *TORCH_SPEC.split()], cwd=base)
    return python


@pytest.fixture()
def empty_folder(tmp_path) -> Path:
    """A folder with one student's submission in it and nothing of the checkout."""
    shutil.copytree(SUBMISSIONS / "original", tmp_path / "alice")
    return tmp_path


def _grade_alice(installed, folder: Path, max_batches: int) -> list[dict]:
    """The installed ``grade`` on ``folder/alice`` (torch, Fashion-MNIST) into ``grades``."""
    argv = [installed, "-m", "harness", "grade", "alice", "--datasets", "fashion_mnist"]
    argv += ["--frameworks", "torch", "--max-batches", str(max_batches), "--out", "grades"]
    _run(argv, folder)
    return json.loads((folder / "grades" / "results.json").read_text())


def test_nothing_is_imported_from_the_checkout(installed, empty_folder):
    done = _run(
        [
            installed,
            "-c",
            "import harness, reference_models; "
            "print(harness.__file__); print(reference_models.__file__)",
        ],
        empty_folder,
    )
    assert all("site-packages" in line for line in done.stdout.split())
    assert str(ROOT) not in done.stdout


def test_the_javascript_stand_ins_ship_in_the_wheel(installed, empty_folder):
    done = _run(
        [
            installed,
            "-c",
            "from harness.submission.javascript import engine as e; "
            "print(all((e.STANDIN / p).is_file() for p in e.STANDIN_PARTS))",
        ],
        empty_folder,
    )
    assert done.stdout.strip() == "True"


def test_check_accepts_a_submission(installed, empty_folder):
    done = _run(
        [installed, "-m", "harness", "check", "alice", "--framework", "torch"], empty_folder
    )
    assert "14,682 parameters" in done.stdout and "ACCEPTED" in done.stdout


def test_grade_uses_the_shipped_assignment_and_says_so(installed, empty_folder):
    records = _grade_alice(installed, empty_folder, max_batches=20)
    assert {(r["submission"], r["status"]) for r in records} == {
        ("reference:original", "passed"),
        ("alice", "passed"),
    }
    shipped = {r["assignment"] for r in records}
    assert len(shipped) == 1 and shipped.pop().endswith("site-packages/harness/assignment.toml")
    assert (
        "site-packages/harness/assignment.toml"
        in (empty_folder / "grades" / "summary.md").read_text()
    )
    explore = (empty_folder / "grades" / "students" / "alice" / "explore.html").read_text()
    assert "ExploreForward" in explore  # the page's scripts ship in the wheel


def test_a_local_assignment_overrides_the_shipped_one(installed, empty_folder):
    shipped = _run(
        [
            installed,
            "-c",
            "from harness.config import DEFAULT_ASSIGNMENT; print(DEFAULT_ASSIGNMENT.read_text())",
        ],
        empty_folder,
    ).stdout
    local = empty_folder / "assignment.toml"
    local.write_text(shipped.replace("curve_points = 20", "curve_points = 4"))
    records = _grade_alice(installed, empty_folder, max_batches=8)
    assert {r["assignment"] for r in records} == {str(local)}
    assert all(len(r["curve"]) == 4 for r in records)


def test_train_prints_a_json_summary(installed, empty_folder):
    done = _run(
        [
            installed,
            "-m",
            "harness",
            "train",
            "--reference",
            "original",
            "--framework",
            "torch",
            "--num-batches",
            "10",
            "--json",
        ],
        empty_folder,
    )
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["param_count"] == 14682 and summary["num_batches"] == 10


def test_benchmark_graded_suite_runs(installed, empty_folder):
    _run(
        [
            installed,
            "-m",
            "harness",
            "benchmark",
            "--suite",
            "graded",
            "--frameworks",
            "torch",
            "--max-batches",
            "10",
            "--rounds",
            "1",
            "--out",
            "bench",
        ],
        empty_folder,
    )
    assert any((empty_folder / "bench").iterdir())
