"""`python -m harness grade` end to end on a small slice of real Fashion-MNIST.

Runs go through the real sandbox and worker (torch), so this module is in the torch group
though this process imports no framework. The slice is written in the official idx format
and read with --allow-unverified, as a course would use a subset.
"""

import json
import os
import signal
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from chromium_cdp import Browser
from data_fixtures import write_fashion_slice
from project_paths import ROOT
from waiting import wait_for

from harness.report.explore import store

pytestmark = [pytest.mark.torch, pytest.mark.sandbox, pytest.mark.realdata]

SUBMISSIONS = [
    ROOT / "submissions" / "original",
    ROOT / "submissions" / "torch_example",
    ROOT / "tests" / "broken_submissions" / "syntax_error",
]
# Same thread count for every grading here: results are bit-identical only for equal settings.
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}
ENV.pop("HARNESS_DATA", None)  # CIFAR-10 must be found nowhere (see _environment)
RECORD_KEYS = {
    "submission",
    "dataset",
    "framework",
    "status",
    "reason",
    "test_accuracy",
    "examples_per_sec",
    "reference_test_accuracy",
    "reference_examples_per_sec",
    "score",
    "max_score",
    "batch_size",
    "num_batches",
    "isolated",
    "device",
    "data_verified",
}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return write_fashion_slice(tmp_path_factory.mktemp("data"), train=1500, test=300)


def _grade_argv(data_dir: Path, out: Path, jobs: int = 1) -> list[str]:
    # CIFAR-10 is not in data_dir, the empty cache or /usr/share/datasets: it is skipped.
    return [
        sys.executable,
        "-m",
        "harness",
        "grade",
        *map(str, SUBMISSIONS),
        "--datasets",
        "fashion_mnist,cifar10",
        "--data-dir",
        str(data_dir),
        "--allow-unverified",
        "--max-batches",
        "30",
        "--out",
        str(out),
        "--jobs",
        str(jobs),
    ]


def _environment(data_dir: Path) -> dict:
    return {**ENV, "HARNESS_CACHE_DIR": str(data_dir / "empty-cache")}


def _grade(data_dir: Path, out: Path, jobs: int = 1) -> list[dict]:
    done = subprocess.run(
        _grade_argv(data_dir, out, jobs),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        env=_environment(data_dir),
    )
    # 3: CIFAR-10 could not be loaded, the data's failure, not a student's (the broken
    # submission alone would give 1); every run still has its record
    assert done.returncode == 3, done.stdout[-3000:] + done.stderr[-3000:]
    assert "grading failed: dataset cifar10 was not graded" in done.stderr
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
        "original",
        "reference:original",
        "syntax_error",
        "torch_example",
    ]
    for record in records:
        assert RECORD_KEYS <= set(record)
        assert record["data_verified"] is False and record["max_batches_cap"] == 30
        # --max-batches 30 caps every run that trains; the syntax error never starts training
        expected = None if record["submission"] == "syntax_error" else 30
        assert record["num_batches"] == expected, record["submission"]


def accuracy_points(accuracy: float, reference_accuracy: float) -> float:
    """The shipped rubric by hand: 8 of 10 points, full from the reference's accuracy - 0.02,
    none at - 0.2, linear in between, rounded to 3 places."""
    share = min(1.0, max(0.0, (accuracy - (reference_accuracy - 0.2)) / 0.18))
    return round(8 * share, 3)


def test_honest_submissions_pass_and_are_scored_against_the_reference(graded):
    records = _by_name(graded[1])
    reference = records["reference:original"]
    # 30 momentum steps on 1,500 real images: well above chance (0.1) on the 300 test images
    assert reference["status"] == "passed" and 0.3 < reference["test_accuracy"] <= 1.0
    assert round(reference["test_accuracy"] * 300, 9) % 1 == 0  # a count of the 300
    # The Model Builder "original" with the reference's settings is the reference's network.
    assert records["original"]["test_accuracy"] == reference["test_accuracy"]
    for name in ("original", "torch_example"):
        record = records[name]
        assert record["status"] == "passed", record["reason"]
        # a run within the noise of a boundary is graded on the means of its seeds and the
        # reference's same seeds (docs/explain.md); seed 0 alone otherwise
        mine = {s["seed"]: s["test_accuracy"] for s in record["seed_runs"]}
        theirs = {s["seed"]: s["test_accuracy"] for s in reference["seed_runs"]}
        used = sorted(mine) or [0]
        accuracy = statistics.fmean(mine[s] for s in used) if mine else record["test_accuracy"]
        reference_accuracy = statistics.fmean(theirs[s] for s in used)
        assert record["reference_test_accuracy"] == pytest.approx(reference_accuracy)
        assert record["reference_examples_per_sec"] == reference["throughput_bar"]
        points = record["score_breakdown"]
        assert points["accuracy"] == accuracy_points(accuracy, reference_accuracy)
        assert record["score"] == round(points["accuracy"] + points["throughput"], 3)
        assert record["max_score"] == 10.0 and 0 <= points["throughput"] <= 2.0
        assert record["isolated"] is True and len(record["curve"]) == 30
    assert records["original"]["score_breakdown"]["accuracy"] == 8.0


