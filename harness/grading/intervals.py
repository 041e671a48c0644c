"""95% intervals from seeds, and whether a rubric decision is clear of its boundaries.

Pure functions of numbers. A figure measured with several seeds (initialisation and batch
order) has a mean and a seed-to-seed spread; Student's t gives the interval of the mean
(or of a mean paired difference: the same seed in both arms). Throughput is compared as a
ratio, so its intervals are taken on the logarithm and given back as ratios.
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


def paired_interval(treated: list[float], control: list[float]) -> Interval:
    """Interval of the mean difference treated - control, seed by seed (same seeds)."""
    if len(treated) != len(control):
        raise ValueError("paired figures need the same seeds on both sides")
    return mean_interval([a - b for a, b in zip(treated, control, strict=True)])


def ratio_interval(treated: list[float], control: list[float]) -> Interval:
    """Interval of treated / control (paired by seed), as ratios: taken on the logarithm."""
    logs = paired_interval([math.log(v) for v in treated], [math.log(v) for v in control])
    return Interval(math.exp(logs.mean), math.exp(logs.low), math.exp(logs.high), logs.seeds)


def difference_interval(student: list[float], reference: list[float]) -> Interval:
    """Interval of mean(student) - mean(reference), unpaired: the reference's seeds give the
    seed-to-seed spread (the two networks differ, their seeds do not pair), pooled with the
    student's own when it has several."""
    n, k = len(student), len(reference)
    mean = statistics.fmean(student) - statistics.fmean(reference)
    if k + n - 2 < 1 or k < 2 and n < 2:
        return Interval(mean, mean, mean, 1)
    squares = sum((v - statistics.fmean(reference)) ** 2 for v in reference)
    if n >= 2:
        squares += sum((v - statistics.fmean(student)) ** 2 for v in student)
    degrees = k - 1 + max(n - 1, 0)
    sd = math.sqrt(squares / degrees) if degrees else 0.0
    half = t_quantile(degrees) * sd * math.sqrt(1 / n + 1 / k)
    return Interval(mean, mean - half, mean + half, n + k)


def clear_of(interval: Interval, boundaries: tuple[float, ...]) -> bool:
    """The whole interval lies on one side of every boundary (a decision noise cannot flip)."""
    return not any(interval.low < b < interval.high for b in boundaries)
