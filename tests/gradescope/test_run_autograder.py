"""The Gradescope bundle for real: built by `gradescope build`, extracted into a simulated
``/autograder`` root (a temporary folder: ``AUTOGRADER_ROOT``), its real ``setup.sh`` steps
that need no network (``bars``: the references trained once) and its real
``run_autograder`` with the real harness, inside a cgroup with a memory limit and a CPU
quota as Gradescope sets them (its default 768 MiB, and the 1 GiB docs/gradescope.md asks
for); results.json is checked against Gradescope's specification.

The grader's failures (a missing or mismatched bars file, a failed reference) leave no
results.json and exit 1: Gradescope then shows the autograder's failure and records no
score, never the student's zero (docs/gradescope.md).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from container_cgroup import Container
from gradescope_spec import spec_problems
from project_paths import BROKEN, ROOT, SUBMISSIONS

GRADESCOPE_MEMORY = 768 << 20  # Gradescope's default container memory
# What docs/gradescope.md tells a course to set: the harness keeps room for its own
# processes beside a run (harness/grading/capacity.py) and refuses below it.
COURSE_MEMORY = 1 << 30
CPUS = 1.0  # a CPU quota of one CPU (Gradescope's default is half of one: docs/gradescope.md)
# CI-sized training (docs/gradescope.md has full-budget figures), one dataset and framework
OPTIONS = ("--datasets", "fashion_mnist", "--frameworks", "torch", "--max-batches", "20")
FAILURE = "AUTOGRADER FAILURE"

pytestmark = pytest.mark.needs("container_cgroup")


def autograder_root(tmp_path: Path, *options: str, assignment: Path | None = None) -> Path:
    """A simulated /autograder: the bundle extracted in source/, an empty submission/."""
    root = tmp_path / "autograder"
    bundle = tmp_path / "autograder.zip"
    argv = [sys.executable, "-m", "harness", "gradescope", "build", "--out", str(bundle)]
    argv += ["--assignment", str(assignment)] if assignment else []
    done = subprocess.run([*argv, *options], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    for name in ("setup.sh", "run_autograder"):
        (root / "source" / name).chmod(0o755)  # zipfile does not restore modes; unzip does
    (root / "submission").mkdir()
    return root


def environment(root: Path) -> dict:
    import os

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the bundle's harness
    return {**env, "AUTOGRADER_ROOT": str(root), "HARNESS_PYTHON": sys.executable}


def setup(root: Path, steps: str = "bars") -> subprocess.CompletedProcess:
    """setup.sh's steps that need no network, as Gradescope runs it while building the image."""
    return subprocess.run(
        ["bash", str(root / "source" / "setup.sh")],
        env={**environment(root), "SETUP_STEPS": steps},
        cwd=root,
        capture_output=True,
        text=True,
        timeout=900,
    )


def upload(root: Path, folder: Path) -> None:
    shutil.rmtree(root / "submission")
    shutil.copytree(folder, root / "submission" / "hw")


def run_autograder(
    root: Path, memory: int = COURSE_MEMORY
) -> tuple[subprocess.CompletedProcess, dict | None, dict]:
    """run_autograder in a container with these limits; (process, results, figures)."""
    container = Container(memory, CPUS)
    started = time.monotonic()
    try:
        done = subprocess.run(
            container.wrap(["bash", str(root / "source" / "run_autograder")]),
            env=environment(root),
            cwd=root,
            capture_output=True,
            text=True,
            timeout=900,
        )
        figures = {"wall_s": time.monotonic() - started, "peak": container.peak_bytes()}
    finally:
        container.remove()
    results = root / "results" / "results.json"
    return done, json.loads(results.read_text()) if results.exists() else None, figures


def criterion_test(results: dict, criterion: str) -> dict:
    """The one test of ``results`` for ``criterion`` (one dataset, one framework)."""
    [test] = [t for t in results["tests"] if t["name"].endswith(criterion)]
    return test


