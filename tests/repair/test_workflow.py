"""The repair workflow: every legal step, every illegal one refused, settlement, cancel and reversal."""
from __future__ import annotations

import base64
from datetime import timedelta

import pytest
import sqlalchemy as sa

from dealer.audit.models import AuditEntry
from dealer.extensions import db
from dealer.repair import services
from dealer.repair.models import (
    APPROVED,
    CANCELLED,
    DELIVERED,
    ESTIMATED,
    IN_PROGRESS,
    OPEN,
    QUALITY_CHECK,
    READY,
    SETTLED,
    STATES,
    WORK_DONE,
    WORK_STARTED,
    WORK_WAITING,
    Payment,
    RepairOrder,
    TimeEntry,
)
from dealer.repair.services import (
    ApprovalInput,
    IllegalTransition,
    NotAssigned,
    OrderLocked,
    PaymentInput,
    QualityCheckInput,
    WorkflowError,
)
from dealer.sms.models import SmsMessage
from tests.factories import UserFactory
from tests.helpers import NOW, actor
from tests.repair.builders import (
    TINY_PNG,
    add_labor,
    add_part,
    approved_order,
    by_phone,
    finished_order,
    open_order,
    pay,
)

ALL_QC = dict.fromkeys(services.QC_ITEMS, True)


def _call(action, order, shop):
    """Call the service behind `action` with valid input for it."""
    now = NOW + timedelta(minutes=5)
    calls = {
        "submit_estimate": lambda: services.submit_estimate(order.id, actor=shop.advisor, now=now),
        "approve_estimate": lambda: services.approve_estimate(order.id, by_phone(), actor=shop.advisor, now=now),
        "dispatch": lambda: services.dispatch(order.id, actor=shop.advisor, now=now),
        "request_quality_check": lambda: services.request_quality_check(order.id, actor=shop.advisor, now=now),
        "pass_quality_check": lambda: services.record_quality_check(
            order.id, QualityCheckInput(passed=True, checklist=ALL_QC), actor=shop.advisor, now=now),
        "fail_quality_check": lambda: services.record_quality_check(
            order.id, QualityCheckInput(passed=False, reason="仍有异响"), actor=shop.advisor, now=now),
        "settle": lambda: services.settle(order.id, pay(order, (36600, "cash")), actor=shop.cashier, now=now),
        "deliver": lambda: services.deliver(order.id, actor=shop.advisor, now=now),
        "cancel": lambda: services.cancel(order.id, reason="客户取消", actor=shop.advisor, now=now),
    }
    return calls[action]()


ILLEGAL = [(action, state) for action, (sources, _) in sorted(services.TRANSITIONS.items())
           for state in STATES if state not in sources]


@pytest.mark.parametrize("action, state", ILLEGAL)
def test_every_illegal_transition_is_refused_and_changes_nothing(shop, state, action):
    order = approved_order(shop)
    order.state = state  # put the order in the state under test
    db.session.commit()
    events = len(order.events)
    with pytest.raises(IllegalTransition) as refused:
        _call(action, order, shop)
    assert refused.value.code == "repair.illegal_transition"
    db.session.rollback()
    assert db.session.get(RepairOrder, order.id).state == state
    assert len(db.session.get(RepairOrder, order.id).events) == events


def test_the_whole_flow_from_key_handover_to_delivery(shop):
    order = finished_order(shop)
    assert order.state == READY and order.ready_at == NOW
    settled = services.settle(order.id, [PaymentInput("wechat_pay", 30000, "4200001234"),
                                         PaymentInput("cash", 6600)], actor=shop.cashier, now=NOW)
    assert settled.state == SETTLED
    assert (settled.customer_total_fen, settled.net_fen, settled.vat_fen) == (36600, 32389, 4211)
    assert sorted((p.method, p.amount_fen) for p in settled.payments) == [("cash", 6600), ("wechat_pay", 30000)]
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "repair_order_settled")).one()
    assert entry.changes["total_fen"] == 36600
    services.deliver(order.id, actor=shop.advisor, now=NOW)
    assert order.state == DELIVERED and order.delivered_at == NOW
    assert [e.to_state for e in order.events if e.from_state != e.to_state] == [
        OPEN, ESTIMATED, APPROVED, IN_PROGRESS, QUALITY_CHECK, READY, SETTLED, DELIVERED]


