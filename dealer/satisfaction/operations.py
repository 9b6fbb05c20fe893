"""The service operations dashboard (服务运营), per store and month, aggregated in SQL: revenue by labor and parts
and by payer, cars served (台次) per day, settled orders by kind with the average bill the owners paid, hours sold
against hours clocked per technician, and the parts stock's value. Each table exports to Excel (`export.operations_workbook`).

An order counts in the month it was settled (结算), in the store's own days; a reversal (红冲) counts in its own
month, with its negative amounts, so a month's revenue is net of what was reversed in it.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from dealer import money
from dealer.auth.models import User
from dealer.dialect import seconds_between
from dealer.extensions import db
from dealer.parts.models import Part
from dealer.repair.models import JobAssignment, RepairJob, RepairLine, RepairOrder, TimeEntry
from dealer.satisfaction.assurance import period_index
from dealer.satisfaction.services.month import month_bounds, next_month
from dealer.timezones import day_start


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


def operations(store, month: date) -> Operations:
    """The store's month of service operations: five grouped queries and the technicians' names, whatever the rows."""
    start, end = month_bounds(store, month)
    figures = Operations(store, month)
    days = _days(month)
    values = {"store_id": store.id, "start": start, "end": end,
              **{f"day_{index}": day_start(day, store) for index, day in enumerate(days)}}
    figures.revenue = [(kind, payer, int(amount or 0), int(discount or 0)) for kind, payer, amount, discount in
                       db.session.execute(_revenue_statement(), values)]
    # Cars per day and orders by kind: one grouped query by day and kind, summed both ways here.
    cars: dict[int, int] = {}
    kinds: dict[str, list[int]] = {}
    for day_index, kind, n, total, paying in db.session.execute(_days_statement(len(days)), values):
        cars[int(day_index)] = cars.get(int(day_index), 0) + int(n)
        sums = kinds.setdefault(kind, [0, 0, 0])
        sums[0], sums[1], sums[2] = sums[0] + int(n), sums[1] + int(total or 0), sums[2] + int(paying or 0)
    figures.days = [(day, cars.get(i, 0)) for i, day in enumerate(days)]
    figures.by_kind = [(kind, n, total) for kind, (n, total, _paying) in sorted(kinds.items())]
    figures.paid_orders = sum(paying for _n, _total, paying in kinds.values())
    figures.paid_fen = sum(total for _kind, _n, total in figures.by_kind)
    figures.technicians = _technician_hours(values)
    parts, value = db.session.execute(_stock_statement(), values).one()
    figures.stock_parts = int(parts or 0)
    figures.stock_value_fen = money.round_half_up(Decimal(int(value or 0)) / 1000)  # on hand is in thousandths
    return figures


# The statements are built once (the days' one for each month length), their values as parameters: store_id,
# start and end (the month's UTC edges), day_0 .. (each day's start).
def _settled():
    """The orders settled in the month at the store (a reversal included: revenue counts it, negative)."""
    return (RepairOrder.store_id == sa.bindparam("store_id"),
            RepairOrder.settled_at >= sa.bindparam("start", type_=RepairOrder.settled_at.type),
            RepairOrder.settled_at < sa.bindparam("end", type_=RepairOrder.settled_at.type))


@functools.cache
def _revenue_statement():
    return (sa.select(RepairLine.kind, RepairLine.payer, sa.func.sum(RepairLine.amount_fen),
                      sa.func.sum(RepairLine.discount_fen))
            .join(RepairOrder, sa.and_(RepairOrder.id == RepairLine.order_id,
                                       RepairOrder.store_id == RepairLine.store_id))
            .where(RepairLine.store_id == sa.bindparam("store_id"), *_settled())
            .group_by(RepairLine.kind, RepairLine.payer).order_by(RepairLine.kind, RepairLine.payer))


@functools.cache
def _days_statement(days: int):
    bounds = [sa.bindparam(f"day_{index}", type_=RepairOrder.settled_at.type) for index in range(days)]
    index = period_index(RepairOrder.settled_at, [*bounds, sa.bindparam("end", type_=RepairOrder.settled_at.type)])
    paid = sa.func.coalesce(RepairOrder.customer_total_fen, 0)
    return (sa.select(index, RepairOrder.kind, sa.func.count(), sa.func.sum(paid),
                      sa.func.sum(sa.case((paid > 0, 1), else_=0)))
            .where(*_settled(), RepairOrder.reversal_of_id.is_(None)).group_by(index, RepairOrder.kind))


@functools.cache
def _stock_statement():
    return (sa.select(sa.func.count(), sa.func.sum(Part.on_hand * Part.cost_fen))
            .where(Part.store_id == sa.bindparam("store_id"), Part.on_hand > 0))


@functools.cache
def _hours_statements():
    """Hours sold and hours clocked per technician on the jobs of the month's settled orders. Each job's labor hours
    first, then shared among its crew: the crew counted once per job by a window over its assignments (not a count
    per line and technician)."""
    order, job, line, who = RepairOrder, RepairJob, RepairLine, JobAssignment
    job_hours = (sa.select(line.job_id, line.store_id, sa.func.sum(line.hours).label("hours"))
                 .select_from(order)
                 .join(job, sa.and_(job.order_id == order.id, job.store_id == order.store_id))
                 .join(line, sa.and_(line.job_id == job.id, line.store_id == job.store_id))
                 .where(*_settled(), order.reversal_of_id.is_(None), line.kind == "labor", line.hours.is_not(None))
                 .group_by(line.job_id, line.store_id).subquery())
    shares = (sa.select(who.technician_id, job_hours.c.hours,
                        sa.func.count().over(partition_by=who.job_id).label("crew"))
              .join(job_hours, sa.and_(who.job_id == job_hours.c.job_id, who.store_id == job_hours.c.store_id))
              .subquery())
    sold = (sa.select(shares.c.technician_id, sa.func.sum(shares.c.hours * 1.0 / shares.c.crew))
            .group_by(shares.c.technician_id))
    clocked = (sa.select(TimeEntry.technician_id,
                         sa.func.sum(seconds_between(TimeEntry.ended_at, TimeEntry.started_at)))
               .select_from(order)
               .join(job, sa.and_(job.order_id == order.id, job.store_id == order.store_id))
               .join(TimeEntry, sa.and_(TimeEntry.job_id == job.id, TimeEntry.store_id == job.store_id))
               .where(*_settled(), order.reversal_of_id.is_(None), TimeEntry.ended_at.is_not(None))
               .group_by(TimeEntry.technician_id))
    return sold, clocked


def _technician_hours(values: dict) -> list[tuple[str, float, float]]:
    """Per technician, on the jobs of the month's settled orders: the labor hours sold (each line's hours shared
    equally among the job's technicians) and the hours they clocked on those jobs (工时 sold vs clocked)."""
    sold_statement, clocked_statement = _hours_statements()
    sold = dict(db.session.execute(sold_statement, values).all())
    clocked = dict(db.session.execute(clocked_statement, values).all())
    people = set(sold) | set(clocked)
    names = {row.id: row.full_name or row.username for row in db.session.execute(
        sa.select(User.id, User.full_name, User.username).where(User.id.in_(people)))} if people else {}
    return sorted(((names.get(person, str(person)), round(float(sold.get(person) or 0) / 100, 2),
                    round(float(clocked.get(person) or 0) / 3600, 2)) for person in people))


def _days(month: date) -> list[date]:
    days, day = [], month
    while day < next_month(month):
        days.append(day)
        day += timedelta(days=1)
    return days
