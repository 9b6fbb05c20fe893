"""The owner's progress page (透明度) and online decisions on extra work (费用安心), on SQLite and PostgreSQL."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from dealer.booking import progress
from dealer.booking.errors import ItemAlreadyDecided
from dealer.booking.models import OnlineDecision, ProgressLink
from dealer.errors import NotFound
from dealer.extensions import db
from dealer.repair import services as repair
from dealer.repair.models import (
    JOB_APPROVED,
    JOB_DECLINED,
    JOB_PENDING,
    Approval,
    OrderEvent,
    RepairJob,
    RepairOrder,
)
from dealer.sms.models import SmsMessage
from tests.helpers import NOW, count, fresh
from tests.repair.builders import approved_order, build_shop, extra_work_order, finished_order, pay


@pytest.fixture()
def shop(ctx, store, staff):
    built = build_shop(store, staff)
    db.session.commit()
    return built


def token_of(order) -> str:
    link = db.session.scalar(sa.select(SmsMessage.params).where(SmsMessage.kind == "order_progress_link",
                                                                SmsMessage.dedupe_key == f"progress:{order.id}"))
    return link["link"].rsplit("/", 1)[1]


def test_open_order_texts_a_private_link_and_keeps_only_its_hash(shop):
    order = approved_order(shop)
    token = token_of(order)
    link = db.session.scalar(sa.select(ProgressLink).where(ProgressLink.order_id == order.id))
    assert len(token) >= 32 and order.number not in token
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str([getattr(link, column.key) for column in ProgressLink.__table__.columns])
    assert link.expires_at is None


def test_read_progress_shows_the_stages_with_times_the_promise_and_the_estimate(shop):
    order = approved_order(shop)
    shown = progress.read_progress(token_of(order), now=NOW)
    stages = {stage.state: stage for stage in shown.stages}
    assert stages["open"].at == NOW and stages["approved"].done and stages["approved"].current
    assert not stages["in_progress"].done and stages["in_progress"].at is None
    assert shown.promised_at == fresh(RepairOrder, order.id).promised_at
    assert shown.totals.total_fen == fresh(RepairOrder, order.id).approved_total_fen > 0
    assert [line.description for group in shown.estimate for line in group.lines]
    assert not shown.settled and shown.pending == []


def test_a_wrong_token_or_another_order_is_not_found(shop):
    first, (second, brakes, _) = approved_order(shop), extra_work_order(shop)
    with pytest.raises(NotFound):
        progress.read_progress("x" * 32, now=NOW)
    with pytest.raises(NotFound):
        progress.read_progress(token_of(second)[:-1], now=NOW)
    assert progress.read_progress(token_of(first), now=NOW).order.id == first.id
    with pytest.raises(NotFound):  # the first order's link cannot reach the second order's items
        progress.decide(token_of(first), brakes.id, "approved", now=NOW)
    assert fresh(RepairJob, brakes.id).approval == JOB_PENDING


def test_the_link_ends_days_after_the_car_is_handed_over(shop):
    order = finished_order(shop)
    token = token_of(order)
    total = repair.price(repair.get_order(order.id, actor=shop.cashier)).total_fen
    repair.settle(order.id, pay(order, (total, "cash")), actor=shop.cashier, now=NOW)
    repair.deliver(order.id, actor=shop.advisor, now=NOW)
    shown = progress.read_progress(token, now=NOW + timedelta(days=progress.LINK_DAYS - 1))
    assert shown.settled and shown.totals.basis == "settled" and shown.totals.total_fen == total
    with pytest.raises(NotFound):
        progress.read_progress(token, now=NOW + timedelta(days=progress.LINK_DAYS))


def test_a_cancelled_orders_link_ends_days_after_and_an_ended_link_counts_no_opening(shop):
    order = approved_order(shop)
    token = token_of(order)
    repair.cancel(order.id, reason="车主取消", actor=shop.advisor, now=NOW)
    assert progress.read_progress(token, now=NOW + timedelta(days=progress.LINK_DAYS - 1)).order.id == order.id
    with pytest.raises(NotFound):
        progress.open_progress(token, now=NOW + timedelta(days=progress.LINK_DAYS))
    db.session.rollback()  # as the request ends
    link = fresh(ProgressLink, db.session.scalar(sa.select(ProgressLink.id)))
    assert (link.opens, link.first_opened_at) == (0, None)
    assert count(OrderEvent, OrderEvent.action == "owner_opened_progress") == 0


def test_an_opening_commits_without_waiting_for_the_disk_on_postgresql(shop):
    """The opening's counter is committed asynchronously on PostgreSQL (this transaction only) and still counted."""
    order = approved_order(shop)
    sent = []

    def record(_conn, _cursor, statement, *_args):
        sent.append(" ".join(statement.split()))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        progress.open_progress(token_of(order), now=NOW)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    [counting] = [statement for statement in sent if statement.startswith("UPDATE booking_progress_links")]
    asynchronous = "set_config(" in counting  # set_config('synchronous_commit', 'off', true): SET LOCAL
    assert asynchronous == (db.engine.dialect.name == "postgresql")
    assert fresh(ProgressLink, db.session.scalar(sa.select(ProgressLink.id))).opens == 1


