"""Scoring stored records against their references, with points worked out by hand.

The default rubric gives 10 points per dataset: 8 for accuracy (full from reference - 0.02,
none at reference - 0.2) and 2 for throughput (full from 0.5x the reference, none at 0.05x).
The reference here reaches 0.9 at 1000 examples/sec.
"""

from __future__ import annotations

import dataclasses

import pytest

from harness.config import Rubric
from harness.grading.scores import score_records, summary_table
from harness.results.record import RunRecord

RUBRIC = Rubric()


def reference(dataset="mnist", framework="torch", **fields) -> RunRecord:
    values = dict(status="passed", reference="original", test_accuracy=0.9, examples_per_sec=1000.0)
    return RunRecord("reference:original", dataset, framework, **{**values, **fields})


def student(name="alice", dataset="mnist", framework="torch", **fields) -> RunRecord:
    values = dict(status="passed", test_accuracy=0.88, examples_per_sec=500.0)
    return RunRecord(name, dataset, framework, **{**values, **fields})


def scored(*records: RunRecord, rubric: Rubric = RUBRIC) -> dict[str, RunRecord]:
    return {r.submission: r for r in score_records(list(records), rubric)}


@pytest.mark.parametrize(
    "accuracy, rate, points",
    [
        (0.88, 500.0, (8.0, 2.0)),  # exactly at reference - tolerance and at the full ratio
        (0.95, 2000.0, (8.0, 2.0)),  # above both: no extra credit
        (0.7, 50.0, (0.0, 0.0)),  # exactly at reference - floor and at the zero ratio
        (0.79, 275.0, (4.0, 1.0)),  # half way on both ramps: (0.79-0.7)/0.18, (0.275-0.05)/0.45
        (0.745, 95.0, (2.0, 0.2)),  # a quarter and a tenth of the way
        (0.5, 10.0, (0.0, 0.0)),  # below both
        (float("nan"), 500.0, (0.0, 2.0)),  # an accuracy that is not a number earns nothing
    ],
)
def test_points_of_a_passed_run(accuracy, rate, points):
    record = scored(reference(), student(test_accuracy=accuracy, examples_per_sec=rate))["alice"]
    accuracy_points, throughput_points = points
    assert record.score_breakdown["accuracy"] == pytest.approx(accuracy_points, abs=1e-9)
    assert record.score_breakdown["throughput"] == pytest.approx(throughput_points, abs=1e-9)
    assert record.score == pytest.approx(accuracy_points + throughput_points, abs=1e-9)
    assert record.max_score == 10.0 and record.status == "passed"
    assert (record.reference_test_accuracy, record.reference_examples_per_sec) == (0.9, 1000.0)


def test_a_passed_run_without_examples_per_sec_gets_no_throughput_points():
    record = scored(reference(), student(examples_per_sec=None))["alice"]
    assert (
        record.score,
        record.score_breakdown["accuracy"],
        record.score_breakdown["throughput"],
    ) == (8.0, 8.0, 0.0)
    assert "throughput 0/s = 0.00x the reference" in record.score_breakdown["why"]


def test_a_reference_without_examples_per_sec_gives_no_throughput_points():
    record = scored(reference(examples_per_sec=None), student())["alice"]
    assert (record.score, record.score_breakdown["throughput"]) == (8.0, 0.0)


def test_points_follow_the_rubric_in_exact_binary_fractions():
    rubric = dataclasses.replace(
        RUBRIC,
        points_per_dataset=16.0,
        accuracy_share=0.75,
        accuracy_tolerance=0.0625,
        accuracy_floor=0.25,
        throughput_full_ratio=1.0,
        throughput_zero_ratio=0.5,
    )
    # full at 0.875 - 0.0625 = 0.8125, none at 0.625: 0.71875 is half way -> 6 of 12;
    # 750/1000 = 0.75 is half way from 0.5 to 1 -> 2 of 4.
    record = scored(
        reference(test_accuracy=0.875),
        student(test_accuracy=0.71875, examples_per_sec=750.0),
        rubric=rubric,
    )["alice"]
    assert (record.score, record.max_score) == (8.0, 16.0)
    assert record.score_breakdown["accuracy"] == 6.0 and record.score_breakdown["throughput"] == 2.0


