"""The rubric as pure functions: points from figures, no training."""

import dataclasses

import pytest

from harness.config import Rubric
from harness.grading.rubric import accuracy_credit, failed_grade, grade_run, throughput_credit

RUBRIC = Rubric()


def test_full_points_at_or_above_reference_minus_tolerance():
    grade = grade_run(0.90, 1000.0, 0.91, 1000.0, RUBRIC)
    assert grade.score == pytest.approx(10.0)
    assert grade.accuracy_points == pytest.approx(8.0)


def test_accuracy_credit_is_linear_between_floor_and_tolerance():
    # reference 0.9: none at 0.7, full at 0.88, half way at 0.79
    assert accuracy_credit(0.70, 0.9, RUBRIC) == 0.0
    assert accuracy_credit(0.79, 0.9, RUBRIC) == pytest.approx(0.5)
    assert accuracy_credit(0.95, 0.9, RUBRIC) == 1.0


def test_throughput_credit_from_ratio_to_reference():
    assert throughput_credit(500.0, 1000.0, RUBRIC) == 1.0
    assert throughput_credit(50.0, 1000.0, RUBRIC) == 0.0
    assert throughput_credit(275.0, 1000.0, RUBRIC) == pytest.approx(0.5)
    assert throughput_credit(100.0, 0.0, RUBRIC) == 0.0


def test_nan_accuracy_gets_nothing():
    assert accuracy_credit(float("nan"), 0.9, RUBRIC) == 0.0


def test_points_follow_rubric_overrides():
    rubric = dataclasses.replace(RUBRIC, points_per_dataset=20.0, accuracy_share=0.5)
    grade = grade_run(0.5, 10.0, 0.9, 1000.0, rubric)
    assert grade.max_score == 20.0
    assert grade.score == 0.0
    assert "0.5000" in grade.why and "0.01x" in grade.why


def test_failed_run_scores_zero_with_reason():
    grade = failed_grade("exceeded the time limit of 10 s", RUBRIC)
    assert grade.score == 0.0 and grade.max_score == 10.0
    assert "time limit" in grade.why


def test_runs_sharing_a_gpu_split_its_memory():
    from harness.grading.command import shared_gpu_memory_fraction

    assert shared_gpu_memory_fraction(0, 4) is None  # no GPU
    assert shared_gpu_memory_fraction(2, 2) is None  # one card each
    assert shared_gpu_memory_fraction(1, 2) == pytest.approx(0.45)
    assert shared_gpu_memory_fraction(2, 5) == pytest.approx(0.3)  # three runs on one card


def test_default_jobs_one_per_gpu_else_one_per_core_that_memory_allows(monkeypatch):
    from harness import host
    from harness.config import Assignment
    from harness.grading import command

    assignment = Assignment()  # 8 GiB per run
    monkeypatch.setattr(host, "usable_cpus", lambda: 16)
    monkeypatch.setattr(host, "usable_memory_bytes", lambda: 64 << 30)
    monkeypatch.setattr(command, "gpu_names", lambda: ())
    assert command.default_jobs(assignment) == 8  # memory allows 8 of the 16 cores
    monkeypatch.setattr(host, "usable_memory_bytes", lambda: 512 << 30)
    assert command.default_jobs(assignment) == 16
    monkeypatch.setattr(host, "usable_memory_bytes", lambda: None)
    assert command.default_jobs(assignment) == 1
    monkeypatch.setattr(command, "gpu_names", lambda: ("H100", "H100"))
    assert command.default_jobs(assignment) == 2
