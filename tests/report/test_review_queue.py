"""The review queue: flagged runs with evidence, resolved by a staff file at report time."""

from __future__ import annotations

import csv
import json

import pytest
from report_factory import references, run, write_results

from harness.cli import main
from harness.errors import ConfigError
from harness.report import build_reports
from harness.report.review.resolutions import load_resolutions

HASH = "3f2a9c1b7d4e" + "0" * 52
EVIDENCE = "test accuracy 0.6960 is +0.1860 above its own validation accuracy 0.5100"


def flagged(name="mallory", **fields):
    values = dict(review=EVIDENCE, submission_hash=HASH, score=9.0)
    return run(name, **{**values, **fields})


def class_with_a_flag(tmp_path, unresolved="pending", resolutions="") -> None:
    assignment = tmp_path / "assignment.toml"
    assignment.write_text(f'[review]\nunresolved = "{unresolved}"\nresolutions = "{resolutions}"\n')
    records = references() + [flagged(assignment=str(assignment)), run("alice")]
    for record in records:
        record.assignment = str(assignment)
    write_results(tmp_path, records)


def resolve(tmp_path, body: str, name="resolutions.toml"):
    path = tmp_path / name
    path.write_text(body)
    return path


def grades(tmp_path) -> dict[str, dict]:
    with open(tmp_path / "grades.csv", newline="") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


def queue(tmp_path) -> list[dict]:
    return json.loads((tmp_path / "review.json").read_text())["items"]