def test_an_upload_without_index_py_is_told_what_to_upload(tmp_path):
    root = autograder_root(tmp_path, "--datasets", "fashion_mnist")
    (root / "submission" / "notes.txt").write_text("forgot the file")
    done, results, _ = run_autograder(root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert spec_problems(results) == []
    assert results["score"] == 0.0
    assert "No index.py or index.js found in your upload" in results["output"]


def test_missing_bars_are_the_autograders_failure_never_a_zero(tmp_path):
    """setup.sh's bars step never ran: no results.json (so no score), exit 1, the cause
    for staff in the autograder's output."""
    root = autograder_root(tmp_path, "--datasets", "fashion_mnist")
    upload(root, SUBMISSIONS / "original")
    done, results, _ = run_autograder(root)
    assert done.returncode == 1
    assert results is None
    assert FAILURE in done.stdout and "not the student's network" in done.stdout
    assert "no bars file" in done.stderr + done.stdout


@pytest.mark.slow
@pytest.mark.torch
@pytest.mark.needs("fashion_mnist", "bubblewrap")
def test_bars_built_in_setup_then_uploads_graded_in_gradescopes_limits(tmp_path):
    root = autograder_root(tmp_path, *OPTIONS)
    built = setup(root)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    assert (root / "bars" / "bars.json").is_file()

    upload(root, SUBMISSIONS / "original")  # the reference's own network: a passing upload
    done, results, figures = run_autograder(root, GRADESCOPE_MEMORY)
    print(f"passing upload in {GRADESCOPE_MEMORY >> 20} MiB, {CPUS} CPU: {figures}")
    # Gradescope's default memory: graded, or refused as the autograder's failure naming
    # the memory to set (harness/grading/capacity.py), never the student's zero
    assert results is not None or "raise the autograder's memory" in done.stdout + done.stderr
    done, results, figures = run_autograder(root)
    print(f"passing upload in {COURSE_MEMORY >> 20} MiB, {CPUS} CPU: {figures}")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert spec_problems(results) == []
    trains = criterion_test(results, "builds and trains")
    assert trains["status"] == "passed" and trains["name"].startswith("fashion_mnist (torch)")
    assert results["score"] > 0
    assert "No reference was trained in this grading" in results["output"]

    upload(root, BROKEN / "syntax_error")  # the student's own fault: a failed test, 0 points
    done, results, _ = run_autograder(root)
    assert done.returncode == 0, done.stdout[-3000:]
    assert spec_problems(results) == []
    assert results["score"] == 0.0
    trains = criterion_test(results, "builds and trains")
    assert trains["status"] == "failed" and "syntax error" in trains["output"]
    assert FAILURE not in done.stdout

    bars = root / "bars" / "bars.json"  # bars for other data: refused, the grader's failure
    document = json.loads(bars.read_text())
    document["binding"]["datasets"]["fashion_mnist"] = "0" * 64
    bars.write_text(json.dumps(document))
    upload(root, SUBMISSIONS / "original")
    done, results, _ = run_autograder(root)
    assert (done.returncode, results) == (1, None)
    assert "binding.datasets.fashion_mnist: expected" in done.stdout + done.stderr


@pytest.mark.slow
@pytest.mark.torch
@pytest.mark.needs("fashion_mnist", "bubblewrap")
def test_a_failed_reference_is_the_autograders_failure_never_a_zero(tmp_path):
    """The references cannot finish in the assignment's time limit: setup.sh's bars step
    fails naming them and writes no bars; every upload is then the autograder's failure."""
    text = (ROOT / "harness" / "assignment.toml").read_text()
    assignment = tmp_path / "assignment.toml"
    assignment.write_text(text.replace("time_limit_seconds = 1800", "time_limit_seconds = 1"))
    root = autograder_root(tmp_path, *OPTIONS, assignment=assignment)
    built = setup(root)
    assert built.returncode != 0
    assert "no bars written; failed:" in built.stdout and "timed out" in built.stdout
    assert not (root / "bars" / "bars.json").exists()
    upload(root, SUBMISSIONS / "original")
    done, results, _ = run_autograder(root)
    assert (done.returncode, results) == (1, None)
    assert FAILURE in done.stdout
