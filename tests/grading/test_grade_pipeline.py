"""`python -m harness grade` end to end on a small slice of real Fashion-MNIST.

Runs go through the real sandbox and worker (torch), so this module is in the torch group
though this process imports no framework. The slice is written in the official idx format
and read with --allow-unverified, as a course would use a subset.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from chromium_cdp import Browser
from data_fixtures import write_idx
from project_paths import ROOT

from harness.data import load_dataset
from harness.report.explore import store

pytestmark = [pytest.mark.torch, pytest.mark.sandbox, pytest.mark.realdata]

SUBMISSIONS = [ROOT / "submissions" / "original", ROOT / "submissions" / "torch_example",
               ROOT / "tests" / "broken_submissions" / "syntax_error"]
# Same thread count for every grading here: results are bit-identical only for equal settings.
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}
RECORD_KEYS = {"submission", "dataset", "framework", "status", "reason", "test_accuracy",
               "examples_per_sec", "reference_test_accuracy", "reference_examples_per_sec",
               "score", "max_score", "batch_size", "num_batches", "isolated", "device",
               "data_verified"}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    full = load_dataset("fashion_mnist")
    folder = tmp_path_factory.mktemp("data") / "fashion_mnist"
    write_idx(folder, {"train_images": full.train_images[:1500, :, :, 0],
                       "train_labels": full.train_labels[:1500],
                       "test_images": full.test_images[:300, :, :, 0],
                       "test_labels": full.test_labels[:300]})
    return folder.parent


def _grade_argv(data_dir: Path, out: Path, jobs: int = 1) -> list[str]:
    return [sys.executable, "-m", "harness", "grade", *map(str, SUBMISSIONS),
            "--datasets", "fashion_mnist", "--data-dir", str(data_dir), "--allow-unverified",
            "--max-batches", "30", "--out", str(out), "--jobs", str(jobs)]


def _grade(data_dir: Path, out: Path, jobs: int = 1) -> list[dict]:
    done = subprocess.run(_grade_argv(data_dir, out, jobs), cwd=ROOT, capture_output=True,
                          text=True, timeout=900, env=ENV)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads((out / "results.json").read_text())


@pytest.fixture(scope="module")
def graded(data_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("grades")
    return out, _grade(data_dir, out)


def _by_name(records):
    return {r["submission"]: r for r in records}


def test_results_hold_one_complete_record_per_run(graded):
    _, records = graded
    assert sorted(r["submission"] for r in records) == [
        "original", "reference:original", "syntax_error", "torch_example"]
    for record in records:
        assert RECORD_KEYS <= set(record)
        assert record["data_verified"] is False and record["num_batches"] in (None, 30)


def test_honest_submissions_pass_and_are_scored_against_the_reference(graded):
    records = _by_name(graded[1])
    reference = records["reference:original"]
    assert reference["status"] == "passed" and 0.3 < reference["test_accuracy"] <= 1.0
    for name in ("original", "torch_example"):
        record = records[name]
        assert record["status"] == "passed", record["reason"]
        assert record["reference_test_accuracy"] == reference["test_accuracy"]
        assert 0 < record["score"] <= record["max_score"] == 10.0
        assert record["isolated"] is True and record["curve"]


def test_a_broken_submission_fails_with_its_reason_and_zero_points(graded):
    record = _by_name(graded[1])["syntax_error"]
    assert record["status"] == "failed" and record["score"] == 0.0
    assert "syntax error" in record["reason"]


def test_reports_junit_and_benchmark_json_are_written(graded):
    out, _ = graded
    for name in ("summary.md", "summary.html", "grades.csv", "junit.xml", "benchmark.json",
                 "students/original.html", "gradescope/original/results.json"):
        assert (out / name).is_file(), name
    junit = (out / "junit.xml").read_text()
    assert "syntax_error-fashion_mnist" in junit and "syntax error" in junit


def test_each_student_gets_an_explore_page_from_its_own_checked_run(graded):
    out, _ = graded
    original = store.load(out / "explore" / "original" / "fashion_mnist-torch.npz")
    assert len(original.weights) == 6 and original.note == "" and len(original.pairs) == 3
    code = store.load(out / "explore" / "torch_example" / "fashion_mnist-torch.npz")
    assert code.weights == [] and len(code.picker) == 20
    assert not (out / "explore" / "reference_original").exists()
    assert 'href="original/explore.html"' in (out / "students" / "original.html").read_text()
    assert "builds its network in code" in (
        out / "students" / "torch_example" / "explore.html").read_text()


@pytest.mark.needs("chromium")
def test_the_page_runs_the_trained_network_as_the_sandboxed_run_did(graded, tmp_path):
    """The page's JavaScript on the exported weights agrees with the run's own torch."""
    out, _ = graded
    with Browser(tmp_path / "profile") as browser:
        browser.open(out / "students" / "original" / "explore.html",
                     "window.explore && window.explore.ready")
        page = browser.evaluate("window.explore.data.runs[0].examples.map((e, i) => "
                                "window.explore.pageProbabilities(0, i))")
    worker = store.load(out / "explore" / "original" / "fashion_mnist-torch.npz").probabilities
    assert np.abs(np.array(page) - worker).max() < 1e-4


def test_same_submission_graded_twice_gives_identical_accuracy(graded, data_dir, tmp_path):
    # The second time with two runs at once (pytest-xdist): the figures must not change.
    again = _by_name(_grade(data_dir, tmp_path / "again", jobs=2))
    for name, record in _by_name(graded[1]).items():
        assert again[name]["test_accuracy"] == record["test_accuracy"]
        # Throughput points follow the clock, which a shared machine makes noisy.
        assert (again[name]["score_breakdown"].get("accuracy")
                == record["score_breakdown"].get("accuracy"))
        assert [p["loss"] for p in again[name]["curve"]] == [p["loss"] for p in record["curve"]]


def test_regrading_reuses_unchanged_runs(graded, data_dir):
    out, records = graded
    started = time.monotonic()
    again = _by_name(_grade(data_dir, out))
    for name, record in _by_name(records).items():
        assert again[name]["finished_at"] == record["finished_at"]
    assert time.monotonic() - started < 60


def test_sigkill_halfway_loses_no_finished_run_and_resumes(data_dir, tmp_path):
    out = tmp_path / "killed"
    proc = subprocess.Popen(_grade_argv(data_dir, out), cwd=ROOT, start_new_session=True, env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    while not list((out / "runs").glob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = {p.name: json.loads(p.read_text()) for p in (out / "runs").glob("*.json")}
    assert finished, "no run finished before the kill"
    _grade(data_dir, out)
    for name, record in finished.items():
        assert json.loads((out / "runs" / name).read_text()) == record
    assert len(json.loads((out / "results.json").read_text())) == 4
