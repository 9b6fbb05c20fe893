"""The earlier order a comeback points at is kept on the comeback job (`repair_jobs.comeback_of_order_id`, set
with the link): "came back" and "is a comeback" read from it must equal their definition through the link itself
(the job the comeback points at, and that job's order), on orders built through repair's services: a comeback
confirmed the same month, one confirmed a month later, a dismissed proposal and reversals."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from dealer.extensions import db
from dealer.parts.models import Part
from dealer.repair import measures
from dealer.repair import services as repair
from dealer.repair.models import COMEBACK_CONFIRMED, RepairJob, RepairOrder
from dealer.satisfaction import assurance
from tests.helpers import NOW
from tests.repair.builders import add_labor, finished_order, open_order, pay
from tests.satisfaction.builders import delivered

NOVEMBER, DECEMBER = date(2026, 11, 1), date(2026, 12, 1)


def _live_came_back(store_id) -> set[int]:
    """The definition through the link: the orders of the jobs a confirmed comeback points at."""
    first, again = aliased(RepairJob), aliased(RepairJob)
    return set(db.session.scalars(
        sa.select(first.order_id).join(again, sa.and_(again.comeback_of_id == first.id,
                                                      again.store_id == first.store_id))
        .where(again.store_id == store_id, again.comeback_state == COMEBACK_CONFIRMED)))


def _live_is_comeback(store_id) -> set[int]:
    return set(db.session.scalars(sa.select(RepairJob.order_id).where(
        RepairJob.store_id == store_id, RepairJob.comeback_of_id.is_not(None),
        RepairJob.comeback_state == COMEBACK_CONFIRMED)))


def _flagged(condition, store_id) -> set[int]:
    return set(db.session.scalars(sa.select(RepairOrder.id).where(RepairOrder.store_id == store_id, condition)))


def _live_counts(store, month) -> tuple[int, int, int]:
    """Settled orders of the month (no reversing order), how many came back, how many are comebacks: by the link."""
    start, end = assurance.month_bounds(store, month)
    settled = set(db.session.scalars(sa.select(RepairOrder.id).where(
        RepairOrder.store_id == store.id, RepairOrder.reversal_of_id.is_(None), RepairOrder.settled_at >= start,
        RepairOrder.settled_at < end)))
    return (len(settled), len(settled & _live_came_back(store.id)), len(settled & _live_is_comeback(store.id)))


def _build(shop):
    db.session.execute(sa.update(Part).where(Part.store_id == shop.store.id).values(on_hand=1_000_000))
    first = delivered(shop, now=NOW - timedelta(days=15))
    second = delivered(shop, now=NOW - timedelta(days=14))
    delivered(shop, now=NOW - timedelta(days=13))  # never comes back
    # November: a comeback of the first, named by the advisor, confirmed and settled the same month
    now = NOW - timedelta(days=10)
    same_month = finished_order(shop, now=now)
    repair.confirm_comeback(same_month.jobs[0].id, earlier_job_id=first.jobs[0].id, actor=shop.advisor, now=now)
    repair.settle(same_month.id, [], actor=shop.cashier, now=now)
    # a proposal the advisor dismisses: the concern is new
    dismissed = open_order(shop, "保养", now=now)
    add_labor(shop, dismissed.jobs[0], now=now)
    repair.dismiss_comeback(dismissed.jobs[0].id, actor=shop.advisor, now=now)
    # the order that never came back is reversed (红冲): its mirror counts nowhere
    third = db.session.scalar(sa.select(RepairOrder).where(
        RepairOrder.store_id == shop.store.id, RepairOrder.settled_at == NOW - timedelta(days=13)))
    repair.reverse(third.id, reason="重复结算", refunds=pay(third, (36600, "cash")), actor=shop.manager, now=now)
    return first, second, same_month


def test_came_back_from_the_kept_order_equals_the_link_on_built_orders(app, shop):
    first, second, same_month = _build(shop)
    store = shop.store
    before = assurance.live_figures(store, [NOVEMBER])[NOVEMBER]
    assert (before.settled, before.came_back, before.comebacks) == _live_counts(store, NOVEMBER)
    assert before.came_back == 1 and before.comebacks == 1

    # December: the second order (settled in November) is confirmed as come back: November changes late
    later = NOW + timedelta(days=9)
    comeback = finished_order(shop, now=later)
    repair.confirm_comeback(comeback.jobs[0].id, earlier_job_id=second.jobs[0].id, actor=shop.advisor, now=later)
    repair.settle(comeback.id, [], actor=shop.cashier, now=later)
    # and the comeback of the first is itself reversed: the original keeps its link, the mirror has none
    total = db.session.scalar(sa.select(RepairOrder.customer_total_fen).where(RepairOrder.id == same_month.id))
    repair.reverse(same_month.id, reason="开错", refunds=pay(same_month, (total, "cash")) if total else [],
                   actor=shop.manager, now=later)

    # every link (proposed, dismissed or confirmed) keeps the order of the job it points at
    linked = db.session.execute(sa.select(RepairJob.comeback_of_order_id, RepairJob.comeback_of_id).where(
        RepairJob.store_id == store.id, RepairJob.comeback_of_id.is_not(None))).all()
    job_order = dict(db.session.execute(sa.select(RepairJob.id, RepairJob.order_id).where(
        RepairJob.store_id == store.id)).all())
    assert len(linked) == 5 and all(order_id == job_order[job_id] for order_id, job_id in linked)

    assert _flagged(measures.came_back([store.id]), store.id) == _live_came_back(store.id) == {first.id, second.id}
    assert _flagged(measures.is_comeback([store.id]), store.id) == _live_is_comeback(store.id)
    assert len(_live_is_comeback(store.id)) == 2
    found = assurance.live_figures(store, [NOVEMBER, DECEMBER])
    for month in (NOVEMBER, DECEMBER):
        figure = found[month]
        assert (figure.settled, figure.came_back, figure.comebacks) == _live_counts(store, month)
    assert (found[NOVEMBER].came_back, found[DECEMBER].comebacks) == (2, 1)