def test_delivering_a_maintenance_order_restarts_the_maintenance_clock(shop):
    order = finished_order(shop)
    services.settle(order.id, pay(order, (36600, "cash")), actor=shop.cashier, now=NOW)
    services.deliver(order.id, actor=shop.advisor, now=NOW)
    assert shop.vehicle.last_maintenance_date == shop.store.local_date(NOW)
    assert shop.vehicle.next_maintenance_due is not None


def test_estimate_needs_lines_and_approval_needs_a_way(shop):
    order = open_order(shop)
    with pytest.raises(WorkflowError):
        services.submit_estimate(order.id, actor=shop.advisor, now=NOW)
    db.session.rollback()
    add_labor(shop, order.jobs[0])
    services.submit_estimate(order.id, actor=shop.advisor, now=NOW)
    for bad, field in ((ApprovalInput(method="telepathy", approver_name="张伟"), "method"),
                       (ApprovalInput(method="phone", approver_name=" ", phone="13812345678"), "approver_name"),
                       (ApprovalInput(method="phone", approver_name="张伟", phone="12"), "phone"),
                       (ApprovalInput(method="signature", approver_name="张伟"), "signature"),
                       (ApprovalInput(method="signature", approver_name="张伟", signature_png=b"GIF89a"), "signature")):
        with pytest.raises(WorkflowError) as refused:
            services.approve_estimate(order.id, bad, actor=shop.advisor, now=NOW)
        assert refused.value.field == field
        db.session.rollback()
    approval = services.approve_estimate(order.id, ApprovalInput(method="signature", approver_name="张伟",
                                                                 signature_png=TINY_PNG), actor=shop.advisor, now=NOW)
    assert approval.signature_png == TINY_PNG and approval.amount_fen == 6000
    assert order.state == APPROVED and order.approved_total_fen == 6000


def test_decode_signature_takes_only_png_data_urls():
    assert services.decode_signature("data:image/png;base64," + base64.b64encode(TINY_PNG).decode()) == TINY_PNG
    assert services.decode_signature("data:image/png;base64,R0lGODlh") is None
    assert services.decode_signature("data:image/png;base64,@@@") is None
    assert services.decode_signature("") is None


def test_aftermarket_parts_need_the_owners_recorded_consent(shop):
    order = open_order(shop)
    line = add_part(shop, order.jobs[0], shop.aftermarket_pads, quantity=1000)
    assert line.genuine is False
    services.submit_estimate(order.id, actor=shop.advisor, now=NOW)
    with pytest.raises(WorkflowError) as refused:
        services.approve_estimate(order.id, by_phone(), actor=shop.advisor, now=NOW)
    assert refused.value.field == "aftermarket_consent"
    db.session.rollback()
    approval = services.approve_estimate(order.id, by_phone(aftermarket_consent=True), actor=shop.advisor, now=NOW)
    assert line.aftermarket_consent_id == approval.id


def test_approval_reserves_the_parts_and_cancel_releases_them(shop):
    order = approved_order(shop)
    assert shop.oil.reserved == 4500 and order.jobs[0].lines[1].reserved == 4500
    services.cancel(order.id, reason="客户改期", actor=shop.advisor, now=NOW)
    assert order.state == CANCELLED and order.cancel_reason == "客户改期"
    assert shop.oil.reserved == 0 and shop.oil.on_hand == 20_000


