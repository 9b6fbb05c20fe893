"""A campaign's uplift (提升) with its confidence interval: invited against held out, written once.

No statistics library is in the environment (scipy, statsmodels), and the normal approximation is the
standard interval for a difference of two independent proportions (Wald) or means (Welch's standard error):

    difference = p_invited - p_held_out
    standard error = sqrt(p1 (1 - p1) / n1 + p0 (1 - p0) / n0)      (proportions)
                   = sqrt(s1^2 / n1 + s0^2 / n0)                    (means, s^2 the sample variance)
    interval = difference -/+ 1.959964 x standard error              (95%)

Pure: figures in, figures out; no database. Amounts are fen; rates are floats for display only (never money).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

Z_95 = 1.959963984540054  # the normal distribution's 97.5th percentile


@dataclass(frozen=True)
class Interval:
    difference: float
    low: float
    high: float

    @property
    def significant(self) -> bool:
        """Tell whether the interval leaves out zero (the uplift is real at this level)."""
        return self.low > 0 or self.high < 0


def proportion_uplift(came_invited: int, invited: int, came_held_out: int, held_out: int,
                      z: float = Z_95) -> Interval | None:
    """The difference of the response rates, invited minus held out, with its interval; None when a group is
    empty (no comparison)."""
    if invited <= 0 or held_out <= 0:
        return None
    p1, p0 = came_invited / invited, came_held_out / held_out
    error = math.sqrt(p1 * (1 - p1) / invited + p0 * (1 - p0) / held_out)
    difference = p1 - p0
    return Interval(difference, difference - z * error, difference + z * error)


def _variance(total: float, squares: float, count: int) -> float:
    """The sample variance from a sum and a sum of squares (n - 1 in the denominator)."""
    if count < 2:
        return 0.0
    return max(0.0, (squares - total * total / count) / (count - 1))


def mean_uplift(total_invited: int, squares_invited: int, invited: int, total_held_out: int,
                squares_held_out: int, held_out: int, z: float = Z_95) -> Interval | None:
    """The difference of the mean revenue per owner (fen), invited minus held out, with its interval, from each
    group's count, sum and sum of squares (every owner counts, those who did not come with 0); None when a
    group is empty."""
    if invited <= 0 or held_out <= 0:
        return None
    mean1, mean0 = total_invited / invited, total_held_out / held_out
    error = math.sqrt(_variance(total_invited, squares_invited, invited) / invited
                      + _variance(total_held_out, squares_held_out, held_out) / held_out)
    difference = mean1 - mean0
    return Interval(difference, difference - z * error, difference + z * error)


def combined(parts: list[tuple[Interval | None, int]], z: float = Z_95) -> Interval | None:
    """Several stores' uplifts as one (stratified): each store's difference weighted by its invited owners, the
    standard error sqrt(sum(w^2 se^2)) (the stores' groups are independent). Pooling the owners instead would
    mix stores whose held-out shares differ (Simpson's paradox). `parts` is (interval, invited) a store; stores
    without a comparison (None) are left out; None when none has one."""
    usable = [(interval, weight) for interval, weight in parts if interval is not None and weight > 0]
    total = sum(weight for _interval, weight in usable)
    if not total:
        return None
    difference = sum(interval.difference * weight for interval, weight in usable) / total
    error = math.sqrt(sum(((interval.high - interval.low) / (2 * z) * weight / total) ** 2
                          for interval, weight in usable))
    return Interval(difference, difference - z * error, difference + z * error)
