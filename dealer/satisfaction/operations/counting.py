"""The service operations dashboard's days counted from the records, live: revenue by line kind and payer, settled
orders by kind, and hours sold and clocked per technician, each by the store's day the order was settled on (an
order counts in the day it was settled, 结算; a reversal, 红冲, in its own day with its negative amounts).

The night counts the closed days this way (`rollup`), the dashboard the days since (`operations`). The statement is
built once for each number of days, its values as parameters: store_id, start and end (the days' UTC edges), and
day_0 .. (each day's start).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from dealer.dialect import is_postgresql, seconds_between
from dealer.extensions import db
from dealer.repair.models import JobAssignment, RepairJob, RepairLine, RepairOrder, TimeEntry
from dealer.satisfaction.assurance import period_index
from dealer.timezones import day_start


@dataclass
class Days:
    """A store's days of operations as counted: each row by its day."""

    revenue: list[tuple[date, str, str, int, int]] = field(default_factory=list)  # kind, payer, amount, discount
    orders: list[tuple[date, str, int, int, int]] = field(default_factory=list)  # kind, orders, paid (fen), paying
    hours: list[tuple[date, int, float, float]] = field(default_factory=list)  # technician, sold, clocked


def count_days(store, days: list[date]) -> Days:
    """The store's consecutive `days` (at most a month's), counted live: one statement (revenue, orders, hours sold
    and hours clocked as its four sections), whatever the rows."""
    counted = Days()
    if not days:
        return counted
    values = {"store_id": store.id, "start": day_start(days[0], store),
              "end": day_start(days[-1] + timedelta(days=1), store),
              **{f"day_{index}": day_start(day, store) for index, day in enumerate(days)}}
    hours: dict[tuple[int, int], list[float]] = {}
    for section, index, kind, payer, technician_id, a, b, c, value in _counted(_statement(len(days)), values):
        if section == REVENUE:
            counted.revenue.append((days[index], kind, payer, int(a or 0), int(b or 0)))
        elif section == ORDERS:
            counted.orders.append((days[index], kind, int(a), int(b or 0), int(c or 0)))
        else:  # hours sold, hours clocked
            hours.setdefault((int(index), int(technician_id)), [0.0, 0.0])[section - SOLD] = float(value or 0)
    counted.hours = [(days[index], technician_id, sold_hours, clocked_seconds)
                     for (index, technician_id), (sold_hours, clocked_seconds) in sorted(hours.items())]
    return counted


REVENUE, ORDERS, SOLD, CLOCKED = range(4)  # the statement's sections

# PostgreSQL plans the statement anew on every execution: prepared (psycopg prepares a statement from its fifth
# execution on a connection), its generic plan is estimated dearer than a custom one, so the plan cache keeps
# planning it (0.9 ms of its 1.9 ms on the dashboard). The generic plan runs the day as fast (0.85 ms in all):
# this statement alone is run with it (SET LOCAL), the setting it had put back after (read before it is changed:
# the materialized CTE is evaluated first).
_GENERIC_PLAN = sa.text("WITH was AS MATERIALIZED (SELECT current_setting('plan_cache_mode') AS mode) "
                        "SELECT mode, set_config('plan_cache_mode', 'force_generic_plan', true) FROM was")
_PLAN_AS_IT_WAS = sa.select(sa.func.set_config("plan_cache_mode", sa.bindparam("mode", type_=sa.String()), sa.true()))


def _counted(statement, values) -> list:
    if not is_postgresql():
        return db.session.execute(statement, values).all()
    mode = db.session.execute(_GENERIC_PLAN).scalar_one()
    rows = db.session.execute(statement, values).all()
    db.session.execute(_PLAN_AS_IT_WAS, {"mode": mode})
    return rows


def _settled():
    """The orders settled in the days at the store."""
    return (RepairOrder.store_id == sa.bindparam("store_id"),
            RepairOrder.settled_at >= sa.bindparam("start", type_=RepairOrder.settled_at.type),
            RepairOrder.settled_at < sa.bindparam("end", type_=RepairOrder.settled_at.type))


def _null(type_):
    return sa.null().cast(type_)


