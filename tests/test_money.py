"""Money in integer fen: products rounded half up once, VAT split, parsing, formatting, capital numerals."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dealer import money


@pytest.mark.parametrize("hours, rate, expected", [
    (150, 12000, 18000),   # 1.5 h x 120.00 = 180.00
    (33, 12345, 4074),     # 0.33 h x 123.45 = 40.7385 -> 40.74
    (25, 10002, 2501),     # 0.25 x 100.02 = 25.005 -> 25.01 (half up)
    (1, 50, 1),            # 0.01 x 0.50 = 0.005 -> 0.01
    (0, 12000, 0),
])
def test_labor_amount_rounds_half_up(hours, rate, expected):
    assert money.labor_amount(hours, rate) == expected


@pytest.mark.parametrize("quantity, price, expected", [
    (4500, 6800, 30600),   # 4.5 l x 68.00 = 306.00
    (1, 12345, 12),        # 0.001 x 123.45 = 0.12345 -> 0.12
    (333, 1500, 500),      # 0.333 x 15.00 = 4.995 -> 5.00 (half up)
    (2000, 9999, 19998),
])
def test_parts_amount_rounds_half_up(quantity, price, expected):
    assert money.parts_amount(quantity, price) == expected


@pytest.mark.parametrize("total, rate, net, vat", [
    (11300, 1300, 10000, 1300),
    (100, 1300, 88, 12),        # 100 / 1.13 = 88.495... -> 88
    (1, 1300, 1, 0),            # 1 / 1.13 = 0.885 -> 1
    (0, 1300, 0, 0),
    (10600, 600, 10000, 600),
])
def test_split_vat(total, rate, net, vat):
    assert money.split_vat(total, rate) == (net, vat)


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=10_000))
def test_split_vat_adds_up(total, rate):
    net, vat = money.split_vat(total, rate)
    assert net + vat == total and 0 <= vat <= total


@pytest.mark.parametrize("fen, words", [
    (123456, "壹仟贰佰叁拾肆元伍角陆分"),
    (100, "壹元整"),
    (5, "伍分"),
    (0, "零元整"),
    (100205, "壹仟零贰元零伍分"),
    (1050, "壹拾元伍角"),
    (100000000, "壹佰万元整"),
])
def test_capital_numerals(fen, words):
    assert money.capital_numerals(fen) == words


@pytest.mark.parametrize("text, fen", [("1234.5", 123450), ("1,234.56", 123456), ("¥12", 1200), (" 0.01 ", 1)])
def test_parse_yuan(text, fen):
    assert money.parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["", "abc", "1.234", "NaN", "1e400"])
def test_parse_yuan_refuses_what_is_not_an_amount(text):
    with pytest.raises(ValueError):
        money.parse_yuan(text)


def test_parse_scaled_keeps_three_decimals_at_most():
    assert money.parse_scaled("4.5", money.QUANTITY_SCALE) == 4500
    assert money.parse_scaled("1.25", money.HOURS_SCALE) == 125
    with pytest.raises(ValueError):
        money.parse_scaled("1.0005", money.QUANTITY_SCALE)


def test_formatting():
    assert money.yuan(123456) == "1,234.56"
    assert money.yuan(-5) == "-0.05"
    assert money.scaled(4500, money.QUANTITY_SCALE) == "4.5"
    assert money.scaled(2000, money.QUANTITY_SCALE) == "2"
