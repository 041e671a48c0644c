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


def test_scores_one_test_per_dataset_and_the_total(results):
    bob = results["bob"]
    assert bob["score"] == 15.5
    assert [(t["name"], t["score"], t["max_score"]) for t in bob["tests"]] == [
        ("mnist (torch)", 7.0, 10.0),
        ("fashion_mnist (jax)", 8.5, 10.0),
    ]
    assert "also ran in torch: passed, 6/10 points (not counted)" in bob["tests"][1]["output"]
    assert bob["execution_time"] == 36  # three runs of 12 s


def test_a_failed_run_is_a_failed_test_with_its_reason(results):
    test = next(t for t in results["carol"]["tests"] if t["name"].startswith("fashion_mnist"))
    assert (test["status"], test["score"]) == ("failed", 0.0)
    assert "loss is NaN at batch 40" in test["output"]


def test_leaderboard_has_accuracy_and_throughput_per_dataset(results):
    board = {e["name"]: e for e in results["alice"]["leaderboard"]}
    assert board["fashion_mnist accuracy"] == {
        "name": "fashion_mnist accuracy",
        "value": 0.88,
        "order": "desc",
    }
    assert board["mnist examples/sec"]["value"] == 4000.0
