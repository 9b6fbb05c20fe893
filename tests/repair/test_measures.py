"""The time and quality measures defined once (repair.measures): the day at a glance counts ready on time as the
month's figures and the five assurances do, only orders that had a promise."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from dealer.database import utcnow
from dealer.extensions import db
from dealer.repair import home, measures, services
from dealer.repair.models import RepairOrder
from tests.factories import VehicleFactory
from tests.repair.builders import finished_order

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _finished(shop, now, **fields):
    shop.vehicle = VehicleFactory(owner__store=shop.store, store=shop.store)
    order = finished_order(shop, now=now)
    if fields:
        db.session.execute(sa.update(RepairOrder).where(RepairOrder.id == order.id).values(**fields))
    return order


def test_an_order_ready_without_a_promise_is_neither_on_time_nor_late_on_any_page(shop):
    noon = datetime.combine(utcnow().astimezone(SHANGHAI).date(), time(12), SHANGHAI).astimezone(timezone.utc)
    _finished(shop, noon)  # promised 4 hours after it opened: on time
    _finished(shop, noon, promised_at=None)  # nothing was promised
    _finished(shop, noon, promised_at=noon - timedelta(minutes=30))  # late by half an hour
    db.session.flush()
    month = date(noon.astimezone(SHANGHAI).year, noon.astimezone(SHANGHAI).month, 1)

    [day] = home.day_figures(actor=shop.manager, now=noon + timedelta(hours=1))
    row = services.time_figures(actor=shop.manager, month=month)

    assert (day.ready, day.on_time) == (row.ready, row.on_time) == (2, 1)
    assert row.average_late_minutes == 30 and row.on_time_pct == 50.0


def test_a_share_has_one_decimal_and_no_base_is_none():
    assert (measures.pct(2, 3), measures.pct(1, 8), measures.pct(0, 0)) == (66.7, 12.5, None)
    assert (measures.average_minutes(5430, 2), measures.average_minutes(0, 0)) == (45, None)
