"""Money is integer fen (分) everywhere; this module is the only place that multiplies, rounds and formats it.

Quantities that can be fractional are integers too: hours in hundredths (1.5 h = 150), part quantities in
thousandths (4.5 litres = 4500), percentages in basis points (13% = 1300). Every product is computed
exactly with `Decimal` and rounded half up once, to the fen.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import cn2an

HOURS_SCALE = 100  # hours are stored in hundredths
QUANTITY_SCALE = 1000  # part quantities in thousandths (three decimals)
PERCENT_SCALE = 10_000  # basis points: 10,000 = 100%
MAX_YUAN = 10**10  # no amount or quantity a person types is this large


def round_half_up(value: Decimal) -> int:
    """Round an exact amount of fen to a whole fen, halves away from zero (四舍五入)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def labor_amount(hours_hundredths: int, rate_fen: int) -> int:
    """Return hours x hourly rate in fen, rounded half up."""
    return round_half_up(Decimal(hours_hundredths) * rate_fen / HOURS_SCALE)


def parts_amount(quantity_thousandths: int, unit_price_fen: int) -> int:
    """Return quantity x unit price in fen, rounded half up."""
    return round_half_up(Decimal(quantity_thousandths) * unit_price_fen / QUANTITY_SCALE)


def percent_of(amount_fen: int, basis_points: int) -> int:
    """Return `basis_points` of `amount_fen` (a discount), rounded half up."""
    return round_half_up(Decimal(amount_fen) * basis_points / PERCENT_SCALE)


def split_vat(total_fen: int, rate_basis_points: int) -> tuple[int, int]:
    """Split a tax-inclusive total into (net, VAT): net = round half up of total / (1 + rate), VAT = the rest."""
    net = round_half_up(Decimal(total_fen) * PERCENT_SCALE / (PERCENT_SCALE + rate_basis_points))
    return net, total_fen - net


def parse_yuan(text: str) -> int:
    """Turn what a person typed in yuan ("1234.5", "1,234.56", "¥12") into fen.

    Raises ValueError when it is not an amount with at most two decimals.
    """
    cleaned = text.strip().replace(",", "").replace("，", "").lstrip("¥￥").strip()
    try:
        value = Decimal(cleaned)
    except ArithmeticError:
        raise ValueError(text) from None
    if not value.is_finite() or value.as_tuple().exponent < -2 or abs(value) >= MAX_YUAN:
        raise ValueError(text)
    return int(value * 100)


def parse_scaled(text: str, scale: int) -> int:
    """Turn a decimal typed by a person ("1.5", "4.500") into an integer of `scale` units per one.

    Raises ValueError when it has more decimals than the scale keeps.
    """
    try:
        value = Decimal(text.strip().replace(",", ""))
    except ArithmeticError:
        raise ValueError(text) from None
    if not value.is_finite() or abs(value) >= MAX_YUAN:
        raise ValueError(text)
    scaled = value * scale
    if scaled != scaled.to_integral_value():
        raise ValueError(text)
    return int(scaled)


def yuan(fen: int) -> str:
    """Format fen as yuan with two decimals and thousands separators: 123456 -> '1,234.56'."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def scaled(value: int, scale: int) -> str:
    """Format an integer of `scale` units per one without trailing zeros: 4500/1000 -> '4.5'."""
    text = format(Decimal(value) / scale, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def capital_numerals(fen: int) -> str:
    """Write an amount in Chinese capital numerals as on a receipt (大写): 123456 -> 壹仟贰佰叁拾肆元伍角陆分."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return cn2an.an2cn(f"{sign}{whole}.{cents:02d}", "rmb")