def test_a_reload_within_a_minute_is_the_same_opening_and_writes_nothing(shop):
    """A phone's browser reloads the page it comes back to: within SAME_OPENING of the last counted opening it is
    the same opening (read only, no write, no lock on the link); after it, a new one."""
    order = approved_order(shop)
    token = token_of(order)
    progress.open_progress(token, now=NOW)
    sent = []

    def record(_conn, _cursor, statement, *_args):
        sent.append(" ".join(statement.split()))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert progress.open_progress(token, now=NOW + timedelta(seconds=59)).order.id == order.id
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert not [statement for statement in sent if statement.split()[0] in ("UPDATE", "INSERT", "DELETE")], sent
    link = fresh(ProgressLink, db.session.scalar(sa.select(ProgressLink.id)))
    assert (link.opens, link.last_opened_at) == (1, NOW)
    progress.open_progress(token, now=NOW + progress.SAME_OPENING)
    link = fresh(ProgressLink, db.session.scalar(sa.select(ProgressLink.id)))
    assert (link.opens, link.first_opened_at, link.last_opened_at) == (2, NOW, NOW + progress.SAME_OPENING)


def test_opening_the_page_is_counted_for_the_advisor(shop):
    order = approved_order(shop)
    progress.open_progress(token_of(order), now=NOW)
    progress.open_progress(token_of(order), now=NOW + timedelta(hours=1))
    link = fresh(ProgressLink, db.session.scalar(sa.select(ProgressLink.id)))
    assert (link.opens, link.first_opened_at, link.last_opened_at) == (2, NOW, NOW + timedelta(hours=1))
    opened = db.session.scalars(sa.select(OrderEvent).where(OrderEvent.action == "owner_opened_progress")).all()
    assert [(event.order_id, event.created_at, event.actor_id) for event in opened] == [(order.id, NOW, None)]


def test_the_owner_approves_one_item_and_declines_another_with_the_price_shown(shop):
    order, brakes, filter_job = extra_work_order(shop)
    token = token_of(order)
    shown = progress.read_progress(token, now=NOW)
    prices = {item.job_id: item.price_fen for item in shown.pending}
    assert set(prices) == {brakes.id, filter_job.id} and all(price > 0 for price in prices.values())
    assert next(item for item in shown.pending if item.job_id == brakes.id).aftermarket
    limit = fresh(RepairOrder, order.id).approved_total_fen

    progress.decide(token, brakes.id, "approved", now=NOW + timedelta(minutes=5))
    progress.decide(token, filter_job.id, "declined", now=NOW + timedelta(minutes=6))

    assert fresh(RepairJob, brakes.id).approval == JOB_APPROVED
    assert fresh(RepairJob, filter_job.id).approval == JOB_DECLINED
    assert fresh(RepairOrder, order.id).approved_total_fen == limit + prices[brakes.id]
    approval = db.session.scalar(sa.select(Approval).where(Approval.subject == "extra_work"))
    assert (approval.method, approval.job_ids, approval.amount_fen) == ("online", [brakes.id], prices[brakes.id])
    decisions = {d.job_id: d for d in db.session.scalars(sa.select(OnlineDecision))}
    assert decisions[brakes.id].price_fen == prices[brakes.id] and decisions[brakes.id].approved_total_fen == limit
    assert decisions[brakes.id].estimate_version == 1 and decisions[filter_job.id].decision == "declined"
    assert progress.read_progress(token, now=NOW).decided == {brakes.id: JOB_APPROVED,
                                                              filter_job.id: JOB_DECLINED}


