"""The reference's throughput bar: probes spread through the plan, converted to the run's
units by the calibration probe that follows it, their median scored."""

import pytest

from harness.config import Rubric
from harness.grading.plan import RunSpec, with_throughput_probes
from harness.grading.scores import score_records
from harness.results.record import RunRecord


def _students(count: int, framework: str = "torch") -> list[RunSpec]:
    return [
        RunSpec(f"s{i}", "fashion_mnist", framework, path=f"s{i}/index.py") for i in range(count)
    ]


def _reference(framework: str = "torch") -> RunSpec:
    return RunSpec("reference:original", "fashion_mnist", framework, reference="original")


def test_probes_follow_the_references_and_are_spread_to_the_end():
    order = with_throughput_probes([_reference()], _students(6), probes=3)
    names = [r.submission for r in order]
    assert names == [
        "reference:original",
        "reference:original~probe0",
        "s0",
        "s1",
        "reference:original~probe1",
        "s2",
        "s3",
        "reference:original~probe2",
        "s4",
        "s5",
        "reference:original~probe3",
    ]
    calibration, probe = order[1], order[4]
    assert calibration.probe and calibration.calibrates and not probe.calibrates
    assert probe.probe and probe.reference == "original" and probe.framework == "torch"


def test_no_more_probes_than_student_runs_of_that_framework():
    order = with_throughput_probes(
        [_reference("torch"), _reference("jax")], _students(1, "torch"), probes=3
    )
    assert [r.submission for r in order] == [
        "reference:original",
        "reference:original",
        "reference:original~probe0",
        "s0",
        "reference:original~probe1",
    ]
    assert order[2].framework == order[-1].framework == "torch"


def _record(
    submission: str,
    rate: float | None,
    *,
    probe=False,
    status="passed",
    reference="original",
    calibration=False,
) -> RunRecord:
    return RunRecord(
        submission=submission,
        dataset="fashion_mnist",
        framework="torch",
        status=status,
        reference=reference,
        examples_per_sec=rate,
        test_accuracy=0.9,
        throughput_probe=probe or calibration,
        throughput_calibration=calibration,
    )


def test_the_bar_is_the_median_of_the_reference_and_its_probes_in_the_runs_units():
    # The quiet-machine shape: a 300-batch probe runs at 0.75x the 3,000-batch run's rate;
    # later the load takes 20% off one probe.
    records = [
        _record("reference:original", 9300.0),
        _record("reference:original~probe0", 7000.0, calibration=True),
        _record("reference:original~probe1", 7000.0, probe=True),
        _record("reference:original~probe2", 5600.0, probe=True),
        _record("reference:original~probe3", None, probe=True, status="failed"),
        _record("student", 9300.0, reference=None),
    ]
    scored = score_records(records, Rubric())
    assert [r.submission for r in scored] == ["reference:original", "student"]
    reference, student = scored
    assert reference.throughput_samples == [9300.0, 9300.0, 7440.0]
    assert reference.throughput_bar == 9300.0  # raw probes would have made it 7,000
    assert reference.throughput_spread == pytest.approx((9300 - 7440) / 9300)
    assert reference.examples_per_sec == 9300.0  # the run's own figure is kept
    assert student.reference_examples_per_sec == 9300.0


@pytest.mark.parametrize("calibration_status", ["failed", "missing"])
def test_without_a_calibration_the_probes_are_not_mixed_in(calibration_status):
    records = [
        _record("reference:original", 9300.0),
        _record("reference:original~probe1", 7000.0, probe=True),
        _record("student", 9300.0, reference=None),
    ]
    if calibration_status == "failed":
        records.append(
            _record("reference:original~probe0", None, calibration=True, status="failed")
        )
    reference = score_records(records, Rubric())[0]
    assert reference.throughput_samples == [9300.0] and reference.throughput_bar == 9300.0


def test_without_probes_the_bar_is_the_reference_run_itself():
    scored = score_records(
        [_record("reference:original", 5000.0), _record("student", 2500.0, reference=None)],
        Rubric(),
    )
    assert scored[0].throughput_bar == 5000.0 and scored[0].throughput_spread == 0.0
    assert scored[1].reference_examples_per_sec == 5000.0
