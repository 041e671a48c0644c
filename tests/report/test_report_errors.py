"""A failed reference and the student runs it leaves without a bar ("error"), scored the way
grading scores them and carried into every report."""

from __future__ import annotations

import csv
import json

import pytest
from report_factory import run, write_results

from harness.config import Rubric
from harness.grading.scores import score_records
from harness.report import build_reports

REFERENCE_FAILURE = "timed out after 1800 s (wall-time limit) before returning predictions"
ERROR = f"reference run for mnist/torch failed: {REFERENCE_FAILURE}"


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    unscored = dict(
        score=0.0,
        max_score=0.0,
        score_breakdown={},
        reference_test_accuracy=None,
        reference_examples_per_sec=None,
    )
    references = [
        run("reference:original", reference="original", **unscored),
        run(
            "reference:original",
            "mnist",
            reference="original",
            status="failed",
            reason=REFERENCE_FAILURE,
            test_accuracy=None,
            examples_per_sec=None,
            confusion=[],
            **unscored,
        ),
    ]
    # erin reaches the reference on Fashion-MNIST (10 points); her MNIST run passed but has no
    # bar to be measured against, so it becomes an error of ours, not a zero of hers.
    students = [run("erin", **unscored), run("erin", "mnist", **unscored)]
    records = score_records(references + students, Rubric())
    folder = tmp_path_factory.mktemp("errors")
    write_results(folder, records)
    build_reports(folder)
    return folder


def test_results_hold_the_error_with_its_reason(out):
    erin = {
        r["dataset"]: r
        for r in json.loads((out / "results.json").read_text())
        if r["submission"] == "erin"
    }
    assert (erin["mnist"]["status"], erin["mnist"]["reason"], erin["mnist"]["score"]) == (
        "error",
        ERROR,
        0.0,
    )
    assert (erin["fashion_mnist"]["status"], erin["fashion_mnist"]["score"]) == ("passed", 10.0)


def test_the_summary_lists_the_failed_reference_and_the_error(out):
    text = (out / "summary.md").read_text()
    failed = text.split("## Failed runs (2)\n")[1].split("\n## ")[0]
    rows = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in failed.splitlines()
        if line.startswith("| ")
    ]
    assert rows[1:] == [
        ["erin", "mnist", "torch", "error", ERROR],
        ["reference:original", "mnist", "torch", "failed", REFERENCE_FAILURE],
    ]


def test_the_gradebook_counts_the_error_as_a_run_without_points(out):
    with open(out / "grades.csv", newline="") as handle:
        erin = next(row for row in csv.DictReader(handle) if row["student"] == "erin")
    assert (float(erin["total"]), float(erin["max_total"]), erin["failed runs"]) == (
        10.0,
        20.0,
        "1",
    )
    assert float(erin["mnist points"]) == 0.0


def test_the_student_page_and_gradescope_say_it_was_not_the_students_fault(out):
    page = (out / "students" / "erin.md").read_text()
    assert f"Status: error ({ERROR})" in page
    # Gradescope: no results.json (no score, never a zero and no failed test for the
    # student); the cause is kept for staff, whom run_autograder's failure alerts.
    folder = out / "gradescope" / "erin"
    assert not (folder / "results.json").exists()
    assert f"mnist/torch: {ERROR}" in (folder / "autograder_failure.txt").read_text()
