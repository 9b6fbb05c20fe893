"""The five assurances' current month brought forward every hour: the night's part moves up to the last whole hour at
least an hour ago, and the pages, counting only what came since, still agree with the live computation figure for
figure."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa

from dealer.extensions import db
from dealer.repair import services as repair
from dealer.satisfaction import assurance
from dealer.satisfaction.models import RollupMonth
from dealer.satisfaction.services.rollup import advance_current_months, roll_up
from dealer.scheduler import JOBS
from tests.helpers import NOW
from tests.repair.builders import add_labor, open_order
from tests.satisfaction.builders import delivered
from tests.satisfaction.test_rollup import MIDNIGHT, NOVEMBER, _live, _month, _until, group_shops  # noqa: F401

AN_HOUR_AGO = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)  # NOW is 02:00 UTC (10:00 at the store)


def _agrees(store, other_store, now=NOW):
    assert assurance.store_trend(store, NOVEMBER, now=now).figures == _live(store)
    ranked = dict((s.id, f) for s, f in assurance.ranking([store, other_store], NOVEMBER, now=now))
    assert ranked == {store.id: _live(store, [NOVEMBER])[0], other_store.id: _live(other_store, [NOVEMBER])[0]}


def test_the_hourly_part_moves_the_month_up_to_an_hour_ago_and_the_pages_still_agree(group_shops, shop, store,
                                                                                   other_store):
    assert ("assurance_current_month", "dealer.satisfaction.tasks:advance_current_months_job",
            {"trigger": "cron", "minute": 20}) in JOBS
    assert advance_current_months(now=NOW) == 0  # before the night: no part to move
    roll_up(now=NOW)
    # since the night: orders handed over in the morning (a late one, one over its approval, a comeback of the first
    # with a failed check), and one within the last hour
    _month(shop, MIDNIGHT + timedelta(hours=2), [(2, 2, 2), (-2, 0, 0), (1, 1, 1)])
    delivered(shop, now=NOW - timedelta(minutes=30))
    db.session.flush()

    assert advance_current_months(now=NOW) == 2
    assert _until(store, NOVEMBER) == _until(other_store, NOVEMBER) == AN_HOUR_AGO
    _agrees(store, other_store)
    assert advance_current_months(now=NOW + timedelta(minutes=10)) == 0  # the same hour: nothing to move

    # a comeback confirmed against an order of the part marks it stale (counted live); the next hour counts it afresh
    order = open_order(shop, "机油渗漏", now=NOW)
    add_labor(shop, order.jobs[0], now=NOW)
    repair.confirm_comeback(order.jobs[0].id, actor=shop.advisor, now=NOW)
    assert db.session.scalar(sa.select(RollupMonth.stale).where(RollupMonth.store_id == store.id,
                                                                RollupMonth.month == NOVEMBER))
    _agrees(store, other_store)
    later = NOW + timedelta(hours=1)
    assert advance_current_months(now=later) == 2
    assert _until(store, NOVEMBER) == AN_HOUR_AGO + timedelta(hours=1)
    assert not db.session.scalar(sa.select(RollupMonth.stale).where(RollupMonth.store_id == store.id,
                                                                    RollupMonth.month == NOVEMBER))
    _agrees(store, other_store, now=later)


def test_a_new_month_waits_for_its_night(shop, store):
    roll_up(now=NOW)
    # 00:30 on 1 December at the store: December has no part yet, November's is the night's until its night
    first_of_december = datetime(2026, 11, 30, 16, 30, tzinfo=timezone.utc)
    assert advance_current_months(now=first_of_december) == 0
    assert _until(store, NOVEMBER) == MIDNIGHT
    assert db.session.scalar(sa.select(RollupMonth).where(RollupMonth.month == date(2026, 12, 1))) is None