@functools.cache
def _statement(days: int):
    """Revenue, orders, hours sold and hours clocked, each grouped by the day's index among `days` days, as the four
    sections of one union (one round trip): (section, day index, kind, payer, technician, a, b, c, hours), each
    column of one type across the sections."""
    bounds = [sa.bindparam(f"day_{index}", type_=RepairOrder.settled_at.type) for index in range(days)]
    day = period_index(RepairOrder.settled_at, [*bounds, sa.bindparam("end", type_=RepairOrder.settled_at.type)])
    no_text, no_technician, no_figure, no_hours = (_null(sa.String()), _null(sa.Integer()), _null(sa.BigInteger()),
                                                  _null(sa.Double()))
    revenue = (sa.select(sa.literal(REVENUE), day, RepairLine.kind, RepairLine.payer, no_technician,
                         sa.func.sum(RepairLine.amount_fen), sa.func.sum(RepairLine.discount_fen), no_figure, no_hours)
               .join(RepairOrder, sa.and_(RepairOrder.id == RepairLine.order_id,
                                          RepairOrder.store_id == RepairLine.store_id))
               .where(RepairLine.store_id == sa.bindparam("store_id"), *_settled())
               .group_by(day, RepairLine.kind, RepairLine.payer))
    paid = sa.func.coalesce(RepairOrder.customer_total_fen, 0)
    orders = (sa.select(sa.literal(ORDERS), day, RepairOrder.kind, no_text, no_technician, sa.func.count(),
                        sa.func.sum(paid), sa.func.sum(sa.case((paid > 0, 1), else_=0)), no_hours)
              .where(*_settled(), RepairOrder.reversal_of_id.is_(None)).group_by(day, RepairOrder.kind))

    def hours(number, select):  # (day index, technician, value) in the union's columns
        index, technician_id, value = select.selected_columns
        return select.with_only_columns(sa.literal(number), index, no_text, no_text, technician_id, no_figure,
                                        no_figure, no_figure, value, maintain_column_froms=True)

    return sa.union_all(revenue, orders, *(hours(number, select)
                                           for number, select in zip((SOLD, CLOCKED), _hours_statements(day))))


def _hours_statements(day):
    """Hours sold and hours clocked per technician and day on the jobs of the days' settled orders (reversals
    apart). Each job's labor hours first, then shared among its crew: the crew counted once per job by a window over
    its assignments (not a count per line and technician)."""
    order, job, line, who = RepairOrder, RepairJob, RepairLine, JobAssignment
    job_hours = (sa.select(line.job_id, line.store_id, day.label("day"), sa.func.sum(line.hours).label("hours"))
                 .select_from(order)
                 .join(job, sa.and_(job.order_id == order.id, job.store_id == order.store_id))
                 .join(line, sa.and_(line.job_id == job.id, line.store_id == job.store_id))
                 .where(*_settled(), order.reversal_of_id.is_(None), line.kind == "labor", line.hours.is_not(None))
                 .group_by(line.job_id, line.store_id, day).subquery())
    shares = (sa.select(who.technician_id, job_hours.c.day, job_hours.c.hours,
                        sa.func.count().over(partition_by=who.job_id).label("crew"))
              .join(job_hours, sa.and_(who.job_id == job_hours.c.job_id, who.store_id == job_hours.c.store_id))
              .subquery())
    sold = (sa.select(shares.c.day, shares.c.technician_id, sa.func.sum(shares.c.hours * 1.0 / shares.c.crew))
            .group_by(shares.c.day, shares.c.technician_id))
    clocked = (sa.select(day, TimeEntry.technician_id,
                         sa.func.sum(seconds_between(TimeEntry.ended_at, TimeEntry.started_at)))
               .select_from(order)
               .join(job, sa.and_(job.order_id == order.id, job.store_id == order.store_id))
               .join(TimeEntry, sa.and_(TimeEntry.job_id == job.id, TimeEntry.store_id == job.store_id))
               .where(*_settled(), order.reversal_of_id.is_(None), TimeEntry.ended_at.is_not(None))
               .group_by(day, TimeEntry.technician_id))
    return sold, clocked
