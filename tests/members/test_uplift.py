"""The uplift and its 95% interval, on worked examples computed by hand (normal approximation)."""
from __future__ import annotations

import math

import pytest

from dealer.members import uplift


def test_proportion_uplift_matches_the_worked_example():
    # 30 of 100 invited came, 20 of 100 held out: 0.10, standard error sqrt(.3 x .7 / 100 + .2 x .8 / 100)
    # = sqrt(0.0037) = 0.0608276; 1.959964 x that = 0.1192206.
    interval = uplift.proportion_uplift(30, 100, 20, 100)
    assert interval.difference == pytest.approx(0.10)
    assert interval.low == pytest.approx(-0.0192206, abs=1e-6)
    assert interval.high == pytest.approx(0.2192206, abs=1e-6)
    assert not interval.significant


def test_proportion_uplift_is_significant_when_the_interval_leaves_out_zero():
    # 300 of 1,000 against 20 of 100 ... 0.30 - 0.20, error sqrt(.21/1000 + .16/100) = 0.0425441
    interval = uplift.proportion_uplift(300, 1000, 20, 100)
    assert interval.difference == pytest.approx(0.10)
    assert interval.low == pytest.approx(0.10 - 1.959964 * math.sqrt(0.00021 + 0.0016), abs=1e-6)
    assert interval.significant
    # more in the held-out group: a negative uplift, significant the other way
    assert uplift.proportion_uplift(20, 100, 300, 1000).high < 0


def test_uplift_of_an_empty_group_is_none():
    assert uplift.proportion_uplift(3, 10, 0, 0) is None
    assert uplift.mean_uplift(0, 0, 0, 100, 10_000, 2) is None


def test_mean_uplift_matches_the_worked_example():
    # Invited revenues (fen) 0, 100, 200 (mean 100, variance 10,000); held out 0, 0, 60 (mean 20, variance 1,200).
    # Difference 80, error sqrt(10000/3 + 1200/3) = sqrt(3733.33) = 61.1010; 1.959964 x = 119.7558.
    interval = uplift.mean_uplift(300, 0 + 10_000 + 40_000, 3, 60, 3_600, 3)
    assert interval.difference == pytest.approx(80)
    assert interval.low == pytest.approx(80 - 119.7558, abs=1e-3)
    assert interval.high == pytest.approx(80 + 119.7558, abs=1e-3)


def test_a_group_of_one_has_no_variance():
    interval = uplift.mean_uplift(500, 250_000, 1, 100, 10_000, 1)
    assert (interval.difference, interval.low, interval.high) == (400, 400, 400)