def test_a_double_tap_records_one_decision_and_the_other_answer_is_refused(shop):
    order, brakes, _ = extra_work_order(shop)
    token = token_of(order)
    first = progress.decide(token, brakes.id, "approved", now=NOW)
    again = progress.decide(token, brakes.id, "approved", now=NOW + timedelta(seconds=1))
    assert again.id == first.id
    assert count(OnlineDecision) == 1 and count(Approval, Approval.subject == "extra_work") == 1
    with pytest.raises(ItemAlreadyDecided):
        progress.decide(token, brakes.id, "declined", now=NOW + timedelta(seconds=2))
    assert fresh(RepairJob, brakes.id).approval == JOB_APPROVED


def test_an_item_the_advisor_decided_or_an_order_that_moved_on_is_refused_clearly(shop):
    order, brakes, filter_job = extra_work_order(shop)
    token = token_of(order)
    repair.decline_extra_work(order.id, [brakes.id], reason="车主电话拒绝", actor=shop.advisor, now=NOW)
    with pytest.raises(ItemAlreadyDecided):
        progress.decide(token, brakes.id, "approved", now=NOW)
    repair.cancel(order.id, reason="车主取消", actor=shop.advisor, now=NOW)
    with pytest.raises(ItemAlreadyDecided):
        progress.decide(token, filter_job.id, "approved", now=NOW)
    assert count(OnlineDecision) == 0 and fresh(RepairJob, filter_job.id).approval == JOB_PENDING


def test_each_extra_item_shows_its_new_ready_time_and_the_decision_keeps_it(shop):
    order, brakes, filter_job = extra_work_order(shop)
    token = token_of(order)
    promise = fresh(RepairOrder, order.id).promised_at
    shown = {item.job_id: item for item in progress.read_progress(token, now=NOW).pending}
    hours = sum(line.hours for line in fresh(RepairJob, brakes.id).lines if line.kind == "labor")
    assert hours > 0 and shown[brakes.id].labor_minutes == round(hours * 60 / 100)
    assert shown[brakes.id].ready_at == promise + timedelta(minutes=shown[brakes.id].labor_minutes)
    assert shown[filter_job.id].labor_minutes == 0 and shown[filter_job.id].ready_at == promise  # a part alone

    late = promise + timedelta(hours=1)  # the promise has passed: the labor counts from now
    assert progress.read_progress(token, now=late).pending[0].ready_at == late + timedelta(
        minutes=shown[brakes.id].labor_minutes)
    progress.decide(token, brakes.id, "approved", now=NOW + timedelta(minutes=5))
    kept = db.session.scalar(sa.select(OnlineDecision).where(OnlineDecision.job_id == brakes.id))
    assert (kept.labor_minutes, kept.ready_at) == (shown[brakes.id].labor_minutes, shown[brakes.id].ready_at)
    assert progress.read_progress(token, now=NOW).decisions[brakes.id].ready_at == kept.ready_at


def test_the_wash_is_a_stage_done_once_the_car_is_ready_without_a_made_up_time(shop):
    order = approved_order(shop)
    stages = {stage.state: stage for stage in progress.read_progress(token_of(order), now=NOW).stages}
    assert [state for state, _ in progress.STAGES][4:7] == ["quality_check", "washing", "ready"]
    assert not stages["washing"].done and stages["washing"].at is None
    ready = finished_order(shop)
    stages = {stage.state: stage for stage in progress.read_progress(token_of(ready), now=NOW).stages}
    assert stages["ready"].done and stages["washing"].done and stages["washing"].at is None


def test_only_the_openings_transaction_skips_the_wait_for_the_disk_on_postgresql(shop):
    """Booking 5: counting an opening sets its own transaction's synchronous_commit off (set_config(..., true): SET
    LOCAL, gone with the transaction); reading the page alone leaves it as the server has it."""
    if db.session.get_bind().dialect.name != "postgresql":
        return  # SQLite has no such setting: the opening commits as any transaction
    order = approved_order(shop)

    def setting():
        return db.session.execute(sa.text("SHOW synchronous_commit")).scalar()

    db.session.execute(sa.text("SET LOCAL synchronous_commit TO on"))  # as in production (the test server runs off)
    progress.read_progress(token_of(order), now=NOW)
    assert setting() == "on"
    progress._link_of(token_of(order), NOW, count_open=True)
    assert setting() == "off"
    db.session.commit()
    assert fresh(ProgressLink, db.session.scalar(sa.select(ProgressLink.id))).opens == 1
