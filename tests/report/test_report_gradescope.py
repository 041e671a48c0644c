"""gradescope/<id>/results.json follows Gradescope's autograder specification.

The schema below is written from https://gradescope-autograders.readthedocs.io/en/latest/specs/
(jsonschema is not a dependency, so a small structural check stands in for it).
"""

from __future__ import annotations

import json

import pytest
from report_factory import write_results

from harness.report.gradescope import write_gradescope
from harness.report.records import ClassResults, load_records

VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}
NUMBER = (int, float)
TOP = {
    "score": NUMBER,
    "execution_time": NUMBER,
    "output": str,
    "visibility": str,
    "stdout_visibility": str,
    "extra_data": dict,
    "tests": list,
    "leaderboard": list,
    "output_format": str,
    "test_output_format": str,
    "test_name_format": str,
}
TEST = {
    "score": NUMBER,
    "max_score": NUMBER,
    "status": str,
    "name": str,
    "name_format": str,
    "number": str,
    "output": str,
    "output_format": str,
    "tags": list,
    "visibility": str,
    "extra_data": dict,
}
LEADER = {"name": str, "value": (int, float, str), "order": str}


def spec_problems(result) -> list[str]:
    """Every way ``result`` departs from the spec; empty when it conforms."""
    problems = _fields("top level", result, TOP)
    if "score" not in result and not all("score" in t for t in result.get("tests", [])):
        problems.append("a score is required at the top level or on every test")
    for key in ("visibility", "stdout_visibility"):
        if key in result and result[key] not in VISIBILITIES:
            problems.append(f"{key}: {result[key]!r} is not a visibility")
    for i, test in enumerate(result.get("tests", [])):
        problems += _fields(f"tests[{i}]", test, TEST)
        if test.get("status", "passed") not in ("passed", "failed"):
            problems.append(f"tests[{i}].status must be passed or failed")
        if test.get("visibility", "visible") not in VISIBILITIES:
            problems.append(f"tests[{i}].visibility is not a visibility")
    for i, entry in enumerate(result.get("leaderboard", [])):
        problems += _fields(f"leaderboard[{i}]", entry, LEADER, required=("name", "value"))
        if entry.get("order", "desc") not in ("asc", "desc"):
            problems.append(f"leaderboard[{i}].order must be asc or desc")
    return problems


def _fields(where, obj, types, required=()) -> list[str]:
    if not isinstance(obj, dict):
        return [f"{where}: expected an object"]
    problems = [f"{where}: unknown key {k!r}" for k in obj if k not in types]
    problems += [
        f"{where}.{k}: wrong type {type(v).__name__}"
        for k, v in obj.items()
        if k in types and (not isinstance(v, types[k]) or isinstance(v, bool))
    ]
    return problems + [f"{where}: missing {k!r}" for k in required if k not in obj]


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
