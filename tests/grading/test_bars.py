"""Bars files: what they are bound to, refusals naming file and field, the scaled bar, and
a failed calibration that is the grader's failure, never the student's zero.

Nothing here trains: records come from tests/report_factory.py; the grading that writes
and uses real bars is tests/grading/test_grade_bars.py.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from report_factory import references, run

from harness.config import Assignment, Budget, Rubric
from harness.errors import ConfigError
from harness.grading.bars import (
    binding,
    check_bars,
    read_bars,
    references_from_bars,
    write_bars,
)
from harness.grading.scores import score_records
from harness.report.gradescope import FAILURE_FILE, write_gradescope
from harness.report.records import ClassResults

DATA = {"fashion_mnist": "a" * 64, "mnist": "b" * 64}
NEEDED = {("fashion_mnist", "torch")}


def _bound(**changes) -> dict:
    bound = binding(Assignment(), 50, DATA, ["torch"])
    return {**bound, **changes}


def _references():
    refs = [r for r in references() if r.framework == "torch"]
    for ref in refs:
        ref.reference = "original"
        ref.throughput_bar = 1000.0
    return refs


@pytest.fixture
def bars_dir(tmp_path):
    refs = _references()
    rates = {(r.dataset, r.framework): 500.0 for r in refs}
    write_bars(tmp_path, refs, rates, _bound())
    return tmp_path


def test_a_written_bars_file_reads_back_with_its_binding(bars_dir):
    bars = read_bars(bars_dir)
    assert bars.binding == _bound()
    assert set(bars.bars) >= NEEDED
    assert bars.bars[("fashion_mnist", "torch")].calibration == 500.0
    assert bars.built_on["node"] and bars.built_at.endswith("+00:00")
    check_bars(bars, _bound(), NEEDED)  # the same grading: accepted


@pytest.mark.parametrize(
    ("expected", "field"),
    [
        (_bound(assignment="another"), "binding.assignment"),
        (_bound(max_batches=None), "binding.max_batches"),
        (_bound(datasets={**DATA, "fashion_mnist": "c" * 64}), "binding.datasets.fashion_mnist"),
        (
            _bound(frameworks={"torch": {"numpy": "1", "torch": "9.9"}}),
            "binding.frameworks.torch",
        ),
    ],
)
def test_bars_bound_to_something_else_are_refused_naming_the_field(bars_dir, expected, field):
    with pytest.raises(ConfigError) as refused:
        check_bars(read_bars(bars_dir), expected, NEEDED)
    message = str(refused.value)
    assert message.startswith(f"{bars_dir / 'bars.json'}: {field}: expected ")
    assert "this grading's" in message and "received" in message


def test_the_budget_binds_the_bars_but_the_rubric_does_not():
    budget = replace(Assignment(), budget=replace(Budget(), default_num_batches=100))
    rubric = replace(Assignment(), rubric=replace(Rubric(), accuracy_tolerance=0.03))
    assert binding(budget, 50, DATA, ["torch"])["assignment"] != _bound()["assignment"]
    assert binding(rubric, 50, DATA, ["torch"]) == _bound()


def test_a_bar_the_grading_needs_but_the_file_lacks_is_refused(bars_dir):
    with pytest.raises(ConfigError, match=r"bars: expected a bar for cifar10/torch, received"):
        check_bars(read_bars(bars_dir), _bound(), {("cifar10", "torch")})


def test_a_missing_or_damaged_bars_file_is_refused_naming_it(tmp_path):
    with pytest.raises(ConfigError, match="no bars file"):
        read_bars(tmp_path)
    (tmp_path / "bars.json").write_text(json.dumps({"format": 1, "built_at": 3}))
    with pytest.raises(ConfigError, match=r"bars.json: built_at: expected str, received 3"):
        read_bars(tmp_path)


def test_the_stored_bar_is_scaled_by_local_over_stored_calibration(tmp_path):
    """Stored bar 1,000 with calibration 500 there; calibration 250 here: bar 500, and the
    reference's seeds (students' intervals are measured with them) scaled alike."""
    refs = _references()
    for ref in refs:
        ref.seed_runs = [
            {"seed": k, "status": "passed", "test_accuracy": 0.88, "examples_per_sec": r, "rate": r}
            for k, r in ((0, 1000.0), (1, 900.0))
        ]
    write_bars(tmp_path, refs, {(r.dataset, r.framework): 500.0 for r in refs}, _bound())
    bars_dir = tmp_path
    calibration = run(
        "reference:original~probe0",
        reference="original",
        throughput_probe=True,
        throughput_calibration=True,
        examples_per_sec=250.0,
    )
    student = run("alice", examples_per_sec=300.0, test_accuracy=0.88)
    refs = references_from_bars(read_bars(bars_dir), [calibration], NEEDED)
    scored = score_records([*refs, calibration, student], Rubric())
    ref, alice = scored
    assert ref.throughput_bar == pytest.approx(500.0) and ref.bars["local_calibration"] == 250.0
    assert ref.bars["stored_bar"] == 1000.0 and ref.bars["path"].endswith("bars.json")
    assert alice.reference_examples_per_sec == pytest.approx(500.0)
    assert alice.reference_test_accuracy == 0.88
    assert [run["rate"] for run in ref.seed_runs] == pytest.approx([500.0, 450.0])


def _bars_in(folder, basis: str) -> None:
    """Bars of 500 examples/s in ``basis`` written to ``folder``."""
    refs = _references()
    for ref in refs:
        ref.throughput_basis = basis
    write_bars(folder, refs, {(r.dataset, r.framework): 500.0 for r in refs}, _bound())


def _calibration(basis: str, **figures):
    return run(
        "reference:original~probe0",
        reference="original",
        throughput_probe=True,
        throughput_calibration=True,
        throughput_basis=basis,
        **figures,
    )


def test_bars_in_examples_per_cpu_second_scale_by_the_calibrations_cpu_rate(tmp_path):
    _bars_in(tmp_path, "cpu")
    calibration = _calibration(
        "cpu",
        examples_per_sec=50.0,  # a loaded machine's wall clock: not what is graded
        examples_per_cpu_sec=250.0,
    )
    student = run("alice", throughput_basis="cpu", examples_per_cpu_sec=300.0)
    refs = references_from_bars(read_bars(tmp_path), [calibration], NEEDED)
    ref, alice = score_records([*refs, calibration, student], Rubric())
    assert ref.throughput_bar == pytest.approx(500.0) and ref.examples_per_sec is None
    assert alice.reference_examples_per_sec == pytest.approx(500.0)


def test_a_failed_calibration_is_the_graders_failure_not_the_students_zero(bars_dir, tmp_path):
    calibration = run(
        "reference:original~probe0",
        reference="original",
        throughput_probe=True,
        throughput_calibration=True,
        status="failed",
        reason="killed by signal SIGKILL before returning predictions",
        examples_per_sec=None,
    )
    student = run("alice")
    refs = references_from_bars(read_bars(bars_dir), [calibration], NEEDED)
    scored = score_records([*refs, calibration, student], Rubric())
    alice = next(r for r in scored if r.submission == "alice")
    assert alice.status == "error" and "calibration probe on this machine failed" in alice.reason
    write_gradescope(ClassResults(scored), tmp_path)
    folder = tmp_path / "gradescope" / "alice"
    assert not (folder / "results.json").exists()  # no score at all, rather than a zero
    assert "calibration probe" in (folder / FAILURE_FILE).read_text()


@pytest.mark.parametrize(
    ("basis", "field"), [("wall", "examples_per_sec"), ("cpu", "examples_per_cpu_sec")]
)
def test_a_passed_calibration_without_the_bars_rate_names_the_missing_field(tmp_path, basis, field):
    _bars_in(tmp_path, basis)
    calibration = _calibration(basis, examples_per_sec=None, examples_per_cpu_sec=None)
    (ref,) = references_from_bars(read_bars(tmp_path), [calibration], NEEDED)
    assert ref.status == "error"
    assert ref.reason == (
        "the calibration probe on this machine failed: "
        f"it has no {field} figure, which the bars ({basis}) are in"
    )
