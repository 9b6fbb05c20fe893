"""The service operations dashboard (服务运营), per store and month: revenue by labor and parts and by payer, cars
served (台次) per day, settled orders by kind with the average bill the owners paid, hours sold against hours clocked
per technician, and the parts stock's value. Each table exports to Excel (`export.operations_workbook`).

The days before the night's `through` are read as the night rolled them up (`rollup`), the days since are counted
live from the records (`counting`), both aggregated in SQL.

An order counts in the month it was settled (结算), in the store's own days; a reversal (红冲) counts in its own
month, with its negative amounts, so a month's revenue is net of what was reversed in it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from dealer import money
from dealer.auth.models import User
from dealer.database import utcnow
from dealer.extensions import db
from dealer.parts.models import Part
from dealer.satisfaction.operations import counting, rollup
from dealer.satisfaction.services.month import next_month


@dataclass
class Operations:
    store: object
    month: date
    revenue: list[tuple[str, str, int, int]] = field(default_factory=list)  # kind, payer, amount, discount (fen)
    days: list[tuple[date, int]] = field(default_factory=list)  # the store's day, cars settled (台次)
    by_kind: list[tuple[str, int, int]] = field(default_factory=list)  # order kind, orders, owners paid (fen)
    paid_orders: int = 0  # orders the owner paid something for
    paid_fen: int = 0
    stock_parts: int = 0
    stock_value_fen: int = 0  # on hand x cost
    # technician, hours sold (labor lines, shared among the job's technicians), hours clocked; both in hours
    technicians: list[tuple[str, float, float]] = field(default_factory=list)

    @property
    def cars(self) -> int:
        return sum(count for _day, count in self.days)

    @property
    def average_bill_fen(self) -> int | None:
        return money.round_half_up(Decimal(self.paid_fen) / self.paid_orders) if self.paid_orders else None

    def revenue_total(self, kind: str | None = None) -> int:
        return sum(amount - discount for k, _payer, amount, discount in self.revenue if kind in (None, k))


def operations(store, month: date, *, now: datetime | None = None) -> Operations:
    """The store's month of service operations: its days rolled up by the night (`rollup`) and the days since, up to
    the store's day of `now`, counted live (`counting`), then the stock and the technicians' names."""
    figures = Operations(store, month)
    days = _days(month)
    through, kept = rollup.rolled(store.id, days[0], days[-1])
    closed = [day for day in days if through is not None and day < through]
    today = store.local_date(now or utcnow())  # nothing is settled after it: the days since the night up to it
    live = counting.count_days(store, [day for day in days[len(closed):] if day <= today])
    revenue: dict[tuple[str, str], list[int]] = {}
    for kind, payer, amount, discount in [*kept.revenue, *((k, p, a, d) for _day, k, p, a, d in live.revenue)]:
        sums = revenue.setdefault((kind, payer), [0, 0])
        sums[0], sums[1] = sums[0] + amount, sums[1] + discount
    figures.revenue = [(kind, payer, amount, discount) for (kind, payer), (amount, discount) in sorted(revenue.items())]
    cars: dict[date, int] = {}
    kinds: dict[str, list[int]] = {}
    for day, kind, n, total, paying in [*kept.orders, *live.orders]:
        cars[day] = cars.get(day, 0) + n
        sums = kinds.setdefault(kind, [0, 0, 0])
        sums[0], sums[1], sums[2] = sums[0] + n, sums[1] + total, sums[2] + paying
    figures.days = [(day, cars.get(day, 0)) for day in days]
    figures.by_kind = [(kind, n, total) for kind, (n, total, _paying) in sorted(kinds.items())]
    figures.paid_orders = sum(paying for _n, _total, paying in kinds.values())
    figures.paid_fen = sum(total for _kind, _n, total in figures.by_kind)
    hours: dict[int, list[float]] = {}
    for technician_id, sold, clocked in [*kept.hours, *((t, s, c) for _day, t, s, c in live.hours)]:
        sums = hours.setdefault(technician_id, [0.0, 0.0])
        sums[0], sums[1] = sums[0] + sold, sums[1] + clocked
    figures.technicians = _technicians(hours)
    parts, value = db.session.execute(_STOCK, {"store_id": store.id}).one()
    figures.stock_parts = int(parts or 0)
    figures.stock_value_fen = money.round_half_up(Decimal(int(value or 0)) / 1000)  # on hand is in thousandths
    return figures


_STOCK = (sa.select(sa.func.count(), sa.func.sum(Part.on_hand * Part.cost_fen))
          .where(Part.store_id == sa.bindparam("store_id"), Part.on_hand > 0))


def _technicians(hours: dict[int, list[float]]) -> list[tuple[str, float, float]]:
    """Per technician, on the jobs of the month's settled orders: the labor hours sold (each job's hours shared
    equally among its technicians) and the hours they clocked on those jobs (工时 sold vs clocked), by name."""
    names = {row.id: row.full_name or row.username for row in db.session.execute(
        sa.select(User.id, User.full_name, User.username).where(User.id.in_(list(hours))))} if hours else {}
    return sorted((names.get(person, str(person)), round(sold / 100, 2), round(clocked / 3600, 2))
                  for person, (sold, clocked) in hours.items())


def _days(month: date) -> list[date]:
    days, day = [], month
    while day < next_month(month):
        days.append(day)
        day += timedelta(days=1)
    return days