def test_cancel_needs_a_reason_and_issued_parts_back_first(shop):
    order = approved_order(shop)
    with pytest.raises(WorkflowError):
        services.cancel(order.id, reason=" ", actor=shop.advisor, now=NOW)
    db.session.rollback()
    line = order.jobs[0].lines[1]
    services.issue_to_line(line.id, quantity=4500, actor=shop.clerk, now=NOW)
    with pytest.raises(WorkflowError):
        services.cancel(order.id, reason="客户取消", actor=shop.advisor, now=NOW)
    db.session.rollback()
    services.return_from_line(line.id, quantity=4500, actor=shop.clerk, now=NOW)
    services.cancel(order.id, reason="客户取消", actor=shop.advisor, now=NOW)
    assert shop.oil.on_hand == 20_000 and shop.oil.reserved == 0


def test_dispatch_needs_a_technician_on_every_job(shop):
    order = approved_order(shop)
    with pytest.raises(WorkflowError):
        services.dispatch(order.id, actor=shop.advisor, now=NOW)
    db.session.rollback()
    with pytest.raises(WorkflowError):  # an advisor is not a technician
        services.assign_job(order.jobs[0].id, [shop.advisor.user_id], actor=shop.advisor, now=NOW)


def test_clocking_on_and_off(shop):
    order = approved_order(shop)
    job = order.jobs[0]
    second = services.add_job(order.id, concern="洗车", actor=shop.advisor, now=NOW)
    services.approve_extra_work(order.id, [second.id], by_phone(), actor=shop.advisor, now=NOW)
    for j in (job, second):
        services.assign_job(j.id, [shop.technician_user.id], actor=shop.advisor, now=NOW)
    with pytest.raises(IllegalTransition):  # not in the workshop yet
        services.clock_on(job.id, actor=shop.technician, now=NOW)
    db.session.rollback()
    services.dispatch(order.id, actor=shop.advisor, now=NOW)
    services.clock_on(job.id, actor=shop.technician, now=NOW)
    assert job.work == WORK_STARTED
    services.clock_on(second.id, actor=shop.technician, now=NOW + timedelta(minutes=30))  # stops the first clock
    entries = db.session.scalars(sa.select(TimeEntry).order_by(TimeEntry.id)).all()
    assert [(e.job_id, e.ended_at) for e in entries] == [(job.id, NOW + timedelta(minutes=30)), (second.id, None)]
    services.clock_off(second.id, actor=shop.technician, now=NOW + timedelta(minutes=40))
    with pytest.raises(WorkflowError):
        services.clock_off(second.id, actor=shop.technician, now=NOW + timedelta(minutes=41))


def test_only_assigned_technicians_work_on_approved_jobs(shop, staff):
    order = approved_order(shop)
    job = order.jobs[0]
    services.assign_job(job.id, [shop.technician_user.id], actor=shop.advisor, now=NOW)
    services.dispatch(order.id, actor=shop.advisor, now=NOW)
    other = actor(UserFactory(username="tech2", roles=["technician"], store=shop.store))
    with pytest.raises(NotAssigned) as refused:
        services.clock_on(job.id, actor=other, now=NOW)
    assert (refused.value.status, refused.value.code) == (403, "repair.not_assigned")
    db.session.rollback()
    pending = services.add_job(order.id, concern="更换空调滤芯", actor=shop.technician, now=NOW, finding=True)
    with pytest.raises(WorkflowError):  # the owner has not approved it: nobody works on it
        services.clock_on(pending.id, actor=shop.technician, now=NOW)


def test_quality_check_needs_done_jobs_answered_extra_work_and_issued_parts(shop):
    order = approved_order(shop)
    job = order.jobs[0]
    services.assign_job(job.id, [shop.technician_user.id], actor=shop.advisor, now=NOW)
    services.dispatch(order.id, actor=shop.advisor, now=NOW)
    with pytest.raises(WorkflowError, check=lambda e: e.field == "jobs"):
        services.request_quality_check(order.id, actor=shop.advisor, now=NOW)
    db.session.rollback()
    services.mark_job_done(job.id, reason="机油到货前先完工", actor=shop.technician, now=NOW)  # parts not issued
    with pytest.raises(WorkflowError, check=lambda e: e.field == "parts"):
        services.request_quality_check(order.id, actor=shop.advisor, now=NOW)
    db.session.rollback()
    services.issue_to_line(job.lines[1].id, quantity=4500, actor=shop.clerk, now=NOW)
    services.add_job(order.id, concern="雨刮老化", actor=shop.technician, now=NOW, finding=True)
    with pytest.raises(WorkflowError, check=lambda e: e.field == "extra_work"):
        services.request_quality_check(order.id, actor=shop.advisor, now=NOW)


