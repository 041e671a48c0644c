"""Interval maths: t quantiles, paired and unpaired intervals, ratios, boundaries."""

from __future__ import annotations

import math
import random

import pytest

from harness.grading.intervals import (
    clear_of,
    difference_interval,
    mean_interval,
    paired_interval,
    ratio_interval,
    t_quantile,
)


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


def test_paired_and_ratio_intervals():
    paired = paired_interval([0.9, 0.8, 0.85], [0.8, 0.7, 0.75])
    assert paired.mean == pytest.approx(0.1) and paired.low == pytest.approx(0.1)
    assert paired.significant
    ratio = ratio_interval([200.0, 220.0, 180.0], [100.0, 110.0, 90.0])
    assert ratio.mean == pytest.approx(2.0) and ratio.low == pytest.approx(2.0)
    with pytest.raises(ValueError):
        paired_interval([1.0], [1.0, 2.0])


def test_difference_interval_covers_zero_for_the_same_distribution_about_95_percent():
    rng = random.Random(4)
    covered = 0
    for _ in range(2000):
        reference = [rng.gauss(0.8, 0.01) for _ in range(3)]
        student = [rng.gauss(0.8, 0.01)]
        covered += difference_interval(student, reference).covers(0.0)
    assert 0.93 < covered / 2000 < 0.97


def test_clear_of_boundaries():
    interval = mean_interval([-0.03, -0.01, -0.02])  # straddles -0.02
    assert not clear_of(interval, (-0.2, -0.02))
    assert clear_of(mean_interval([0.0, 0.001, -0.001]), (-0.2, -0.02))
