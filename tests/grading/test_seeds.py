"""Seeds: other seeds folded into the graded run, intervals against the reference's seeds,
more seeds only for a decision within the noise, and ids no student can take."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.config import Assignment, Rubric
from harness.grading.plan import (
    GradingPlan,
    RunSpec,
    check_student_ids,
    id_problem,
    recorded_id,
    seed_runs,
)
from harness.grading.scores import score_records
from harness.grading.seeds import more_seeds
from harness.results.record import RunRecord

RUBRIC = Rubric()


def _reference(seed: int, accuracy: float, rate: float = 1000.0) -> RunRecord:
    name = "reference:original" + (f"~seed{seed}" if seed else "")
    return RunRecord(
        name, "mnist", "torch", "passed", reference="original", test_accuracy=accuracy,
        examples_per_sec=rate, seed=seed,
    )  # fmt: skip


def _student(accuracy: float, seed: int = 0, name: str = "alice") -> RunRecord:
    sid = name + (f"~seed{seed}" if seed else "")
    return RunRecord(sid, "mnist", "torch", "passed", test_accuracy=accuracy,
                     examples_per_sec=900.0, seed=seed)  # fmt: skip


def _references(*accuracies: float) -> list[RunRecord]:
    return [_reference(s, a) for s, a in enumerate(accuracies)]


def test_far_from_a_boundary_is_clear_and_graded_as_before():
    records = score_records([*_references(0.90, 0.91, 0.89), _student(0.60)], RUBRIC)
    student = next(r for r in records if r.submission == "alice")
    assert [r.submission for r in records] == ["reference:original", "alice"]  # seeds folded
    assert student.interval["clear"] and student.interval["measured"]
    acc = student.interval["accuracy_difference"]
    assert acc["mean"] == pytest.approx(-0.30) and acc["high"] < -0.2  # below the floor
    assert student.score_breakdown["accuracy"] == 0.0
    reference = records[0]
    assert [s["seed"] for s in reference.seed_runs] == [0, 1, 2]
    assert student.reference_test_accuracy == 0.90  # seed 0 against seed 0, as before


def test_near_the_tolerance_asks_for_the_next_seed_within_the_budget(tmp_path: Path):
    records = score_records([*_references(0.90, 0.92, 0.88), _student(0.885)], RUBRIC)
    student = next(r for r in records if r.submission == "alice")
    assert not student.interval["clear"]
    spec = RunSpec("alice", "mnist", "torch", path="/x/alice/index.py")
    plan = GradingPlan([spec], str(tmp_path), "a.toml")
    extra = more_seeds(plan, records, Assignment())
    assert [(s.submission, s.seed, s.path) for s in extra] == [("alice~seed1", 1, spec.path)]
    plan.runs += extra
    second = score_records(
        [*_references(0.90, 0.92, 0.88), _student(0.885), _student(0.95, seed=1)], RUBRIC
    )
    alice = next(r for r in second if r.submission == "alice")
    assert alice.interval["seeds"] == [0, 1]
    assert alice.reference_test_accuracy == pytest.approx(0.91)  # the same seeds' mean
    assert "means of 2 seeds" in alice.score_breakdown["why"]
    budget = Assignment(seeds=type(Assignment().seeds)(max_student_seeds=2))
    assert more_seeds(plan, second, budget) == []  # two seeds ran: the budget ended


def test_after_a_failed_seed_the_next_one_is_planned_not_the_failed_one_again(tmp_path):
    failed = RunRecord("alice~seed1", "mnist", "torch", "failed", seed=1)
    records = score_records([*_references(0.90, 0.92, 0.88), _student(0.885), failed], RUBRIC)
    alice = next(r for r in records if r.submission == "alice")
    assert alice.interval["seeds"] == [0] and not alice.interval["clear"]
    spec = RunSpec("alice", "mnist", "torch", path="/x/alice/index.py")
    plan = GradingPlan([spec, RunSpec("alice~seed1", "mnist", "torch", seed=1)], str(tmp_path), "")
    extra = more_seeds(plan, records, Assignment())
    assert [(s.submission, s.seed, s.path) for s in extra] == [("alice~seed2", 2, spec.path)]
    budget = Assignment(seeds=type(Assignment().seeds)(max_student_seeds=2))
    assert more_seeds(plan, records, budget) == []  # seeds 0 and 1 were planned


def test_the_next_seed_is_one_the_reference_passed(tmp_path):
    references = [_reference(0, 0.90), _reference(2, 0.88), _reference(3, 0.92)]
    references.insert(1, RunRecord("reference:original~seed1", "mnist", "torch", "failed",
                                   reference="original", seed=1))  # fmt: skip
    records = score_records([*references, _student(0.885)], RUBRIC)
    plan = GradingPlan([RunSpec("alice", "mnist", "torch", path="/x")], str(tmp_path), "")
    assert [s.seed for s in more_seeds(plan, records, Assignment())] == [2]


def test_one_reference_seed_gives_no_interval():
    records = score_records([_reference(0, 0.9), _student(0.5)], RUBRIC)
    assert records[1].interval["measured"] is False


def test_seed_runs_of_references():
    ref = RunSpec("reference:original", "mnist", "torch", reference="original")
    assert [(s.submission, s.seed) for s in seed_runs([ref], 3)] == [
        ("reference:original~seed1", 1),
        ("reference:original~seed2", 2),
    ]
    assert seed_runs([ref], 1) == []


@pytest.mark.parametrize("name", ["alice~seed1", "ALICE~SEED12", "variant:abc", "Variant:x"])
def test_ids_of_other_seeds_and_variants_are_reserved(tmp_path: Path, name: str):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "index.py").write_text("LAYERS = []\n")
    check_student_ids([folder / "index.py"])  # the class is graded: this student fails alone
    assert "reserved" in id_problem(folder / "index.py")
    assert recorded_id(folder / "index.py") == f"reserved/{name}"  # apart from the seed runs


def test_bars_keep_the_reference_seeds_and_students_get_their_interval(tmp_path: Path):
    from harness.grading.bars import binding, read_bars, references_from_bars, write_bars

    built = score_records(_references(0.90, 0.91, 0.89), RUBRIC)[0]  # as bars build scores
    built.throughput_bar = 1000.0
    bound = binding(Assignment(), 50, {"mnist": "b" * 64}, ["torch"])
    write_bars(tmp_path, [built], {("mnist", "torch"): 500.0}, bound)
    calibration = RunRecord(
        "reference:original~probe0", "mnist", "torch", "passed", reference="original",
        throughput_probe=True, throughput_calibration=True, examples_per_sec=500.0,
    )  # fmt: skip
    refs = references_from_bars(read_bars(tmp_path), [calibration], {("mnist", "torch")})
    assert [s["seed"] for s in refs[0].seed_runs] == [0, 1, 2]
    scored = score_records([*refs, calibration, _student(0.70)], RUBRIC)
    alice = next(r for r in scored if r.submission == "alice")
    assert alice.interval["measured"] and alice.interval["reference_seeds"] == [0, 1, 2]
    assert alice.interval["throughput_ratio"]["seeds"] >= 2
