"""The five assurances' monthly roll-up (月度汇总), written in each store's night (`tasks.py`).

Which closed months are written whole, for each store: those of the last WINDOW_MONTHS not rolled up yet or marked
stale by a late change (`rollup.mark_stale`), and always the last RECHECK_MONTHS, whatever their state: what no
event announces (a rescue's arrival recorded after midnight on the 1st) settles within days of the month's end.
The current month is written partly, every night: its orders' counts up to the store's midnight (`until`; the
night runs at 02:00 or later, so nothing before it is still being written). The counts are `assurance.figures`'
own, so the roll-up and a live computation agree.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from dealer.extensions import db
from dealer.satisfaction import assurance
from dealer.satisfaction.models import RollupFigure, RollupMonth
from dealer.satisfaction.rollup import month_of
from dealer.satisfaction.services.month import month_bounds, previous_month
from dealer.stores.models import Store
from dealer.timezones import day_start

WINDOW_MONTHS = 24  # the closed months kept rolled up: the 12-month trend of any of the last 12 months
RECHECK_MONTHS = 2  # the last closed months rewritten every night
# The hourly part (`advance_current_months`) counts what was ready or settled up to the last whole hour at least
# this long ago: a settlement or quality check under way while it counts commits long before.
ADVANCE_LAG = timedelta(hours=1)


def roll_up(*, now: datetime, day: date | None = None, store_ids: list[int] | None = None) -> int:
    """Write the roll-up of the stores' months that are due (one commit per store). Returns months written, the
    current month's part included."""
    where = [Store.id.in_(store_ids)] if store_ids is not None else [Store.active]
    stores = list(db.session.scalars(sa.select(Store).where(*where).order_by(Store.id)))
    return sum(_roll_up_store(store, now=now, day=day) for store in stores)


def _roll_up_store(store, *, now: datetime, day: date | None) -> int:
    today = day or store.local_date(now)
    current = today.replace(day=1)
    closed = assurance.months_ending(previous_month(current), WINDOW_MONTHS)
    fresh = set(db.session.scalars(sa.select(RollupMonth.month).where(
        RollupMonth.store_id == store.id, RollupMonth.month.in_(closed), RollupMonth.stale.is_(False),
        RollupMonth.until.is_(None))))
    due = [month for month in closed if month not in fresh or month >= closed[-RECHECK_MONTHS]]
    # The months' rows exist and are committed first, so that a late change made while they are computed finds
    # them to mark (it waits for the lock below, then marks the month stale).
    written = [*due, current]
    existing = set(db.session.scalars(sa.select(RollupMonth.month).where(
        RollupMonth.store_id == store.id, RollupMonth.month.in_(written))))
    db.session.add_all(RollupMonth(store_id=store.id, month=month, stale=True) for month in written
                       if month not in existing)
    db.session.commit()
    # Held, then computed: a change committed before the lock is counted, one made after it marks the month stale.
    db.session.execute(sa.select(RollupMonth.month).where(
        RollupMonth.store_id == store.id, RollupMonth.month.in_(written)).with_for_update())
    found = assurance.live_figures(store, closed[closed.index(due[0]):])
    until = day_start(today, store)
    night = assurance.order_counts(store.id, month_bounds(store, current)[0], until)
    db.session.execute(sa.delete(RollupFigure).where(RollupFigure.store_id == store.id,
                                                     RollupFigure.month.in_(written)))
    db.session.execute(sa.insert(RollupFigure), [
        {"store_id": store.id, "month": month, "measure": measure, "value": value}
        for month in due for measure, value in assurance.counts(found[month]).items()] + [
        *_part_rows(store.id, current, night)])
    db.session.execute(sa.update(RollupMonth).where(RollupMonth.store_id == store.id, RollupMonth.month.in_(due))
                       .values(stale=False, computed_at=now, until=None))
    db.session.execute(sa.update(RollupMonth).where(RollupMonth.store_id == store.id, RollupMonth.month == current)
                       .values(stale=False, computed_at=now, until=until))
    db.session.commit()
    return len(written)


def advance_current_months(*, now: datetime, store_ids: list[int] | None = None) -> int:
    """Bring each store's current month's part forward, every hour, to the last whole hour at least ADVANCE_LAG ago
    (`until`), so that the pages count the orders of an hour or two live, not of the day since midnight (a group's
    afternoon: 1,300 orders, each probed for comebacks). Only a row the night made partial (before the store's
    first night there is none, and a new month waits for its night), held while its counts are rewritten as the
    night writes them; a stale row is counted afresh. One commit per store. Returns the stores moved."""
    until = (now - ADVANCE_LAG).replace(minute=0, second=0, microsecond=0)
    where = [Store.id.in_(store_ids)] if store_ids is not None else [Store.active]
    moved = 0
    for store in db.session.scalars(sa.select(Store).where(*where).order_by(Store.id)).all():
        month = month_of(now, store)
        start, _end = month_bounds(store, month)
        row = db.session.scalar(sa.select(RollupMonth).where(
            RollupMonth.store_id == store.id, RollupMonth.month == month, RollupMonth.until.is_not(None))
            .with_for_update())  # a late change waits, then marks the row stale after these counts
        if row is None or until <= start or row.until >= until:
            db.session.commit()
            continue
        counts = assurance.order_counts(store.id, start, until)
        db.session.execute(sa.delete(RollupFigure).where(RollupFigure.store_id == store.id, RollupFigure.month == month))
        db.session.execute(sa.insert(RollupFigure), _part_rows(store.id, month, counts))
        row.until, row.stale, row.computed_at = until, False, now
        db.session.commit()
        moved += 1
    return moved


def _part_rows(store_id: int, month: date, counts) -> list[dict]:
    """The rows of a partial month (the orders' counts, `assurance.ORDER_MEASURES`), as the night and the hour
    write them."""
    return [{"store_id": store_id, "month": month, "measure": measure, "value": getattr(counts, measure)}
            for measure in assurance.ORDER_MEASURES]
