"""The five assurances' monthly roll-up (月度汇总): each closed store-month's counts, kept so that the trend and the
group ranking read a few rows instead of aggregating a year of orders.

What is kept is what `assurance.Figures` is made of (the n, the numerators, the sums of seconds and points; the
arrival median and 90th percentile as computed), never a ratio: a page makes its shares from the counts exactly as
from a live computation, so the figures are the same. The nightly task (`services.rollup.roll_up`) writes closed
months; the current month is always computed live. A late change to a closed month marks it stale (`mark_stale`):
the pages compute it live until the next night rewrites it.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from dealer.extensions import db
from dealer.satisfaction.models import RollupFigure, RollupMonth


def rolled_up(store_ids: list[int], months: list[date]) -> dict[tuple[int, date], dict[str, float | None]]:
    """The counts of every fresh rolled-up (store, month) asked for: {(store id, month): {measure: value}} (one query).

    A month not rolled up, or marked stale, is missing: the caller computes it live.
    """
    if not store_ids or not months:
        return {}
    found: dict[tuple[int, date], dict[str, float | None]] = {}
    for store_id, month, measure, value in db.session.execute(
            sa.select(RollupFigure.store_id, RollupFigure.month, RollupFigure.measure, RollupFigure.value)
            .join(RollupMonth, sa.and_(RollupMonth.store_id == RollupFigure.store_id,
                                       RollupMonth.month == RollupFigure.month))
            .where(RollupMonth.store_id.in_(store_ids), RollupMonth.month.in_(months), RollupMonth.stale.is_(False))):
        found.setdefault((int(store_id), month), {})[measure] = value
    return found


def mark_stale(store_id: int, month: date) -> None:
    """A late change to a store's month (a form, a case, a comeback): its roll-up, if any, is no longer read.

    Never commits: the change and the mark commit together. One UPDATE by key (a month not rolled up matches
    nothing). The nightly task holds the month's row while it rewrites it, so a mark made meanwhile waits and
    lands after it: the month is computed live until the next night.
    """
    db.session.execute(sa.update(RollupMonth).where(RollupMonth.store_id == store_id, RollupMonth.month == month)
                       .values(stale=True))


def month_of(moment: datetime, store) -> date:
    """The store's local month `moment` falls in, its 1st."""
    return store.local_date(moment).replace(day=1)