def test_failed_quality_check_goes_back_with_its_reason(shop):
    order = finished_order(shop)
    assert order.qc_failed is False  # checked, every check passed (QC first pass reads it on the order)
    order.state = QUALITY_CHECK  # as if QC had not been recorded yet
    order.ready_at = None
    db.session.commit()
    with pytest.raises(WorkflowError) as refused:
        services.record_quality_check(order.id, QualityCheckInput(passed=False), actor=shop.advisor, now=NOW)
    assert refused.value.field == "reason"
    db.session.rollback()
    with pytest.raises(WorkflowError) as refused:
        services.record_quality_check(order.id, QualityCheckInput(passed=True, checklist={"road_test": True}),
                                      actor=shop.advisor, now=NOW)
    assert refused.value.field == "checklist"
    db.session.rollback()
    check = services.record_quality_check(order.id, QualityCheckInput(passed=False, reason="机油尺未复位"),
                                          actor=shop.advisor, now=NOW)
    assert order.state == IN_PROGRESS and check.passed is False and check.reason == "机油尺未复位"
    assert order.jobs[0].work == WORK_WAITING
    assert order.events[-1].note == "机油尺未复位"
    assert order.qc_failed is True
    job = order.jobs[0]
    services.clock_on(job.id, actor=shop.technician, now=NOW)
    services.mark_job_done(job.id, actor=shop.technician, now=NOW)
    services.request_quality_check(order.id, actor=shop.technician, now=NOW)
    services.record_quality_check(order.id, QualityCheckInput(passed=True, checklist=ALL_QC), actor=shop.advisor,
                                  now=NOW)
    assert order.state == READY and order.qc_failed is True  # passed at the second check: not a first pass
    assert approved_order(shop).qc_failed is None  # never checked


def test_a_car_ready_sms_still_queued_at_delivery_is_cancelled_not_sent(shop):
    order = finished_order(shop)
    services.settle(order.id, pay(order, (36600, "cash")), actor=shop.cashier, now=NOW)
    [message] = db.session.scalars(sa.select(SmsMessage).where(SmsMessage.kind == "car_ready")).all()
    assert message.state == "queued"  # the gateway was down: it never went out

    services.deliver(order.id, actor=shop.advisor, now=NOW)

    message = db.session.get(SmsMessage, message.id, populate_existing=True)
    assert (message.state, message.error_code, message.failed_at) == ("cancelled", "delivered", NOW)


def test_ready_tells_the_owner_once(shop):
    finished_order(shop)
    messages = db.session.scalars(sa.select(SmsMessage).where(SmsMessage.kind == "car_ready")).all()
    assert len(messages) == 1 and shop.vehicle.plate in messages[0].body
    assert messages[0].phone == shop.vehicle.owner.mobile


@pytest.mark.parametrize("payments, field", [
    ([PaymentInput("cash", 30000)], "payments"),
    ([PaymentInput("cash", 36600), PaymentInput("cash", 1)], "payments"),
    ([PaymentInput("alipay", 36600)], "payments.0.reference"),
    ([PaymentInput("bitcoin", 36600, "x")], "payments.0.method"),
    ([PaymentInput("cash", 36700), PaymentInput("cash", -100)], "payments.1.amount_fen"),
])
def test_settlement_needs_payments_that_make_up_the_total(shop, payments, field):
    order = finished_order(shop)
    with pytest.raises(WorkflowError) as refused:
        services.settle(order.id, payments, actor=shop.cashier, now=NOW)
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.get(RepairOrder, order.id).state == READY
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0


