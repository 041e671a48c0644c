"""Interval maths: t quantiles, a mean, a difference with a pooled spread, boundaries."""

from __future__ import annotations

import math
import random
import statistics

import pytest

from harness.grading.intervals import clear_of, mean_interval, pooled_interval, t_quantile


def test_t_quantiles():
    assert t_quantile(1) == pytest.approx(12.706)
    assert t_quantile(2) == pytest.approx(4.303)
    assert t_quantile(1000) == 1.96
    with pytest.raises(ValueError):
        t_quantile(0)


def test_mean_interval_by_hand():
    interval = mean_interval([1.0, 2.0, 3.0])
    half = 4.303 * 1.0 / math.sqrt(3)
    assert (interval.low, interval.mean, interval.high) == pytest.approx((2 - half, 2, 2 + half))
    single = mean_interval([5.0])
    assert not single.known and single.low == single.high == 5.0
    assert not single.significant


def test_pooled_interval_by_hand():
    interval = pooled_interval(0.1, [[1.0, 2.0, 3.0], [4.0, 6.0], [9.0]], 0.5, 6)
    half = 3.182 * math.sqrt((2.0 + 2.0) / 3) * 0.5  # df 2 + 1; a group of one adds nothing
    assert (interval.low, interval.high, interval.seeds) == pytest.approx(
        (0.1 - half, 0.1 + half, 6)
    )
    alone = pooled_interval(0.1, [[1.0], [2.0]], 0.5, 2)
    assert (alone.low, alone.high, alone.seeds, alone.known) == (0.1, 0.1, 1, False)


@pytest.mark.parametrize("seeds", [1, 2])
def test_same_seeds_difference_covers_zero_for_one_distribution_about_95_percent(seeds):
    # What seeds.accuracy_interval computes: the student's mean over its seeds minus the
    # reference's over the same seeds, each network's seeds varying on their own: the
    # standard error is sqrt(2 / m) times the spread pooled from the reference's three
    # seeds and the student's own.
    rng = random.Random(4)
    covered = 0
    for _ in range(2000):
        reference = [rng.gauss(0.8, 0.01) for _ in range(3)]
        student = [rng.gauss(0.8, 0.01) for _ in range(seeds)]
        difference = statistics.fmean(student) - statistics.fmean(reference[:seeds])
        groups = [reference] + ([student] if seeds > 1 else [])
        interval = pooled_interval(difference, groups, math.sqrt(2 / seeds), seeds + 3)
        covered += interval.covers(0.0)
    assert 0.94 < covered / 2000 < 0.98


def test_clear_of_boundaries():
    interval = mean_interval([-0.03, -0.01, -0.02])  # straddles -0.02
    assert not clear_of(interval, (-0.2, -0.02))
    assert clear_of(mean_interval([0.0, 0.001, -0.001]), (-0.2, -0.02))
