"""The five assurances' monthly roll-up (月度汇总): each store-month's counts, kept so that the trend and the
group ranking read a few rows instead of aggregating a year of orders.

What is kept is what `assurance.Figures` is made of (the n, the numerators, the sums of seconds and points; the
arrival median and 90th percentile as computed), never a ratio: a page makes its shares from the counts exactly as
from a live computation, so the figures are the same. The nightly task (`services.rollup.roll_up`) writes closed
months whole, and the current month partly: the counts of its orders ready or settled before the store's midnight
(`until`), which the pages bring up to date with the orders since; its follow-ups, cases and rescues are counted
live. A late change to a month marks it stale (`mark_stale`): the pages compute it live until the next night
rewrites it.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from dealer.extensions import db
from dealer.satisfaction.models import RollupFigure, RollupMonth


@dataclass(frozen=True)
class Kept:
    """A fresh rolled-up store-month: every count (`until` None), or (a partial month) its orders' counts up to
    `until`."""

    until: datetime | None
    values: dict[str, float | None]


def rolled_up(wanted: list[tuple[list[int], list[date]]], measures: tuple[str, ...]) -> dict[tuple[int, date], Kept]:
    """Every fresh rolled-up (store, month) of `wanted` (pairs of store ids and the months wanted of each):
    {(store id, month): Kept with the `measures`}, in one query of a row per store-month (the measures' rows turned
    into columns in SQL: a page reads a few dozen rows, not one per measure). A measure the row does not keep (a
    partial month keeps its orders' counts) reads as None, as one kept empty.

    A month not rolled up, or marked stale, is missing: the caller computes it live.
    """
    asked = [(list(ids), list(months)) for ids, months in wanted if ids and months]
    if not asked:
        return {}
    values = {name: value for index, (ids, months) in enumerate(asked)
              for name, value in ((f"ids_{index}", ids), (f"months_{index}", months))}
    return {(int(store_id), month): Kept(until, dict(zip(measures, kept, strict=True)))
            for store_id, month, until, *kept in db.session.execute(_rolled_up_statement(len(asked), measures),
                                                                   values)}


@functools.cache
def _rolled_up_statement(pairs: int, measures: tuple[str, ...]):
    """Built once for each number of (stores, months) pairs: its parameters ids_0, months_0, ..."""
    def asked(table):
        return sa.or_(*(sa.and_(table.store_id.in_(sa.bindparam(f"ids_{index}", expanding=True)),
                                table.month.in_(sa.bindparam(f"months_{index}", expanding=True)))
                        for index in range(pairs)))

    columns = [sa.func.max(sa.case((RollupFigure.measure == measure, RollupFigure.value))) for measure in measures]
    # The figures are asked for by the same stores and months as their months (not only joined to them), so that
    # they are read from their key's index, not scanned whole (every store-month's 20 rows).
    return (sa.select(RollupMonth.store_id, RollupMonth.month, RollupMonth.until, *columns)
            .join(RollupFigure, sa.and_(RollupMonth.store_id == RollupFigure.store_id,
                                        RollupMonth.month == RollupFigure.month))
            .where(asked(RollupMonth), asked(RollupFigure), RollupMonth.stale.is_(False))
            .group_by(RollupMonth.store_id, RollupMonth.month, RollupMonth.until))


def mark_stale(store_id: int, month: date) -> None:
    """A late change to the counts of a store's month's orders (a comeback confirmed against one): its roll-up,
    whole or partial, if any, is no longer read.

    Never commits: the change and the mark commit together. One UPDATE by key (a month not rolled up matches
    nothing). The nightly task holds the month's row while it rewrites it, so a mark made meanwhile waits and
    lands after it: the month is computed live until the next night.
    """
    db.session.execute(sa.update(RollupMonth).where(RollupMonth.store_id == store_id, RollupMonth.month == month)
                       .values(stale=True))


def follow_ups_changed(store, month: date, *, now: datetime) -> None:
    """A late change to a store's month's follow-ups (a form, a case closed): a whole month's roll-up is no longer
    read.

    The month not closed yet at the store: nothing to mark (a partial month counts its follow-ups live). A closed
    month: its row, if any, is locked by the UPDATE whatever it holds, and marked stale if whole; a partial one
    (the month closed since the last night) counts its follow-ups live. Locked either way, a mark made while the
    night turns the partial month whole waits for it and then marks what the night wrote. Never commits.
    """
    if month >= month_of(now, store):
        return
    db.session.execute(sa.update(RollupMonth).where(RollupMonth.store_id == store.id, RollupMonth.month == month)
                       .values(stale=sa.case((RollupMonth.until.is_(None), True), else_=RollupMonth.stale)))


def month_of(moment: datetime, store) -> date:
    """The store's local month `moment` falls in, its 1st."""
    return store.local_date(moment).replace(day=1)