def test_a_settled_order_never_changes(shop):
    order = finished_order(shop)
    services.settle(order.id, pay(order, (36600, "cash")), actor=shop.cashier, now=NOW)
    job, line = order.jobs[0], order.jobs[0].lines[0]
    attempts = [
        lambda: services.add_job(order.id, concern="x", actor=shop.advisor, now=NOW),
        lambda: add_labor(shop, job),
        lambda: services.update_line(line.id, hours=10, actor=shop.advisor, now=NOW),
        lambda: services.remove_line(line.id, actor=shop.advisor, now=NOW),
        lambda: services.update_order(order.id, promised_at=NOW + timedelta(days=1), notes="x", actor=shop.advisor,
                                      now=NOW),
        lambda: services.cancel(order.id, reason="x", actor=shop.advisor, now=NOW),
        lambda: services.settle(order.id, pay(order, (36600, "cash")), actor=shop.cashier, now=NOW),
    ]
    for attempt in attempts:
        with pytest.raises((OrderLocked, IllegalTransition, services.JobLocked)):
            attempt()
        db.session.rollback()
    fresh = db.session.get(RepairOrder, order.id)
    assert fresh.customer_total_fen == 36600 and len(fresh.payments) == 1 and fresh.state == SETTLED


def test_reversal_mirrors_the_settled_order_and_refunds(shop):
    order = finished_order(shop)
    services.settle(order.id, pay(order, (30000, "wechat_pay"), (6600, "cash")), actor=shop.cashier, now=NOW)
    with pytest.raises(WorkflowError):
        services.reverse(order.id, reason="开错", refunds=pay(order, (100, "cash")), actor=shop.manager, now=NOW)
    db.session.rollback()
    mirror = services.reverse(order.id, reason="重复结算", refunds=pay(order, (36600, "wechat_pay")),
                              actor=shop.manager, now=NOW)
    assert mirror.reversal_of_id == order.id and mirror.state == SETTLED and mirror.number != order.number
    assert (mirror.customer_total_fen, mirror.net_fen, mirror.vat_fen) == (-36600, -32389, -4211)
    assert sum(line.amount_fen for job in mirror.jobs for line in job.lines) == -36600
    assert [p.amount_fen for p in mirror.payments] == [-36600]
    assert order.state == SETTLED and order.customer_total_fen == 36600  # the original never changes
    with pytest.raises(WorkflowError):
        services.reverse(order.id, reason="again", refunds=pay(order, (36600, "cash")), actor=shop.manager, now=NOW)
    db.session.rollback()
    with pytest.raises(IllegalTransition):
        services.reverse(mirror.id, reason="x", refunds=[], actor=shop.manager, now=NOW)


def test_extra_work_approved_during_quality_check_goes_back_to_the_workshop(shop):
    order = finished_order(shop)
    order.state = QUALITY_CHECK
    db.session.commit()
    extra = services.add_job(order.id, concern="轮胎鼓包", actor=shop.technician, now=NOW, finding=True)
    add_labor(shop, extra, shop.brakes)
    services.approve_extra_work(order.id, [extra.id], by_phone(), actor=shop.advisor, now=NOW)
    assert order.state == IN_PROGRESS and order.approved_total_fen == 36600 + 14400


def test_jobs_done_are_counted_done(shop):
    order = finished_order(shop)
    assert order.jobs[0].work == WORK_DONE and order.jobs[0].done_at == NOW


def test_the_database_guard_refuses_any_change_to_a_settled_order(shop):
    """Even code that bypasses the services cannot change a settled order, its lines, payments or clocks (the
    operations dashboard's closed days are counted once from them)."""
    order = finished_order(shop)
    services.settle(order.id, pay(order, (36600, "cash")), actor=shop.cashier, now=NOW)
    order = db.session.get(RepairOrder, order.id)
    for change in (lambda: setattr(order, "customer_total_fen", 1),
                   lambda: setattr(order.jobs[0].lines[0], "hours", 1),
                   lambda: setattr(order.payments[0], "amount_fen", 1),
                   lambda: db.session.delete(order.payments[0]),
                   lambda: db.session.add(TimeEntry(store_id=order.store_id, job_id=order.jobs[0].id,
                                                    technician_id=shop.technician.user_id, started_at=NOW,
                                                    ended_at=NOW + timedelta(hours=1)))):
        change()
        with pytest.raises(OrderLocked):
            db.session.flush()
        db.session.rollback()
        order = db.session.get(RepairOrder, order.id)
    services.deliver(order.id, actor=shop.advisor, now=NOW)  # handing the car over is still allowed
    assert order.state == DELIVERED


