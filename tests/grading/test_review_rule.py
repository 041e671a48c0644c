"""The review rule: a pure function of the accuracies, the rubric and the evidence."""

from harness.config import Rubric
from harness.grading.rubric import review_evidence


def test_far_above_the_reference_is_flagged_with_the_evidence():
    text = review_evidence(0.93, 0.85, Rubric(), 63_488, 12.34)
    assert text == (
        "accuracy 0.9300 is +0.0800 above the reference's 0.8500 (review margin "
        "0.05); submission folder 62.0 KiB; training time 12.3 s"
    )


def test_at_the_ceiling_is_flagged_even_close_to_the_reference():
    assert review_evidence(1.0, 0.99, Rubric(), None, None).startswith(
        "accuracy 1.0000 is at the ceiling (0.999); submission folder unknown"
    )


def test_an_ordinary_result_is_not_flagged():
    assert review_evidence(0.86, 0.85, Rubric(), 2048, 30.0) == ""
