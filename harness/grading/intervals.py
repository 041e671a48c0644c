"""95% intervals from seeds, and whether a rubric decision is clear of its boundaries.

Pure functions of numbers. A figure measured with several seeds (initialisation and batch
order) has a mean and a seed-to-seed spread; Student's t gives the interval of the mean,
or of a difference of means with the spread pooled from both sides
(:func:`pooled_interval`, which :mod:`harness.grading.seeds` uses; throughput is compared
there as a ratio, on the logarithm).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass

# Two-sided 95% quantiles of Student's t by degrees of freedom (1..30); 1.96 above.
T_975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def t_quantile(degrees: int) -> float:
    """The 97.5% quantile of Student's t with ``degrees`` degrees of freedom (>= 1)."""
    if degrees < 1:
        raise ValueError("an interval needs at least two seeds")
    return T_975[degrees - 1] if degrees <= len(T_975) else 1.96


@dataclass(frozen=True)
class Interval:
    mean: float
    low: float  # with a single sample low == high == mean and ``seeds`` == 1
    high: float
    seeds: int  # seeds behind it (both sides of an unpaired difference)

    @property
    def known(self) -> bool:
        """An interval was measured (two seeds or more)."""
        return self.seeds >= 2

    def covers(self, value: float) -> bool:
        return self.low <= value <= self.high

    @property
    def significant(self) -> bool:
        """Measured, and zero lies outside it."""
        return self.known and not self.covers(0.0)

    def to_dict(self) -> dict:
        return asdict(self)


def mean_interval(values: list[float], spread: float | None = None, spread_seeds: int = 0):
    """Interval of the mean of ``values``. With ``spread`` (a seed-to-seed standard deviation
    measured elsewhere, e.g. on the reference, from ``spread_seeds`` seeds) it is used when
    ``values`` alone are too few to give one."""
    n = len(values)
    if n == 0:
        raise ValueError("no values")
    mean = statistics.fmean(values)
    if n >= 2:
        sd, degrees = statistics.stdev(values), n - 1
    elif spread is not None and spread_seeds >= 2:
        sd, degrees = spread, spread_seeds - 1
    else:
        return Interval(mean, mean, mean, n)
    half = t_quantile(degrees) * sd / math.sqrt(n)
    return Interval(mean, mean - half, mean + half, n)


def pooled_interval(mean: float, groups: list[list[float]], scale: float, seeds: int) -> Interval:
    """Interval of ``mean``, an estimate whose standard error is ``scale`` times the
    seed-to-seed standard deviation pooled from ``groups`` (each group's spread about its
    own mean; a group of one adds nothing), from ``seeds`` seeds in all. Without two values
    in any group there is no spread: the mean alone, ``seeds`` 1.

    The caller's ``scale`` says what ``mean`` is: the difference of two means over the same
    ``m`` seeds, one per network, is ``sqrt(2 / m)`` (the two networks' seeds do not pair:
    each side varies on its own); a mean of ``n`` against one of ``k`` is
    ``sqrt(1 / n + 1 / k)``."""
    spread = [g for g in groups if len(g) > 1]
    degrees = sum(len(g) - 1 for g in spread)
    if degrees < 1:
        return Interval(mean, mean, mean, 1)
    squares = sum(sum((v - statistics.fmean(g)) ** 2 for v in g) for g in spread)
    half = t_quantile(degrees) * math.sqrt(squares / degrees) * scale
    return Interval(mean, mean - half, mean + half, seeds)


def clear_of(interval: Interval, boundaries: tuple[float, ...]) -> bool:
    """The whole interval lies on one side of every boundary (a decision noise cannot flip)."""
    return not any(interval.low < b < interval.high for b in boundaries)