def test_quality_check_cannot_pass_while_extra_work_waits_for_the_owner(shop):
    order = finished_order(shop)
    order.state = QUALITY_CHECK
    order.ready_at = None
    db.session.commit()
    services.add_job(order.id, concern="轮胎老化", actor=shop.technician, now=NOW, finding=True)
    with pytest.raises(WorkflowError, check=lambda e: e.field == "extra_work"):
        services.record_quality_check(order.id, QualityCheckInput(passed=True, checklist=ALL_QC),
                                      actor=shop.advisor, now=NOW)


def test_a_reversing_order_is_priced_as_the_negative_and_has_no_car_to_hand_over(shop):
    order = finished_order(shop)
    services.settle(order.id, pay(order, (36600, "cash")), actor=shop.cashier, now=NOW)
    mirror = services.reverse(order.id, reason="开错", refunds=pay(order, (36600, "cash")), actor=shop.manager,
                              now=NOW)
    totals = services.price(mirror)
    assert (totals.total_fen, totals.net_fen, totals.vat_fen) == (-36600, -32389, -4211)
    assert totals.by_payer["customer"].amount_fen == -36600
    with pytest.raises(IllegalTransition):
        services.deliver(mirror.id, actor=shop.advisor, now=NOW)


def test_declining_extra_work_after_settlement_is_refused(shop):
    order = finished_order(shop)
    services.settle(order.id, pay(order, (36600, "cash")), actor=shop.cashier, now=NOW)
    with pytest.raises(IllegalTransition):
        services.decline_extra_work(order.id, [order.jobs[0].id], reason="x", actor=shop.advisor, now=NOW)


# -- a refused step changes nothing, even for a caller that does not roll back ------------------------

REFUSED_STEPS = {
    "estimate without lines": (lambda shop: open_order(shop),
                               lambda order, shop: services.submit_estimate(order.id, actor=shop.advisor, now=NOW)),
    "approval without a name": (
        lambda shop: _estimated(shop),
        lambda order, shop: services.approve_estimate(order.id, ApprovalInput(method="phone", approver_name=""),
                                                      actor=shop.advisor,
                                                      now=NOW)),
    "dispatch without technicians": (
        lambda shop: approved_order(shop),
        lambda order, shop: services.dispatch(order.id, actor=shop.advisor, now=NOW)),
    "settle with the wrong amount": (
        lambda shop: finished_order(shop),
        lambda order, shop: services.settle(order.id, [PaymentInput("cash", 1)], actor=shop.cashier, now=NOW)),
    "pass QC with an item unchecked": (
        lambda shop: _in_quality_check(shop),
        lambda order, shop: services.record_quality_check(
            order.id, QualityCheckInput(passed=True, checklist={}), actor=shop.technician, now=NOW)),
}


def _estimated(shop):
    order = open_order(shop, "做保养")
    add_labor(shop, order.jobs[0])
    services.submit_estimate(order.id, actor=shop.advisor, now=NOW)
    return order


def _in_quality_check(shop):
    order = finished_order(shop)
    order.state, order.ready_at = QUALITY_CHECK, None  # as before QC passed
    db.session.flush()
    return order


@pytest.mark.parametrize("step", sorted(REFUSED_STEPS))
def test_a_refused_step_leaves_the_order_as_it_was_in_the_session(shop, step):
    make, act = REFUSED_STEPS[step]
    order = make(shop)
    state, events = order.state, len(order.events)

    with pytest.raises(WorkflowError):
        act(order, shop)

    # No rollback here: the service refused before it changed anything.
    assert (order.state, len(order.events)) == (state, events)