def test_every_flagged_run_is_queued_with_its_evidence_in_csv_json_and_a_page(tmp_path):
    class_with_a_flag(tmp_path)
    build_reports(tmp_path)
    (item,) = queue(tmp_path)
    assert item["student"] == "mallory" and item["state"] == "open"
    assert item["submission"] == HASH[:12] and item["evidence"] == EVIDENCE
    with open(tmp_path / "review.csv", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["dataset"] == "fashion_mnist" and row["points"] == "9.0"
    assert "mallory" in (tmp_path / "review.html").read_text()
    assert float(grades(tmp_path)["mallory"]["total"]) == 9.0  # pending: counted


def test_withheld_points_stay_zero_until_staff_resolve_the_item(tmp_path):
    class_with_a_flag(tmp_path, "withheld")
    build_reports(tmp_path)
    assert float(grades(tmp_path)["mallory"]["total"]) == 0.0
    assert float(grades(tmp_path)["alice"]["total"]) == 10.0  # nobody else's points move
    assert (
        "withheld until reviewed (9 points computed)"
        in (tmp_path / "students" / "mallory.md").read_text()
    )
    resolve(
        tmp_path,
        f'[[resolution]]\nstudent = "mallory"\ndataset = "fashion_mnist"\nframework = "torch"\n'
        f'submission = "{HASH[:12]}"\ndecision = "keep"\nnote = "trained honestly"\n',
    )
    build_reports(tmp_path, resolutions=str(tmp_path / "resolutions.toml"))
    assert float(grades(tmp_path)["mallory"]["total"]) == 9.0
    assert queue(tmp_path)[0]["state"] == "resolved"


@pytest.mark.parametrize(
    ("given", "state"),
    [
        (HASH[:12], "resolved"),
        (HASH[:20], "resolved"),  # longer than the queue shows
        (HASH, "resolved"),  # the whole hash, as results.json holds it
        (HASH[:12] + "1" * 8, "stale"),  # the shown digits, then another folder's
    ],
)
def test_a_resolution_holds_for_any_prefix_of_the_folders_hash(tmp_path, given, state):
    class_with_a_flag(tmp_path, "withheld")
    pair = {"a": "alice", "b": "mallory", "evidence": "identical layer list and hyperparameters"}
    (tmp_path / "similarity.json").write_text(json.dumps({"pairs": [pair]}))
    resolve(
        tmp_path,
        f'[[resolution]]\nstudent = "mallory"\ndataset = "fashion_mnist"\nframework = "torch"\n'
        f'submission = "{given}"\ndecision = "keep"\n'
        f'[[resolution]]\nstudent = "mallory"\nsimilar_to = "alice"\n'
        f'submission = "{given}"\ndecision = "keep"\n',
    )
    build_reports(tmp_path, resolutions=str(tmp_path / "resolutions.toml"))
    items = {(i["student"], i["similar_to"]): i for i in queue(tmp_path)}
    assert items["mallory", ""]["state"] == items["mallory", "alice"]["state"] == state
    assert items["mallory", ""]["submission"] == HASH[:12]  # the queue shows 12 digits
    assert float(grades(tmp_path)["mallory"]["total"]) == (9.0 if state == "resolved" else 0.0)


def test_set_points_survive_a_rubric_edit_and_a_folder_change_reopens_the_item(tmp_path):
    class_with_a_flag(tmp_path, "withheld", "resolutions.toml")
    resolve(
        tmp_path,
        f'[[resolution]]\nstudent = "mallory"\ndataset = "fashion_mnist"\nframework = "torch"\n'
        f'submission = "{HASH[:8]}"\ndecision = "set"\npoints = 2.5\n',
    )
    build_reports(tmp_path)  # the assignment names the file
    assert float(grades(tmp_path)["mallory"]["total"]) == 2.5
    records = json.loads((tmp_path / "results.json").read_text())
    for record in records:  # a rescore under another rubric: other points, same item
        if record["submission"] == "mallory":
            record["score"], record["rubric_hash"] = 7.0, "another rubric"
    (tmp_path / "results.json").write_text(json.dumps(records))
    build_reports(tmp_path)
    assert float(grades(tmp_path)["mallory"]["total"]) == 2.5
    for record in records:  # the student edited the folder: the decision no longer holds
        if record["submission"] == "mallory":
            record["submission_hash"] = "ab" * 32
    (tmp_path / "results.json").write_text(json.dumps(records))
    build_reports(tmp_path)
    (item,) = queue(tmp_path)
    assert item["state"] == "stale" and "the folder changed" in item["note"]
    assert float(grades(tmp_path)["mallory"]["total"]) == 0.0  # withheld again


@pytest.mark.parametrize(
    ("body", "field", "received"),
    [
        (
            'student = "a"\ndataset = "d"\nframework = "f"\nsubmission = "3f2a9c1b"\n'
            'decision = "drop"',
            "decision",
            "'drop'",
        ),
        (
            'student = "a"\ndataset = "d"\nframework = "f"\nsubmission = "3f2a"\ndecision = "keep"',
            "submission",
            "'3f2a'",
        ),
        (
            'student = "a"\ndataset = "d"\nframework = "f"\nsubmission = "3f2a9c1b"\n'
            'decision = "set"\npoints = -1',
            "points",
            "-1",
        ),
        (
            'student = "a"\nsimilar_to = "b"\nsubmission = "3f2a9c1b"\ndecision = "set"\n'
            "points = 1",
            "decision",
            "'set'",
        ),
        ('student = "a"\nsubmission = "3f2a9c1b"\ndecision = "keep"', "dataset", "{}"),
        (
            'student = "a"\nsimilar_to = "b"\nsubmission = "3f2a9c1b"\ndecision = "keep"\n'
            "pionts = 1",
            "pionts",
            "'unknown'",
        ),
    ],
)
def test_a_bad_resolution_names_the_file_the_entry_the_field_and_what_was_received(
    tmp_path, body, field, received
):
    path = resolve(tmp_path, "[[resolution]]\n" + body + "\n")
    with pytest.raises(ConfigError) as caught:
        load_resolutions(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: resolution 1: {field}") and "expected" in message
    assert message.endswith(f"received {received}")


def test_points_above_the_runs_maximum_are_refused_before_any_report_changes(tmp_path, capsys):
    class_with_a_flag(tmp_path)
    path = resolve(
        tmp_path,
        f'[[resolution]]\nstudent = "mallory"\ndataset = "fashion_mnist"\nframework = "torch"\n'
        f'submission = "{HASH[:8]}"\ndecision = "set"\npoints = 12\n',
    )
    assert main(["report", "--out", str(tmp_path), "--resolutions", str(path)]) != 0
    err = capsys.readouterr().err
    assert "resolution 1: points: expected at most the run's maximum, 10, received 12.0" in err
    assert (tmp_path / "results.json").exists() and not (tmp_path / "grades.csv").exists()


def test_a_formula_in_a_student_id_or_evidence_is_inert_in_review_csv(tmp_path):
    records = references() + [flagged('=HYPERLINK("http://x","open")', review="-2+3")]
    write_results(tmp_path, records)
    build_reports(tmp_path)
    with open(tmp_path / "review.csv", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["student"].startswith("'=") and row["evidence"] == "'-2+3"


def test_similar_pairs_join_the_queue_and_never_change_points(tmp_path):
    class_with_a_flag(tmp_path, "withheld")
    pair = {"a": "alice", "b": "mallory", "evidence": "identical layer list and hyperparameters"}
    (tmp_path / "similarity.json").write_text(json.dumps({"pairs": [pair]}))
    build_reports(tmp_path)
    items = {(i["student"], i["similar_to"]): i for i in queue(tmp_path)}
    assert items["alice", "mallory"]["evidence"] == pair["evidence"]
    assert items["mallory", "alice"]["state"] == "open"
    assert float(grades(tmp_path)["alice"]["total"]) == 10.0  # a pair withholds nothing


def test_a_damaged_similarity_file_costs_its_pairs_never_the_reports(tmp_path, capsys):
    class_with_a_flag(tmp_path)
    (tmp_path / "similarity.json").write_text("[not json")
    build_reports(tmp_path)
    assert "not a similarity report" in capsys.readouterr().err
    assert [i["student"] for i in queue(tmp_path)] == ["mallory"]
