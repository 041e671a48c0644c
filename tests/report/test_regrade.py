"""The regrade diff: what changed per student since the last build of the reports, and why."""

from __future__ import annotations

import csv
import json

from report_factory import references, run, write_results

from harness.report import build_reports
from harness.report.regrade import compare, keep_earlier, snapshot


def class_snapshot(**changes) -> dict:
    """alice and bob, one run each; ``changes``: fields of bob's run."""
    records = [
        *references(),
        run("alice", submission_hash="a1", rubric_hash="r1", finished_at="t1"),
        run(
            "bob", **{"submission_hash": "b1", "rubric_hash": "r1", "finished_at": "t1", **changes}
        ),
    ]
    totals = {r.submission: r.score for r in records if not r.is_reference}
    return snapshot(records, totals)


def test_a_rubric_only_change_names_the_rubric_and_retrains_nothing():
    result = compare(class_snapshot(), class_snapshot(score=7.5, rubric_hash="r2"))
    (row,) = result.rows
    assert (row["student"], row["old_total"], row["new_total"]) == ("bob", 10.0, 7.5)
    assert (
        row["why"] == "rubric changed" and row["runs"] == "fashion_mnist/torch 10 -> 7.5 (passed)"
    )
    assert result.retrained == 0 and result.reused == 6
    assert result.summary() == (
        "regrade: 1 of 2 students changed (0 up, 1 down, net -2.5 points); 0 run(s) retrained, "
        "6 reused; why: rubric changed 1"
    )


def test_an_edited_submission_is_named_and_counted_as_retrained():
    edited = class_snapshot(submission_hash="b2", finished_at="t2", status="failed", score=0.0)
    (row,) = compare(class_snapshot(), edited).rows
    assert row["why"] == "submission edited"
    assert (row["old_status"], row["new_status"]) == ("passed", "1 run(s) not passed")
    assert compare(class_snapshot(), edited).retrained == 1


def test_bars_environment_and_unchanged_points_are_told_apart():
    bars = class_snapshot(reference_test_accuracy=0.9, score=9.0)
    assert compare(class_snapshot(), bars).rows[0]["why"].startswith("bars changed")
    env = class_snapshot(environment_hash="e2", finished_at="t2", score=9.0)
    assert compare(class_snapshot(), env).rows[0]["why"].startswith("environment changed")
    same_points = class_snapshot(finished_at="t2")  # run again, same points: no row
    assert compare(class_snapshot(), same_points).rows == []


def test_the_second_build_writes_regrade_csv_and_prints_the_summary(tmp_path, capsys):
    write_results(tmp_path, [*references(), run("alice", rubric_hash="r1")])
    build_reports(tmp_path)
    assert "no earlier grading" in capsys.readouterr().out
    assert not (tmp_path / "regrade.csv").exists()
    records = json.loads((tmp_path / "results.json").read_text())
    records[-1].update(score=6.0, rubric_hash="r2")
    (tmp_path / "results.json").write_text(json.dumps(records))
    build_reports(tmp_path)
    assert (
        "regrade: 1 of 1 students changed (0 up, 1 down, net -4 points)" in capsys.readouterr().out
    )
    with open(tmp_path / "regrade.csv", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert (row["old_total"], row["new_total"], row["why"]) == ("10.0", "6.0", "rubric changed")


def test_every_round_of_a_grading_compares_with_the_grading_before_it(tmp_path, capsys):
    """A grading rebuilds the reports after each round (more seeds, --explain): the diff
    of the last is the previous grading's points against this grading's, not round 1's."""
    write_results(tmp_path, [*references(), run("alice", rubric_hash="r1")])
    build_reports(tmp_path)  # the previous grading: 10 points
    earlier = keep_earlier(tmp_path, tmp_path / "points-before.json")
    for score in (8.0, 6.0):  # round 1, then round 2 with one more seed
        write_results(tmp_path, [*references(), run("alice", rubric_hash="r2", score=score)])
        build_reports(tmp_path, earlier_points=earlier)
    assert capsys.readouterr().out.count("regrade: 1 of 1 students changed") == 2
    with open(tmp_path / "regrade.csv", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert (row["old_total"], row["new_total"]) == ("10.0", "6.0")


def test_a_first_grading_in_several_rounds_has_nothing_to_compare(tmp_path, capsys):
    earlier = keep_earlier(tmp_path, tmp_path / "points-before.json")
    for score in (8.0, 6.0):
        write_results(tmp_path, [*references(), run("alice", score=score)])
        build_reports(tmp_path, earlier_points=earlier)
    assert capsys.readouterr().out.count("no earlier grading") == 2
    assert not (tmp_path / "regrade.csv").exists()
