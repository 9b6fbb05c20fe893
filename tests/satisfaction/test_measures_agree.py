"""Repair's month figures (/repair/figures) and the five assurances (/satisfaction/assurance) are computed from the
same records by one definition (repair.measures): built orders, both pages, the same figures."""
from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from dealer.extensions import db
from dealer.parts.models import Part
from dealer.repair.models import RepairJob, RepairOrder
from tests.helpers import NOW, login, persist, text
from tests.isolation import isolated_client
from tests.satisfaction.builders import delivered


def _set(order, **values):
    db.session.execute(sa.update(RepairOrder).where(RepairOrder.id == order.id).values(**values))


def _figure(page: str, testid: str) -> str:
    return re.search(rf'data-testid="{testid}">\s*([^<]*?)\s*<', page).group(1)


def test_both_pages_show_the_same_time_and_quality_figures(app, shop, staff):
    db.session.execute(sa.update(Part).where(Part.store_id == shop.store.id).values(on_hand=1_000_000))  # 1,000 L
    orders = [delivered(shop, now=NOW + timedelta(hours=i)) for i in range(7)]
    _set(orders[0], ready_at=orders[0].promised_at + timedelta(minutes=91))  # late
    _set(orders[1], ready_at=orders[1].promised_at + timedelta(minutes=30, seconds=30))  # late
    _set(orders[2], promised_at=None)  # nothing promised: counted by neither time figure
    first_job = db.session.scalar(sa.select(RepairJob.id).where(RepairJob.order_id == orders[0].id))
    db.session.execute(sa.update(RepairJob).where(RepairJob.order_id == orders[3].id)
                       .values(comeback_of_id=first_job, comeback_of_order_id=orders[0].id,
                               comeback_state="confirmed"))
    delivered(shop, now=NOW.replace(month=10, day=20))  # October's: neither page counts it
    persist()
    client = isolated_client(app)
    login(client, staff["manager"])

    repair = text(client.get("/repair/figures?month=2026-11"))
    assured = text(client.get("/satisfaction/assurance?month=2026-11"))

    # 6 of 7 ready with a promise, 4 on time; 7 settled, one came back, one is a comeback
    assert _figure(repair, "on-time-rate") == _figure(assured, "on-time") == "66.7%"
    assert _figure(assured, "on-time-n") == "n = 6"
    assert re.sub(r"\D", "", _figure(repair, "average-lateness")) == _figure(assured, "lateness") == "61"
    assert _figure(repair, "first-time-fix-rate") == _figure(assured, "first-time-fix") == "85.7%"
    assert _figure(repair, "comeback-rate") == _figure(assured, "comebacks") == "14.3%"