def test_a_failed_run_gets_zero_with_its_reason_and_the_reference_figures():
    record = scored(
        reference(),
        student(
            status="failed",
            reason="loss is NaN at batch 40",
            test_accuracy=None,
            examples_per_sec=None,
        ),
    )["alice"]
    assert (record.status, record.score, record.max_score) == ("failed", 0.0, 10.0)
    assert record.score_breakdown == {
        "accuracy": 0.0,
        "throughput": 0.0,
        "why": "run failed: loss is NaN at batch 40",
    }
    assert record.reference_test_accuracy == 0.9


def test_without_a_reference_a_passed_run_is_an_error_of_ours_not_a_zero():
    record = scored(student())["alice"]
    assert (record.status, record.score, record.max_score) == ("error", 0.0, 10.0)
    assert record.reason == "reference run for mnist/torch is missing"
    assert record.reference_test_accuracy is None


def test_a_failed_reference_makes_its_students_runs_errors_naming_why():
    records = scored(
        reference(status="failed", reason="timed out after 1800 s", test_accuracy=None), student()
    )
    assert (records["alice"].status, records["alice"].score) == ("error", 0.0)
    assert records["alice"].reason == (
        "reference run for mnist/torch failed: timed out after 1800 s"
    )
    assert records["alice"].score_breakdown["why"] == (
        "run failed: reference run for mnist/torch failed: timed out after 1800 s"
    )
    assert records["alice"].reference_test_accuracy is None


def test_each_run_is_measured_against_the_reference_of_its_own_dataset_and_framework():
    records = score_records(
        [
            reference("mnist", "torch"),
            reference("mnist", "jax", examples_per_sec=4000.0),
            reference("cifar10", "torch", test_accuracy=0.6),
            student("alice", "mnist", "jax", examples_per_sec=1000.0),
            student("alice", "cifar10", "torch", test_accuracy=0.58),
        ],
        RUBRIC,
    )
    alice = {(r.dataset, r.framework): r for r in records if not r.is_reference}
    # jax: 1000/4000 = 0.25x -> (0.25-0.05)/0.45 of 2 points = 0.889 (rounded to 3 places)
    assert alice["mnist", "jax"].score == 8.889
    assert alice["cifar10", "torch"].score == 10.0
    assert alice["cifar10", "torch"].reference_test_accuracy == 0.6


def test_references_come_first_and_are_not_scored():
    records = score_records([student("bob"), student("alice"), reference()], RUBRIC)
    assert [r.submission for r in records] == ["reference:original", "alice", "bob"]
    assert (records[0].score, records[0].max_score, records[0].score_breakdown) == (0.0, 0.0, {})


def test_a_student_named_like_a_reference_is_graded_as_a_student():
    # Whether a record is a reference is its ``reference`` field, which only the parent sets.
    records = score_records([reference(), student("reference:original")], RUBRIC)
    assert [(r.is_reference, r.score, r.max_score) for r in records] == [
        (True, 0.0, 0.0),
        (False, 10.0, 10.0),
    ]


def test_summary_table_has_one_line_per_run():
    long_reason = "x" * 70
    lines = summary_table(
        score_records(
            [
                reference(),
                student(),
                student(
                    "bob",
                    status="failed",
                    reason=long_reason,
                    test_accuracy=None,
                    examples_per_sec=None,
                ),
            ],
            RUBRIC,
        )
    ).splitlines()
    assert lines[0].split() == [
        "submission",
        "dataset",
        "framework",
        "status",
        "accuracy",
        "examples/s",
        "ex/CPU-s",
        "points",
        "reason",
    ]
    assert lines[2].split() == [
        "reference:original",
        "mnist",
        "torch",
        "passed",
        "0.9000",
        "1000",
        "-",
        "0/0",
    ]
    assert lines[3].split() == [
        "alice",
        "mnist",
        "torch",
        "passed",
        "0.8800",
        "500",
        "-",
        "10/10",
    ]
    assert lines[4].split() == [
        "bob",
        "mnist",
        "torch",
        "failed",
        "-",
        "-",
        "-",
        "0/10",
        "x" * 60 + "...",
    ]
