"""The service operations dashboard's days rolled up by the night: the dashboard reads the closed days as rolled up
and counts the days since live, and the two together are the month counted live, through the changes a day brings."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from dealer.extensions import db
from dealer.parts import services as parts
from dealer.repair import services as repair
from dealer.repair.models import JobAssignment, RepairLine, TimeEntry
from dealer.satisfaction import operations
from dealer.satisfaction.models import OperationOrders, OperationRevenue, OperationRun
from dealer.satisfaction.operations import rollup
from dealer.satisfaction.tasks import roll_up_operations
from dealer.scheduler import nightly_tasks
from tests.factories import UserFactory
from tests.helpers import NOW
from tests.repair.builders import pay
from tests.satisfaction.builders import delivered

NOVEMBER, OCTOBER = date(2026, 11, 1), date(2026, 10, 1)  # NOW is 2026-11-23 12:00 in Shanghai


def _live(monkeypatch, store, month):
    """The month counted live from the records alone (as before any night)."""
    with monkeypatch.context() as patched:
        patched.setattr(rollup, "rolled", lambda _store_id, _first, _last: (None, rollup.Rolled()))
        return _figures(operations.operations(store, month))


def _figures(o):
    return o.revenue, o.days, o.by_kind, o.paid_orders, o.paid_fen, o.technicians


def test_the_nights_days_and_the_days_since_are_the_month_counted_live(monkeypatch, shop, store):
    """Orders on several days of two months (a job shared by two technicians, clocks of 90 minutes, a reversal): after
    the night, each month read from its rolled-up days and the days since equals the month counted live; and still
    after an order and a reversal of a closed day's order settled today (counted live, in today)."""
    assert dict(nightly_tasks())["operations_rollup"] is roll_up_operations
    parts.receive_stock(shop.oil.id, quantity=50_000, unit_cost_fen=4000, reference="DN1", actor=shop.clerk,
                        now=NOW.replace(month=9))
    orders = [delivered(shop, now=NOW.replace(month=10, day=5)), delivered(shop, now=NOW - timedelta(days=20)),
              delivered(shop, now=NOW - timedelta(days=3)), delivered(shop, now=NOW - timedelta(days=3, hours=2))]
    helper = UserFactory(username="tech-2", roles=["technician"], store=store)
    db.session.flush()
    [job_id] = db.session.scalars(sa.select(RepairLine.job_id).where(RepairLine.order_id == orders[1].id,
                                                                     RepairLine.kind == "labor").distinct())
    db.session.execute(sa.insert(JobAssignment).values(job_id=job_id, technician_id=helper.id, store_id=store.id))
    for entry_id, started_at in db.session.execute(sa.select(TimeEntry.id, TimeEntry.started_at)).all():
        db.session.execute(sa.update(TimeEntry).where(TimeEntry.id == entry_id)
                           .values(ended_at=started_at + timedelta(minutes=90)))
    repair.reverse(orders[2].id, reason="开错票", refunds=pay(orders[2], (orders[2].customer_total_fen, "cash")),
                   actor=shop.manager, now=NOW - timedelta(days=2))
    before = {month: _live(monkeypatch, store, month) for month in (OCTOBER, NOVEMBER)}
    assert before[NOVEMBER][3] == 3 and any(hours for _name, hours, _clocked in before[NOVEMBER][5])

    # the first night counts the store's history: October whole, November up to today (the 23rd)
    assert roll_up_operations(now=NOW, store_ids=[store.id]) == 31 + 22
    assert db.session.get(OperationRun, store.id).through == date(2026, 11, 23)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OperationOrders)
                             .where(OperationOrders.day == date(2026, 10, 5))) == 1
    for month in (OCTOBER, NOVEMBER):
        assert _figures(operations.operations(store, month)) == before[month]

    # today: a new order, and a reversal of an order of a closed day (in today, negative): counted live at once
    today = [delivered(shop, now=NOW - timedelta(hours=1))]
    repair.reverse(orders[1].id, reason="重复结算", refunds=pay(orders[1], (orders[1].customer_total_fen, "cash")),
                   actor=shop.manager, now=NOW)
    after = _live(monkeypatch, store, NOVEMBER)
    assert after != before[NOVEMBER] and today
    assert _figures(operations.operations(store, NOVEMBER)) == after

    # the next night, and one three days later (nights missed): the same figures, from the rows
    for days in (1, 4):
        roll_up_operations(now=NOW + timedelta(days=days), store_ids=[store.id])
        assert db.session.get(OperationRun, store.id).through == date(2026, 11, 23 + days)
        assert _figures(operations.operations(store, NOVEMBER)) == after
    revenue_days = set(db.session.scalars(sa.select(OperationRevenue.day).where(OperationRevenue.store_id == store.id)))
    assert {date(2026, 10, 5), date(2026, 11, 3), date(2026, 11, 20), date(2026, 11, 23)} <= revenue_days


def test_a_store_without_orders_is_rolled_up_from_last_month(store):
    assert roll_up_operations(now=NOW, store_ids=[store.id]) == 31 + 22
    assert operations.operations(store, NOVEMBER).cars == 0
