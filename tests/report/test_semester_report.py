"""Deadlines, visibility and the leaderboard applied by `report`: only affected rows change."""

from __future__ import annotations

import csv
import json
import os

import pytest
from gradescope_spec import spec_problems
from report_factory import references, run, write_results

from harness.report import build_reports, plots
from harness.report.gradescope import gradescope_result
from harness.report.records import ClassResults, load_records
from harness.report.semester import load_semester

DUE = "2026-10-09T23:59:00-07:00"  # 2026-10-10 06:59 UTC
BEFORE, AFTER = "2026-10-05T12:00:00Z", "2026-11-01T00:00:00Z"
TIMES = (
    "student,submitted_at\n"
    "alice,2026-10-09T23:59:00-07:00\n"  # exactly at the deadline
    "bob,2026-10-10T10:00:00+02:00\n"  # 1 h 1 min late
    "carol,2026-10-11T09:00:00Z\n"  # 26 h 1 min late: two started days
)
HOSTILE = "<img src=x onerror=alert(1)>"


def _toml(due=DUE, visibility="", leaderboard="false") -> str:
    return (
        f'[deadline]\ndue = "{due}"\nlate_window_hours = 72\npenalty_percent = 10\n'
        'extensions = "extensions.csv"\nsubmitted_at = "times.csv"\n'
        f"[visibility]\n{visibility}\n[leaderboard]\nenabled = {leaderboard}\n"
    )


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A graded class (records only; nothing trains) and its staff files."""
    monkeypatch.setattr(plots, "available", lambda: False)  # charts are not under test
    records = references() + [
        run("alice"),
        run("bob", score=8.0, score_breakdown={"accuracy": 6.0, "throughput": 2.0}),
        run("carol", test_accuracy=0.80, score=5.0),
        run(HOSTILE, test_accuracy=0.86, score=9.0),
    ]
    out = tmp_path / "out"
    out.mkdir()
    write_results(out, records)
    (tmp_path / "assignment.toml").write_text(_toml())
    (tmp_path / "extensions.csv").write_text("student,extra_hours\n")
    (tmp_path / "times.csv").write_text(TIMES)
    return tmp_path


def _report(course, as_of=AFTER) -> dict:
    options = {"assignment_file": str(course / "assignment.toml"), "as_of": as_of}
    build_reports(course / "out", semester=options)
    with open(course / "out" / "grades.csv") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


def test_the_penalty_is_its_own_line_in_grades_late_json_and_gradescope(course):
    rows = _report(course)
    assert [rows[s]["late_penalty"] for s in ("alice", "bob", "carol")] == ["0.0", "-0.8", "-1.0"]
    assert (rows["carol"]["total"], rows["carol"]["final"]) == ("5.0", "4.0")
    late = {row["student"]: row for row in json.loads((course / "out" / "late.json").read_text())}
    assert late["carol"]["penalty_percent"] == 20.0 and late["alice"]["why"] == ""
    bob = json.loads((course / "out" / "gradescope" / "bob" / "results.json").read_text())
    penalty = bob["tests"][-1]
    assert (penalty["name"], penalty["score"], bob["score"]) == ("Late penalty", -0.8, 7.2)
    summary = (course / "out" / "summary.md").read_text()
    assert "Late or undated submissions (3)" in summary  # bob, carol, and the hostile id
    assert "no submission time known" in summary
    html = (course / "out" / "summary.html").read_text()
    assert HOSTILE not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_one_extension_changes_only_that_students_rows_and_retrains_nothing(course):
    before = _report(course)
    runs = (course / "out" / "results.json").read_bytes()
    gradescope = {
        s: (course / "out" / "gradescope" / s / "results.json").read_text()
        for s in ("alice", "bob")
    }
    (course / "extensions.csv").write_text("student,extra_hours\ncarol,48\n")
    after = _report(course)
    changed = {s for s in before if before[s] != after[s]}
    assert changed == {"carol"}
    assert (after["carol"]["late_penalty"], after["carol"]["final"]) == ("0.0", "5.0")
    assert (course / "out" / "results.json").read_bytes() == runs  # no record touched
    for student, text in gradescope.items():
        assert (course / "out" / "gradescope" / student / "results.json").read_text() == text


def test_moving_the_due_date_changes_the_rows_it_moves(course):
    before = _report(course)
    (course / "assignment.toml").write_text(_toml(due="2026-10-10T23:59:00-07:00"))
    after = _report(course)
    points = ("late_penalty", "final")  # every row's "due" column says the new date
    moved = {s for s in before if any(before[s][k] != after[s][k] for k in points)}
    assert moved == {"bob", "carol"}  # the only two whose standing a day later changes
    assert after["bob"]["late_penalty"] == "0.0" and after["carol"]["late_penalty"] == "-0.5"


def test_before_the_deadline_a_student_page_hides_the_points_and_says_until_when(course):
    _report(course, as_of=BEFORE)
    page = (course / "out" / "students" / "alice.md").read_text()
    assert "Hidden until 2026-10-13 06:59 UTC (your deadline and late window)" in page
    assert "accuracy points and every figure from the held-out test set" in page
    assert "not your grade: the rest is hidden, not passed" in page
    assert "Points: " not in page and "Test accuracy" not in page and "Examples" not in page
    assert "10/10" not in page and "hidden until 2026-10-13 06:59 UTC" in page
    assert "Budget:" in page  # what the student may see before the deadline stays
    _report(course, as_of=AFTER)
    page = (course / "out" / "students" / "alice.md").read_text()
    assert "Hidden " not in page and "Points: 10/10" in page and "Test accuracy: 0.8800" in page
    bob = (course / "out" / "students" / "bob.md").read_text()
    assert "| late penalty " in bob and "| -0.8 (10%) " in bob and "| 7.2/10 " in bob


INTERVAL = {
    "measured": True,
    "seeds": [0, 1],
    "reference_seeds": [0, 1, 2],
    "accuracy_difference": {"mean": 0.031, "low": 0.008, "high": 0.054, "seeds": 5},
    "throughput_ratio": {"mean": 0.39, "low": 0.33, "high": 0.47, "seeds": 5},
    "clear": True,
}
EXPLAINED = {
    "student": "alice",
    "dataset": "fashion_mnist",
    "framework": "torch",
    "against": "starter",
    "seeds_used": [0, 1],
    "changes": [{"text": "filters 16 -> 50"}],
    "effects": {
        "change 0": {
            "accuracy": {"mean": 3.1, "low": 0.8, "high": 5.4, "seeds": 2},
            "speed": {"mean": 0.39, "low": 0.33, "high": 0.47, "seeds": 2},
        }
    },
    "direct": {"accuracy": 3.1, "speed": 0.39},
}
RATE_FIGURES = ("Throughput:", "x the reference", "Examples", "0.39x", "0.33", "-61%")
RATE_FIGURES += ("Rubric decision",)
ACCURACY_FIGURES = ("Accuracy vs reference", "+3.1", "Which change did what", "Test accuracy")


def _interval_course(course):
    records = load_records(course / "out" / "results.json")
    alice = next(r for r in records if r.submission == "alice")
    alice.interval = INTERVAL
    write_results(course / "out", records)
    (course / "out" / "explanations.json").write_text(json.dumps([EXPLAINED]))


def _alice_pages(course) -> list[str]:
    pages = course / "out" / "students"
    return [(pages / "alice.md").read_text(), (pages / "alice.html").read_text()]


@pytest.mark.parametrize(
    ("accuracy", "hidden"),
    [("after_due_date", RATE_FIGURES + ACCURACY_FIGURES), ("visible", RATE_FIGURES)],
)
def test_before_the_deadline_no_line_tells_a_hidden_criterions_figure(course, accuracy, hidden):
    """The interval against the reference's seeds and the explanation carry accuracy and
    throughput figures: each hidden with its criterion (and Gradescope's tests with theirs)."""
    _interval_course(course)
    visibility = f'accuracy = "{accuracy}"\nthroughput = "after_due_date"\n'
    (course / "assignment.toml").write_text(_toml(visibility=visibility))
    _report(course, as_of=BEFORE)
    for page in _alice_pages(course):
        assert [f for f in hidden if f in page] == []
        assert ("Accuracy vs reference: +3.1 points" in page) == (accuracy == "visible")
    result = json.loads((course / "out" / "gradescope" / "alice" / "results.json").read_text())
    tests = {t["name"].split(": ")[-1]: t for t in result["tests"]}
    assert tests["throughput"]["visibility"] == "after_due_date"
    assert [f for f in ("0.39", "Accuracy vs", "+3.1") if f in result["output"]] == []
    _report(course, as_of=AFTER)
    for page in _alice_pages(course):
        for figure in ("Throughput: 0.39x the reference", "Which change did what"):
            assert figure in page
        assert "Rubric decision: clear of its boundaries" in page


def test_moving_the_deadline_later_removes_the_pages_that_showed_the_test_set(course):
    _report(course, as_of=AFTER)
    charts = course / "out" / "students" / "alice"
    charts.mkdir(exist_ok=True)
    (charts / "fashion_mnist-torch-confusion.png").write_bytes(b"png")
    (charts / "explore.html").write_text("test images and predictions")
    (course / "assignment.toml").write_text(_toml(due="2026-12-09T23:59:00-07:00"))
    _report(course, as_of=AFTER)
    assert not charts.exists()


def test_an_extension_keeps_that_students_results_hidden_longer(course):
    (course / "extensions.csv").write_text("student,extra_hours\nbob,100\n")
    _report(course, as_of="2026-10-14T00:00:00Z")  # after the class's window, not bob's
    assert "Hidden " not in (course / "out" / "students" / "alice.md").read_text()
    assert (
        "Hidden until 2026-10-17 10:59 UTC" in (course / "out" / "students" / "bob.md").read_text()
    )


@pytest.mark.parametrize("trains", ["visible", "after_due_date", "after_published", "hidden"])
@pytest.mark.parametrize("points", ["visible", "after_due_date", "after_published"])
def test_gradescope_output_of_every_visibility_setting_follows_the_spec(course, trains, points):
    visibility = f'trains = "{trains}"\naccuracy = "{points}"\nthroughput = "{points}"\n'
    (course / "assignment.toml").write_text(_toml(visibility=visibility, leaderboard="true"))
    records = load_records(course / "out" / "results.json")
    semester = load_semester(records, str(course / "assignment.toml"), as_of=AFTER)
    results = ClassResults(records, {}, semester)
    for student in results.students:
        result = gradescope_result(results, student)
        assert spec_problems(result) == [], (student, trains, points)
        tests = {t["name"].split(": ")[-1]: t["visibility"] for t in result["tests"]}
        assert tests["builds and trains"] == trains and tests["throughput"] == points
        totals_said = f"{result['score']:g}/" in result["output"]
        assert totals_said == (trains == points == "visible")


def test_no_leaderboard_by_default(course):
    _report(course)
    assert not (course / "out" / "leaderboard.html").exists()
    assert "leaderboard" not in json.loads(
        (course / "out" / "gradescope" / "alice" / "results.json").read_text()
    )


def test_the_leaderboard_opens_after_the_deadline_pseudonymous_and_stable(course):
    (course / "assignment.toml").write_text(_toml(leaderboard="true"))
    _report(course, as_of=BEFORE)
    page = (course / "out" / "leaderboard.md").read_text()
    assert "The leaderboard opens after 2026-10-13 06:59 UTC" in page and "alice" not in page
    assert "leaderboard" not in json.loads(
        (course / "out" / "gradescope" / "alice" / "results.json").read_text()
    )
    _report(course, as_of=AFTER)
    page = (course / "out" / "leaderboard.md").read_text()
    html = (course / "out" / "leaderboard.html").read_text()
    for student in ("alice", "bob", "carol", HOSTILE, "onerror"):
        assert student not in page and student not in html
    ranked = [line.split("|")[1:5] for line in page.splitlines() if line.startswith("| 1")]
    assert len(ranked) == 2  # alice and bob tie at the reference's accuracy on fashion_mnist
    key = course / "leaderboard.secret"
    assert oct(os.stat(key).st_mode & 0o777) == "0o600"
    _report(course, as_of=AFTER)
    assert (course / "out" / "leaderboard.md").read_text() == page  # stable pseudonyms
    mine = (course / "out" / "students" / "alice.md").read_text()
    own = mine.split("Your name on the class leaderboard: ")[1].split(".")[0]
    assert f"| {own} " in page
    board = json.loads((course / "out" / "gradescope" / "alice" / "results.json").read_text())
    assert board["leaderboard"] == [
        {"name": "fashion_mnist test accuracy", "value": 0.88, "order": "desc"}
    ]


def test_gradescope_metadata_gives_the_uploads_time_and_its_penalty(tmp_path):
    """What an autograder run builds: the assignment named in the records, the upload's
    created_at read from submission_metadata.json at an absolute path."""
    metadata = tmp_path / "submission_metadata.json"
    metadata.write_text(json.dumps({"id": 1, "created_at": "2026-10-10T01:00:00-07:00"}))
    toml = tmp_path / "assignment.toml"
    toml.write_text(
        f'[deadline]\ndue = "{DUE}"\nlate_window_hours = 48\n'
        f'submitted_at = "gradescope:{metadata}"\n'
    )
    write_results(tmp_path, references() + [run("submission", assignment=str(toml))])
    build_reports(tmp_path, only_gradescope=True)
    result = json.loads((tmp_path / "gradescope" / "submission" / "results.json").read_text())
    assert spec_problems(result) == []
    assert result["tests"][-1]["name"] == "Late penalty" and result["score"] == 9.0
    # An extension listed under the student's e-mail reaches the upload graded as "submission"
    users = [{"email": "ada@uni.example", "id": 1234, "name": "Ada"}]
    created = "2026-10-10T01:00:00-07:00"
    metadata.write_text(json.dumps({"id": 1, "created_at": created, "users": users}))
    (tmp_path / "extensions.csv").write_text("student,extra_hours\nada@uni.example,24\n")
    toml.write_text(toml.read_text() + 'extensions = "extensions.csv"\n')
    build_reports(tmp_path, only_gradescope=True)
    result = json.loads((tmp_path / "gradescope" / "submission" / "results.json").read_text())
    assert result["score"] == 10.0 and result["tests"][-1]["name"] != "Late penalty"


def test_report_command_options_and_a_bad_time_naming_the_option(course, capsys):
    from harness.cli import main

    out, toml = str(course / "out"), str(course / "assignment.toml")
    args = ["report", "--out", out, "--assignment", toml]
    assert main([*args, "--as-of", "2026-10-05T12:00:00Z"]) == 0
    assert "late:          " in capsys.readouterr().out
    assert main([*args, "--as-of", "tomorrow"]) == 2
    assert "command line: --as-of: expected an ISO 8601 time" in capsys.readouterr().err
    (course / "stamps.csv").write_text("student,submitted_at\nalice,2026-10-20T00:00:00Z\n")
    assert main([*args, "--as-of", AFTER, "--submitted-at", str(course / "stamps.csv")]) == 0
    assert "1 late (alice -10)" in capsys.readouterr().out


def test_after_published_opens_when_staff_publish_not_at_a_date(course):
    hold = 'accuracy = "after_published"\nthroughput = "after_published"\n'
    (course / "assignment.toml").write_text(_toml(visibility=hold))
    _report(course, as_of=AFTER)
    page = (course / "out" / "students" / "alice.md").read_text()
    assert "Hidden until the staff publish the grades: accuracy points" in page
    (course / "assignment.toml").write_text(_toml(visibility=hold + "published = true\n"))
    _report(course, as_of=AFTER)
    assert "Hidden " not in (course / "out" / "students" / "alice.md").read_text()


def test_points_a_review_changed_are_a_test_of_their_own_so_the_tests_add_up(course):
    records = load_records(course / "out" / "results.json")
    held = next(r for r in records if r.submission == "alice")
    held.score = 0.0  # withheld until reviewed, as the review queue applies it
    held.score_breakdown = {**held.score_breakdown, "review": "withheld until reviewed"}
    result = gradescope_result(ClassResults(records), "alice")
    assert spec_problems(result) == []
    review = result["tests"][-1]
    assert (review["name"], review["score"]) == ("fashion_mnist (torch): staff review", -10.0)
    assert sum(t["score"] for t in result["tests"]) == result["score"] == 0.0