def test_a_broken_submission_fails_with_its_reason_and_zero_points(graded):
    record = _by_name(graded[1])["syntax_error"]
    assert record["status"] == "failed" and record["score"] == 0.0
    assert "syntax error" in record["reason"]


def test_a_dataset_that_cannot_be_found_is_skipped_with_the_reason(graded):
    out, records = graded
    skipped = json.loads((out / "skipped.json").read_text())
    assert list(skipped) == ["cifar10"]
    assert skipped["cifar10"].startswith("cifar10") and "empty-cache" in skipped["cifar10"]
    assert {r["dataset"] for r in records} == {"fashion_mnist"}
    summary = (out / "summary.md").read_text()
    assert "cifar10 was not graded: " in summary


def test_reports_junit_and_benchmark_json_are_written(graded):
    out, _ = graded
    for name in (
        "summary.md",
        "summary.html",
        "grades.csv",
        "junit.xml",
        "benchmark.json",
        "students/original.html",
        # cifar10 could not be loaded: the grader's failure, so no Gradescope score for
        # anyone but the cause for staff (docs/gradescope.md)
        "gradescope/original/autograder_failure.txt",
    ):
        assert (out / name).is_file(), name
    assert not (out / "gradescope" / "original" / "results.json").exists()
    assert "cifar10" in (out / "gradescope" / "original" / "autograder_failure.txt").read_text()
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
    assert (
        "builds its network in code"
        in (out / "students" / "torch_example" / "explore.html").read_text()
    )


@pytest.mark.needs("chromium")
def test_the_page_runs_the_trained_network_as_the_sandboxed_run_did(graded, tmp_path):
    """The page's JavaScript on the exported weights agrees with the run's own torch."""
    out, _ = graded
    with Browser(tmp_path / "profile") as browser:
        browser.open(
            out / "students" / "original" / "explore.html", "window.explore && window.explore.ready"
        )
        page = browser.evaluate(
            "window.explore.data.runs[0].examples.map((e, i) => "
            "window.explore.pageProbabilities(0, i))"
        )
    worker = store.load(out / "explore" / "original" / "fashion_mnist-torch.npz").probabilities
    assert np.abs(np.array(page) - worker).max() < 1e-4


def test_same_submission_graded_twice_gives_identical_accuracy(graded, data_dir, tmp_path):
    # The second time with two runs at once (pytest-xdist): the figures must not change.
    again = _by_name(_grade(data_dir, tmp_path / "again", jobs=2))
    for name, record in _by_name(graded[1]).items():
        assert again[name]["test_accuracy"] == record["test_accuracy"]
        # Throughput points follow the clock, which a shared machine makes noisy.
        assert again[name]["score_breakdown"].get("accuracy") == record["score_breakdown"].get(
            "accuracy"
        )
        assert [p["loss"] for p in again[name]["curve"]] == [p["loss"] for p in record["curve"]]


def test_regrading_reuses_unchanged_runs(graded, data_dir):
    out, records = graded
    stored = {p.name: p.read_bytes() for p in (out / "runs").glob("*.json")}
    again = _by_name(_grade(data_dir, out))
    for name, record in _by_name(records).items():  # recorded facts, not the clock
        assert again[name]["finished_at"] == record["finished_at"]
        assert again[name]["wall_seconds"] == record["wall_seconds"]
    assert {p.name: p.read_bytes() for p in (out / "runs").glob("*.json")} == stored


def test_sigkill_halfway_loses_no_finished_run_and_resumes(data_dir, tmp_path):
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        _grade_argv(data_dir, out),
        cwd=ROOT,
        start_new_session=True,
        env=_environment(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(lambda: list((out / "runs").glob("*.json")), "a first run to finish", 600)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = {p.name: json.loads(p.read_text()) for p in (out / "runs").glob("*.json")}
    _grade(data_dir, out)
    for name, record in finished.items():
        assert json.loads((out / "runs" / name).read_text()) == record
    assert len(json.loads((out / "results.json").read_text())) == 4
