"""The package discount's spread and the package preselected for a car's due maintenance (pure)."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from dealer.quicklane.handlers import spread
from dealer.quicklane.queries import mask_plate
from dealer.quicklane.services import suggested_package
from dealer.repair import pricing

TODAY = date(2026, 11, 23)


def line(key, amount):
    return pricing.LineInput(key=key, kind="parts", payer="customer", quantity=1000, unit_price_fen=amount)


def test_spread_is_exact_and_proportional():
    lines = [line(1, 30_600), line(2, 4_560), line(3, 6_000)]
    discounts = spread(lines, 39_900)
    assert sum(d.amount_fen for d in discounts) == 41_160 - 39_900
    assert [d.line_key for d in discounts] == [1, 2, 3]
    # 936.73, 139.59, 183.67: floors 936, 139, 183 leave 2 fen, to the largest remainders (.73, .67)
    assert [d.amount_fen for d in discounts] == [937, 139, 184]
    assert all(d.source == "package" for d in discounts)


def test_spread_offers_nothing_when_the_package_is_not_cheaper():
    assert spread([line(1, 100)], 100) == [] and spread([line(1, 100)], 200) == [] and spread([], 0) == []


def package(interval_km):
    return SimpleNamespace(interval_km=interval_km, name=f"{interval_km}")


PACKAGES = [package(5_000), package(10_000), package(20_000), package(None)]


def test_the_due_maintenance_preselects_the_largest_package_that_fits():
    def suggest(last_km, due=TODAY):
        return suggested_package(PACKAGES, last_service_km=last_km, interval_km=5_000, next_due=due, today=TODAY,
                                 odometer_km=None)
    assert suggest(15_000).interval_km == 20_000
    assert suggest(5_000).interval_km == 10_000
    assert suggest(10_000).interval_km == 5_000
    assert suggest(15_000, due=date(2027, 3, 1)) is None  # not due within 30 days
    assert suggest(15_000, due=None) is None


def test_plates_are_masked_for_the_lounge():
    assert mask_plate("粤B12345") == "粤B·***45"
    assert mask_plate("粤BD12345") == "粤B·***45"
