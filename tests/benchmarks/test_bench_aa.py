"""The A/A count (:mod:`harness.benchmarks.aa`) on seed figures of known spread: the
grading's intervals cover no difference about 95% of the time where there is none, and
miss a real difference far outside the spread."""

from __future__ import annotations

import random

import pytest

from harness.benchmarks import aa


def seeds(n: int, accuracy_sd: float = 0.01, rate_sd: float = 0.03) -> list[dict]:
    draw = random.Random(7)
    return [
        {
            "seed": k,
            "status": "passed",
            "test_accuracy": draw.gauss(0.80, accuracy_sd),
            "rate": 5000 * draw.lognormvariate(0, rate_sd),
        }
        for k in range(n)
    ]


def test_the_counts_cover_every_choice_and_most_intervals_cover_nothing():
    counts = aa.coverage(seeds(8))
    accuracy, throughput, total = counts["every"]
    assert total == 8 * 7 * 6 * 5  # each seed against every ordered choice of three others
    assert counts["disjoint"][2] == 8
    assert 0.8 * total <= accuracy <= total and 0.8 * total <= throughput <= total


def test_a_real_difference_is_not_covered():
    runs = seeds(6)
    shifted = {**runs[0], "test_accuracy": runs[0]["test_accuracy"] - 0.2, "rate": 1000.0}
    assert aa.covers(shifted, runs[1:4]) == (False, False)


def test_too_few_seeds_is_refused():
    with pytest.raises(ValueError, match="more than 3 passed seeds, received 3"):
        aa.coverage(seeds(3))


def test_the_table_names_its_basis_and_counts():
    counts = {**aa.coverage(seeds(5)), "basis": "cpu"}
    text = aa.aa_table(counts, "torch", "fashion_mnist", 300)
    assert "throughput (cpu) covers 1" in text and "every ordered choice" in text
