"""The monthly assessment (月度考核) exactly as seed 001 defines it: a pure function, no database."""
from decimal import Decimal

import pytest

from dealer.satisfaction.assessment import (
    EQUAL,
    HIGHER,
    LOWER,
    NO_FORMS,
    NO_PREVIOUS,
    MonthForms,
    Rules,
    assess,
    complaint_band,
)

APRIL = MonthForms(n=10, total=35)  # average 3.50


def test_assess_the_seeds_worked_example_rewards_1000():
    may = MonthForms(n=10, total=40)
    result = assess(may, APRIL, complaints=3)
    assert result.average == Decimal("4.00") and result.previous_average == Decimal("3.50")
    assert result.comparison == HIGHER and result.score_fen == 100_000
    assert result.extra_fen == 0 and result.complaints_fen == 0 and result.net_fen == 100_000


def test_assess_a_lower_month_is_penalised_and_an_equal_one_is_not():
    lower = assess(MonthForms(n=10, total=30), APRIL, complaints=1)
    assert lower.comparison == LOWER and lower.score_fen == -100_000
    equal = assess(MonthForms(n=20, total=70), APRIL, complaints=1)  # 3.50 exactly
    assert equal.comparison == EQUAL and equal.score_fen == 0


def test_assess_compares_exact_averages_not_their_rounded_two_decimals():
    # 3.504 and 3.501 both show as 3.50, yet the month is higher.
    result = assess(MonthForms(n=1000, total=3504), MonthForms(n=1000, total=3501), complaints=1)
    assert result.average == result.previous_average == Decimal("3.50")
    assert result.comparison == HIGHER


def test_assess_an_all_2_month_earns_the_extra_reward():
    result = assess(MonthForms(n=4, total=24, all_top=4), APRIL, complaints=0)
    assert result.average == Decimal("6.00") and result.extra_fen == 100_000
    assert result.net_fen == 100_000 + 100_000 + 500_000


def test_assess_an_all_minus_2_month_pays_the_extra_penalty():
    result = assess(MonthForms(n=3, total=-18, all_bottom=3), APRIL, complaints=2)
    assert result.comparison == LOWER and result.extra_fen == -100_000
    assert result.net_fen == -200_000


def test_assess_one_form_short_of_all_2_earns_no_extra():
    assert assess(MonthForms(n=4, total=23, all_top=3), APRIL, complaints=1).extra_fen == 0


def test_assess_a_month_without_forms_says_so_without_dividing_by_zero():
    result = assess(MonthForms(), APRIL, complaints=0)
    assert result.n == 0 and result.average is None and result.comparison == NO_FORMS
    assert result.score_fen == 0 and result.extra_fen == 0 and result.net_fen == 500_000
    assert result.as_dict()["average"] is None


def test_assess_after_a_month_without_forms_has_nothing_to_compare_with():
    result = assess(MonthForms(n=2, total=8), MonthForms(), complaints=1)
    assert result.comparison == NO_PREVIOUS and result.score_fen == 0 and result.average == Decimal("4.00")


@pytest.mark.parametrize(("count", "band", "amount_fen", "action"), [
    (0, "0", 500_000, False),
    (1, "1-5", 0, False),
    (5, "1-5", 0, False),
    (6, "6-10", -300_000, False),
    (10, "6-10", -300_000, False),
    (11, "11-15", -500_000, False),
    (15, "11-15", -500_000, False),
    (16, "16+", -1_000_000, False),
    (29, "16+", -1_000_000, False),
    (30, "16+", -1_000_000, True),
])
def test_assess_complaint_band_edges(count, band, amount_fen, action):
    result = assess(MonthForms(n=10, total=35), APRIL, complaints=count)
    assert (result.band, result.complaints_fen, result.administrative_action) == (band, amount_fen, action)
    assert result.net_fen == amount_fen  # equal averages: the complaints alone


def test_complaint_band_follows_the_stores_own_limits_and_amounts():
    rules = Rules(complaints_none_fen=800_000, complaints_low_max=3, complaints_mid_max=8, complaints_high_max=12,
                  complaints_top_fen=-2_000_000, complaints_action_at=20)
    assert complaint_band(0, rules) == ("0", 800_000)
    assert complaint_band(4, rules) == ("4-8", -300_000)
    assert complaint_band(13, rules) == ("13+", -2_000_000)
    assert assess(MonthForms(), MonthForms(), 20, rules).administrative_action


def test_assess_rounds_the_average_half_up_to_two_decimals():
    assert assess(MonthForms(n=8, total=33), APRIL, 1).average == Decimal("4.13")  # 4.125
    assert assess(MonthForms(n=3, total=-1), APRIL, 1).average == Decimal("-0.33")
