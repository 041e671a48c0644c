"""The memorisation evidence: pure functions of a run's record and its reference's."""

from harness.config import Rubric
from harness.grading.memorisation import memorisation_evidence
from harness.results.record import RunRecord


def run(test, curve, batch_size=64, num_batches=None, name="alice") -> RunRecord:
    points = [{"batch": b, "loss": 1.0, "validation_accuracy": v} for b, v in curve]
    return RunRecord(
        submission=name,
        dataset="fashion_mnist",
        framework="torch",
        status="passed",
        test_accuracy=test,
        curve=points,
        batch_size=batch_size,
        num_batches=num_batches or curve[-1][0],
        param_count=1000,
        train_seconds=10.0,
    )


REFERENCE = run(0.86, [(150, 0.72), (1500, 0.83), (3000, 0.86)], name="reference:original")


def test_a_test_accuracy_far_above_the_runs_own_validation_accuracy_is_flagged():
    lookup = run(0.696, [(1, 0.12), (3, 0.35), (6, 0.51)], batch_size=16)
    text = memorisation_evidence(lookup, REFERENCE, Rubric())
    assert "test accuracy 0.6960 is +0.1860 above its own validation accuracy 0.5100" in text
    assert "spent 96 examples, 1,000 parameters, 10.0 s" in text
    assert "reference: 192,000 examples" in text


def test_an_honest_run_scores_test_and_validation_alike_and_is_not_flagged():
    honest = run(0.874, [(150, 0.70), (1500, 0.85), (3000, 0.88)], batch_size=32)
    assert memorisation_evidence(honest, REFERENCE, Rubric()) == ""
    # a faster optimiser ahead of the reference after as many examples is not evidence
    quick = run(0.89, [(150, 0.84), (3000, 0.89)])
    assert memorisation_evidence(quick, REFERENCE, Rubric()) == ""


def test_accurate_from_the_first_point_after_few_examples_is_flagged():
    # a lookup of the validation images too: no gap, but right from its first 16 examples
    lookup = run(0.86, [(1, 0.85), (6, 0.86)], batch_size=16)
    text = memorisation_evidence(lookup, REFERENCE, Rubric())
    assert "validation accuracy 0.8500 after 16 training examples" in text
    assert "the reference had 0.7200 after 9,600: accurate from the first point" in text


def test_the_gap_allowed_is_the_rubrics_and_a_run_without_a_curve_has_no_evidence():
    lookup = run(0.696, [(6, 0.51)], batch_size=16)
    assert memorisation_evidence(lookup, REFERENCE, Rubric(review_generalisation_gap=0.2)) == ""
    assert memorisation_evidence(run(0.9, [(6, None)]), REFERENCE, Rubric()) == ""
