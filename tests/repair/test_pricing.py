"""The pricing function, pinned by worked examples and by properties (hypothesis)."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dealer.repair.pricing import LineInput, MemberRates, price_line, price_order


def labor(key, hours, rate, payer="customer", **kw):
    return LineInput(key=key, kind="labor", payer=payer, hours=hours, rate_fen=rate, **kw)


def part(key, quantity, price, payer="customer", **kw):
    return LineInput(key=key, kind="parts", payer=payer, quantity=quantity, unit_price_fen=price, **kw)


def test_worked_example_minor_service_with_member_and_manual_discounts():
    # 1.5 h oil service at 120.00/h = 180.00; member labor 10% = 18.00; manual 5% loses to it.
    # 4.5 l oil at 68.00 = 306.00; member parts 5% = 15.30; campaign 8% = 24.48 wins.
    # 1 oil filter at 45.60 = 45.60; member parts 5% = 2.28.
    lines = [labor(1, 150, 12000, manual_discount_bp=500), part(2, 4500, 6800, campaign_discount_bp=800),
             part(3, 1000, 4560)]
    totals = price_order(lines, vat_rate_bp=1300, member=MemberRates(labor_bp=1000, parts_bp=500))
    assert [(l.amount_fen, l.discount_fen, l.discount_source) for l in totals.lines] == [
        (18000, 1800, "member"), (30600, 2448, "campaign"), (4560, 228, "member")]
    assert totals.customer.amount_fen == 53160
    assert totals.customer.discount_fen == 4476
    assert totals.total_fen == 48684  # 486.84 yuan
    assert totals.net_fen == 43083  # 486.84 / 1.13 = 430.831... -> 430.83
    assert totals.vat_fen == 5601
    assert totals.labor_fen == 16200 and totals.parts_fen == 32484


def test_worked_example_payers_and_points():
    # Warranty and insurance lines are priced but get no discount and are not the owner's to pay.
    lines = [labor(1, 200, 15000, payer="warranty", manual_discount_bp=1000), part(2, 1000, 88800, payer="insurance"),
             labor(3, 50, 15000, manual_discount_bp=1000), part(4, 2000, 1234, payer="internal")]
    totals = price_order(lines, vat_rate_bp=1300, points_fen=1000)
    assert totals.by_payer["warranty"].amount_fen == 30000 and totals.by_payer["warranty"].discount_fen == 0
    assert totals.by_payer["insurance"].net_fen == 88800
    assert totals.by_payer["internal"].net_fen == 2468
    assert totals.customer.amount_fen == 7500 and totals.customer.discount_fen == 750
    assert totals.points_fen == 1000
    assert totals.total_fen == 5750
    assert (totals.net_fen, totals.vat_fen) == (5088, 662)  # 57.50 / 1.13 = 50.884 -> 50.88


def test_points_never_take_the_total_below_zero():
    totals = price_order([labor(1, 100, 5000)], vat_rate_bp=1300, points_fen=999_999)
    assert totals.points_fen == 5000 and totals.total_fen == 0 and totals.vat_fen == 0


def test_largest_discount_wins_never_the_sum():
    line = price_line(labor(1, 100, 10000, manual_discount_bp=1500, campaign_discount_bp=1000),
                      MemberRates(labor_bp=1200))
    assert (line.discount_fen, line.discount_source) == (1500, "manual")


def test_discount_rounds_half_up():
    # 3.33 x 15% = 0.4995 -> 0.50
    assert price_line(part(1, 1000, 333, manual_discount_bp=1500)).discount_fen == 50


@pytest.mark.parametrize("bad", [
    labor(1, -1, 100), part(1, 1000, -5), labor(1, 100, 100, manual_discount_bp=10_001),
    LineInput(key=1, kind="paint", payer="customer"), LineInput(key=1, kind="labor", payer="friend"),
])
def test_bad_input_is_refused(bad):
    with pytest.raises(ValueError):
        price_order([bad], vat_rate_bp=1300)


basis_points = st.integers(min_value=0, max_value=10_000)
lines_strategy = st.lists(st.one_of(
    st.builds(labor, key=st.integers(), hours=st.integers(0, 10_000), rate=st.integers(0, 100_000),
              payer=st.sampled_from(["customer", "warranty", "insurance", "internal"]),
              manual_discount_bp=basis_points, campaign_discount_bp=basis_points),
    st.builds(part, key=st.integers(), quantity=st.integers(0, 100_000), price=st.integers(0, 10_000_000),
              payer=st.sampled_from(["customer", "warranty", "insurance", "internal"]),
              manual_discount_bp=basis_points, campaign_discount_bp=basis_points),
), max_size=25)


@given(lines_strategy, st.builds(MemberRates, labor_bp=basis_points, parts_bp=basis_points),
       st.integers(0, 10**8), st.integers(0, 3000))
def test_properties_of_every_order(lines, member, points, vat):
    totals = price_order(lines, vat_rate_bp=vat, member=member, points_fen=points)
    # never negative; net + VAT = total
    assert totals.total_fen >= 0 and totals.net_fen >= 0 and totals.vat_fen >= 0
    assert totals.net_fen + totals.vat_fen == totals.total_fen
    # payers' parts add up to the whole
    assert sum(p.amount_fen for p in totals.by_payer.values()) == sum(l.amount_fen for l in totals.lines)
    assert sum(p.discount_fen for p in totals.by_payer.values()) == sum(l.discount_fen for l in totals.lines)
    assert totals.labor_fen + totals.parts_fen == totals.customer.net_fen
    assert totals.total_fen == totals.customer.net_fen - totals.points_fen
    for line in totals.lines:
        assert 0 <= line.discount_fen <= line.amount_fen
        if line.payer != "customer":
            assert line.discount_fen == 0


@given(lines_strategy)
def test_pricing_is_deterministic(lines):
    assert price_order(lines, vat_rate_bp=1300) == price_order(list(lines), vat_rate_bp=1300)
