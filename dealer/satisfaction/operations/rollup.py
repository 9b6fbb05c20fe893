"""The service operations dashboard's days rolled up (运营日汇总), written in each store's night (`tasks.py`), so
that a month's dashboard reads a few rows a day instead of aggregating the month's orders, lines and clocks (about
8 ms on the 7th of a month at 50,000 orders a store, four times that at its end).

A day's figures come from the orders settled that day, and a settled order never changes (`repair.models.guard`:
its lines, crew and clocks included); a reversal is an order of its own day. So a closed day's rows stay right;
the night still recounts every day since the first of the previous month, so that history recorded late with an
earlier settlement time is right by the next night. `through` says how far the rows go: the dashboard counts the
days from it live.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from dealer.extensions import db
from dealer.repair.models import RepairOrder
from dealer.satisfaction.models import OperationHours, OperationOrders, OperationRevenue, OperationRun
from dealer.satisfaction.operations.counting import count_days
from dealer.satisfaction.services.month import next_month, previous_month
from dealer.stores.models import Store


def roll_up_operations(*, now: datetime, day: date | None = None, store_ids: list[int] | None = None) -> int:
    """Write the stores' days of operations up to the store's today, month by month (one commit per store): from
    the first of the previous month (from the month of its first settled order the first time, and from where the
    last night stopped when nights were missed). Returns the days written."""
    where = [Store.id.in_(store_ids)] if store_ids is not None else [Store.active]
    stores = list(db.session.scalars(sa.select(Store).where(*where).order_by(Store.id)))
    return sum(_roll_up_store(store, now=now, day=day) for store in stores)


def _roll_up_store(store, *, now: datetime, day: date | None) -> int:
    today = day or store.local_date(now)
    run = db.session.get(OperationRun, store.id, with_for_update=True)  # one night at a time per store
    first = previous_month(today.replace(day=1))
    if run is not None:
        first = min(first, run.through.replace(day=1))
    else:
        settled = db.session.scalar(sa.select(sa.func.min(RepairOrder.settled_at))
                                    .where(RepairOrder.store_id == store.id))
        if settled is not None:
            first = min(first, store.local_date(settled).replace(day=1))
    for table in (OperationRevenue, OperationOrders, OperationHours):
        db.session.execute(sa.delete(table).where(table.store_id == store.id, table.day >= first))
    written, month = 0, first
    while month < today:  # the closed days, a month at a time (each statement is built for a month's days)
        days = [month + timedelta(days=n) for n in range((min(next_month(month), today) - month).days)]
        counted = count_days(store, days)
        _insert(OperationRevenue, [{"day": d, "kind": kind, "payer": payer, "amount_fen": amount,
                                    "discount_fen": discount} for d, kind, payer, amount, discount in counted.revenue],
                store)
        _insert(OperationOrders, [{"day": d, "kind": kind, "orders": n, "paid_fen": paid, "paying": paying}
                                  for d, kind, n, paid, paying in counted.orders], store)
        _insert(OperationHours, [{"day": d, "technician_id": technician_id, "sold": sold, "clocked": clocked}
                                 for d, technician_id, sold, clocked in counted.hours], store)
        written += len(days)
        month = next_month(month)
    if run is None:
        db.session.add(OperationRun(store_id=store.id, through=today, computed_at=now))
    else:
        run.through, run.computed_at = today, now
    db.session.commit()
    return written


def _insert(table, rows: list[dict], store) -> None:
    if rows:
        db.session.execute(sa.insert(table.__table__), [{"store_id": store.id, **row} for row in rows])


@dataclass
class Rolled:
    """The rolled-up days of a month that a page reads (`rolled`): the revenue and hours summed over them, the
    orders by day."""

    revenue: list[tuple[str, str, int, int]] = field(default_factory=list)
    orders: list[tuple[date, str, int, int, int]] = field(default_factory=list)
    hours: list[tuple[int, float, float]] = field(default_factory=list)


def rolled(store_id: int, first: date, last: date) -> tuple[date | None, Rolled]:
    """How far the store's days are rolled up (None: never), and its rolled-up days from `first` to `last` (both
    included) before that, in one query."""
    found, through = Rolled(), None
    for section, day, kind, payer, technician_id, a, b, c, sold, clocked in db.session.execute(
            _rolled_statement(), {"store_id": store_id, "first": first, "last": last}):
        if section == 0:
            found.revenue.append((kind, payer, int(a), int(b)))
        elif section == 1:
            found.orders.append((day, kind, int(a), int(b), int(c)))
        elif section == 2:
            found.hours.append((technician_id, float(sold), float(clocked)))
        else:
            through = day
    return through, found


@functools.cache
def _rolled_statement():
    """The run's `through`, and the three tables' rows of the days asked before it, as one union: revenue and
    hours summed, orders by day."""
    def days(table):
        return (table.store_id == sa.bindparam("store_id"), table.day >= sa.bindparam("first", type_=sa.Date()),
                table.day <= sa.bindparam("last", type_=sa.Date()), table.day < OperationRun.through)

    def null(type_):
        return sa.null().cast(type_)

    def counted(select, table):
        return select.join(OperationRun, OperationRun.store_id == table.store_id).where(*days(table))

    revenue = counted(sa.select(sa.literal(0).label("section"), null(sa.Date()).label("day"), OperationRevenue.kind,
                                OperationRevenue.payer, null(sa.Integer()).label("technician_id"),
                                sa.func.sum(OperationRevenue.amount_fen).label("a"),
                                sa.func.sum(OperationRevenue.discount_fen).label("b"), null(sa.BigInteger()).label("c"),
                                null(sa.Double()).label("sold"), null(sa.Double()).label("clocked")),
                      OperationRevenue).group_by(OperationRevenue.kind, OperationRevenue.payer)
    orders = counted(sa.select(sa.literal(1), OperationOrders.day, OperationOrders.kind, null(sa.String()),
                               null(sa.Integer()), sa.cast(OperationOrders.orders, sa.BigInteger()),
                               OperationOrders.paid_fen, sa.cast(OperationOrders.paying, sa.BigInteger()),
                               null(sa.Double()), null(sa.Double())), OperationOrders)
    hours = counted(sa.select(sa.literal(2), null(sa.Date()), null(sa.String()), null(sa.String()),
                              OperationHours.technician_id, null(sa.BigInteger()), null(sa.BigInteger()),
                              null(sa.BigInteger()), sa.func.sum(OperationHours.sold),
                              sa.func.sum(OperationHours.clocked)),
                    OperationHours).group_by(OperationHours.technician_id)
    through = sa.select(sa.literal(3), OperationRun.through, null(sa.String()), null(sa.String()), null(sa.Integer()),
                        null(sa.BigInteger()), null(sa.BigInteger()), null(sa.BigInteger()), null(sa.Double()),
                        null(sa.Double())).where(OperationRun.store_id == sa.bindparam("store_id"))
    return sa.union_all(revenue, orders, hours, through)
