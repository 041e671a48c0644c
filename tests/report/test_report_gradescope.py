"""gradescope/<id>/results.json follows Gradescope's autograder specification
(``tests/gradescope_spec.py``)."""

from __future__ import annotations

import json

import pytest
from gradescope_spec import spec_problems
from report_factory import write_results

from harness.report.gradescope import write_gradescope
from harness.report.records import ClassResults, load_records


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("gradescope")
    records = load_records(write_results(out))  # through results.json, as `report` reads it
    write_gradescope(ClassResults(records), out)
    return {
        p.parent.name: json.loads(p.read_text())
        for p in sorted((out / "gradescope").glob("*/results.json"))
    }


def test_every_student_gets_a_file_that_follows_the_spec(results):
    assert sorted(results) == ["alice", "bob", "carol", "dave"]
    for student, result in results.items():
        assert spec_problems(result) == [], student


def test_the_validator_rejects_what_gradescope_would(results):
    broken = dict(results["alice"], visibility="public", tests=[{"status": "ok", "score": "1"}])
    found = spec_problems(broken)
    assert "visibility: 'public' is not a visibility" in found
    assert "tests[0].status must be passed or failed" in found
    assert "tests[0].score: wrong type str" in found


def test_scores_three_tests_per_dataset_one_per_criterion_and_the_total(results):
    bob = results["bob"]
    assert bob["score"] == 15.5
    assert [(t["name"], t["score"], t["max_score"], t["visibility"]) for t in bob["tests"]] == [
        ("mnist (torch): builds and trains", 0.0, 0.0, "visible"),
        ("mnist (torch): accuracy (held-out test set)", 5.0, 8.0, "after_due_date"),
        ("mnist (torch): throughput", 2.0, 2.0, "after_due_date"),
        ("fashion_mnist (jax): builds and trains", 0.0, 0.0, "visible"),
        ("fashion_mnist (jax): accuracy (held-out test set)", 7.0, 8.0, "after_due_date"),
        ("fashion_mnist (jax): throughput", 1.5, 2.0, "after_due_date"),
    ]
    assert "also ran in torch: passed (not counted)" in bob["tests"][3]["output"]
    assert bob["execution_time"] == 36  # three runs of 12 s


def test_a_failed_run_is_a_failed_test_with_its_reason(results):
    test = next(t for t in results["carol"]["tests"] if t["name"].startswith("fashion_mnist"))
    assert (test["status"], test["score"]) == ("failed", 0.0)
    assert "loss is NaN at batch 40" in test["output"]


def test_no_leaderboard_unless_the_assignment_enables_one(results):
    assert not any("leaderboard" in result for result in results.values())


def test_the_overall_output_never_states_a_total_while_points_are_hidden(results):
    """The held-out points are after_due_date by default: the student is told until when,
    never a total (nor "all passed") that Gradescope itself would hide."""
    output = results["alice"]["output"]
    assert "accuracy results are shown after the due date" in output
    assert "points you see are not your grade" in output
    assert "20/20" not in output and "passed" not in output.split("\n")[0]
