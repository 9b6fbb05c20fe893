"""Settlement (结算), delivery (交车), cancellation and reversal (红冲) of a repair order."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from dealer import audit
from dealer.actors import Actor
from dealer.customers.models import Vehicle
from dealer.extensions import db
from dealer.money import yuan
from dealer.repair import signals
from dealer.repair.errors import ApprovalWouldBeExceeded, IllegalTransition, WorkflowError
from dealer.repair.models import (
    DELIVERED,
    JOB_APPROVED,
    OTHER_MEANS,
    PAYMENT_METHODS,
    SETTLED,
    WORK_DONE,
    OrderEvent,
    Payment,
    RepairJob,
    RepairLine,
    RepairOrder,
    TimeEntry,
)
from dealer.repair.services.common import lock_order, record_event
from dealer.repair.services.orders import next_order_number
from dealer.repair.services.parts_counter import release_line
from dealer.repair.services.pricing import reprice
from dealer.repair.services.workflow import require_transition, transition
from dealer.sms.outbox import cancel_queued


@dataclass
class PaymentInput:
    method: str
    amount_fen: int
    reference: str = ""


def _check_payments(payments: list[PaymentInput], total: int) -> None:
    for index, payment in enumerate(payments):
        if payment.method not in PAYMENT_METHODS:
            raise WorkflowError(_l("Choose a payment method."), field=f"payments.{index}.method")
        if payment.amount_fen <= 0:
            raise WorkflowError(_l("A payment is more than 0."), field=f"payments.{index}.amount_fen")
        if payment.method not in ("cash", *OTHER_MEANS) and not payment.reference.strip():
            raise WorkflowError(_l("Enter the reference number of a non-cash payment (slip or transaction "
                                   "number)."), field=f"payments.{index}.reference")
    paid = sum(p.amount_fen for p in payments)
    if paid != total:
        raise WorkflowError(_l("The payments add up to %(paid)s yuan; the bill is %(total)s yuan.",
                               paid=yuan(paid), total=yuan(total)), field="payments")


def settle(order_id: int, payments: list[PaymentInput], *, actor: Actor, now: datetime,
           points_fen: int = 0) -> RepairOrder:
    """Take payment and lock the order for ever (结算), and announce it (`signals.order_settled`).

    `points_fen`: money off the bill from the owner's membership points (at most what the owner owes); the
    membership module's receiver of `order_settled` spends the points and takes the payments made by its
    means (`OTHER_MEANS`: the stored-value card), and refuses the settlement when they are not there.

    Raises IllegalTransition, WorkflowError, ApprovalWouldBeExceeded.
    """
    order = lock_order(order_id, actor=actor)
    require_transition(order, "settle")
    if points_fen < 0:
        raise WorkflowError(_l("Points redeemed are 0 or more."), field="points_fen")
    order.points_fen = points_fen
    totals = reprice(order)
    if totals.total_fen > order.approved_total_fen:  # reprice checks it too; never settle past the approval
        raise ApprovalWouldBeExceeded()
    _check_payments(payments, totals.total_fen)
    transition(order, "settle", actor=actor, now=now)
    for payment in payments:
        db.session.add(Payment(store_id=order.store_id, order_id=order.id, method=payment.method,
                               amount_fen=payment.amount_fen, reference=payment.reference.strip()[:60],
                               received_by_id=actor.user_id, received_at=now))
    order.customer_total_fen, order.net_fen, order.vat_fen = totals.total_fen, totals.net_fen, totals.vat_fen
    order.vat_rate_bp = totals.vat_rate_bp
    order.points_fen = totals.points_fen
    order.settled_at = now
    audit.record("repair_order_settled", order, actor=actor, changes={
        "total_fen": totals.total_fen, "payments": [[p.method, p.amount_fen, p.reference] for p in payments]})
    db.session.flush()
    signals.order_settled.send(order, actor=actor, now=now)
    db.session.commit()
    return order


def deliver(order_id: int, *, actor: Actor, now: datetime) -> RepairOrder:
    """Hand the car back (交车) and announce it (`signals.order_delivered`). Raises IllegalTransition.

    A "car ready" SMS still waiting to go out (the gateway was down) is no longer true: it is cancelled.
    """
    order = lock_order(order_id, actor=actor)
    hand_over(order, actor=actor, now=now)
    db.session.commit()
    return order


def hand_over(order: RepairOrder, *, actor: Actor, now: datetime) -> None:
    """Deliver a locked order (never commits; see `deliver`): for a service of another module that commits
    with its own change (the quick lane's hand-over). Announces `signals.order_delivered`.
    Raises IllegalTransition."""
    if order.is_reversal:
        raise IllegalTransition(_l("A reversing order has no car to hand over."))
    transition(order, "deliver", actor=actor, now=now)
    order.delivered_at = now
    cancel_queued(store_id=order.store_id, now=now, dedupe_keys=[f"car_ready:{order.id}"], reason="delivered")
    signals.order_delivered.send(order, vehicle=db.session.get(Vehicle, order.vehicle_id), actor=actor, now=now)


def cancel(order_id: int, *, reason: str, actor: Actor, now: datetime) -> RepairOrder:
    """Cancel an order before settlement, with a reason; reserved parts go back to stock.

    Raises IllegalTransition, WorkflowError (parts already issued must be returned first).
    """
    order = lock_order(order_id, actor=actor)
    if not reason.strip():
        raise WorkflowError(_l("Say why the order is cancelled."), field="reason")
    require_transition(order, "cancel")
    lines = [line for job in order.jobs for line in job.lines]
    issued = [line.description for line in lines if line.issued]
    if issued:
        raise WorkflowError(_l("Parts were issued for this order: return them to stock first (%(parts)s).",
                               parts="; ".join(issued)))
    transition(order, "cancel", actor=actor, now=now, note=reason.strip())
    for line in lines:
        release_line(line)
    for entry in db.session.scalars(sa.select(TimeEntry).where(
            TimeEntry.job_id.in_([job.id for job in order.jobs]), TimeEntry.ended_at.is_(None))):
        entry.ended_at = now
    order.cancelled_at = now
    order.cancel_reason = reason.strip()[:200]
    db.session.commit()
    return order


def reverse(order_id: int, *, reason: str, refunds: list[PaymentInput], actor: Actor,
            now: datetime) -> RepairOrder:
    """Correct a settled order with a reversing order (红冲) that cancels it out, refunds included.

    The original never changes; announces `signals.order_reversed`. Raises WorkflowError.
    """
    original = lock_order(order_id, actor=actor)
    if original.state not in (SETTLED, DELIVERED) or original.is_reversal:
        raise IllegalTransition(_l("Only a settled order can be reversed."))
    if db.session.scalar(sa.select(RepairOrder.id).where(RepairOrder.reversal_of_id == original.id)):
        raise WorkflowError(_l("This order has already been reversed."))
    if not reason.strip():
        raise WorkflowError(_l("Say why the order is reversed."), field="reason")
    _check_payments(refunds, original.customer_total_fen)
    mirror = RepairOrder(
        store_id=original.store_id, vehicle_id=original.vehicle_id, customer_id=original.customer_id,
        advisor_id=original.advisor_id, kind=original.kind, state=SETTLED, reversal_of_id=original.id,
        number=next_order_number(original.store_id, original.store.local_date(now).strftime("%Y%m%d")),
        odometer_km=original.odometer_km, notes=reason.strip(), promised_at=None, opened_at=now, settled_at=now,
        approved_total_fen=0, points_fen=-original.points_fen, customer_total_fen=-original.customer_total_fen,
        net_fen=-original.net_fen, vat_fen=-original.vat_fen, vat_rate_bp=original.vat_rate_bp)
    db.session.add(mirror)
    db.session.flush()
    for job in original.jobs:
        if job.approval != JOB_APPROVED:
            continue
        copy = RepairJob(store_id=mirror.store_id, order_id=mirror.id, vehicle_id=mirror.vehicle_id,
                         position=job.position, concern=job.concern, approval=JOB_APPROVED, work=WORK_DONE)
        db.session.add(copy)
        for line in job.lines:
            copy.lines.append(RepairLine(
                store_id=mirror.store_id, order_id=mirror.id, kind=line.kind, payer=line.payer,
                description=line.description, labor_operation_id=line.labor_operation_id,
                operation_code=line.operation_code, category=line.category,
                hours=-line.hours if line.hours is not None else None, rate_fen=line.rate_fen, part_id=line.part_id,
                part_number=line.part_number, unit=line.unit,
                quantity=-line.quantity if line.quantity is not None else None, unit_price_fen=line.unit_price_fen,
                genuine=line.genuine, manual_discount_bp=line.manual_discount_bp, amount_fen=-line.amount_fen,
                discount_fen=-line.discount_fen, discount_source=line.discount_source, created_at=now))
    for refund in refunds:
        db.session.add(Payment(store_id=mirror.store_id, order_id=mirror.id, method=refund.method,
                               amount_fen=-refund.amount_fen, reference=refund.reference.strip()[:60],
                               received_by_id=actor.user_id, received_at=now))
    db.session.add(OrderEvent(store_id=mirror.store_id, order_id=mirror.id, action="reversal", from_state="",
                              to_state=SETTLED, note=reason.strip()[:300], actor_id=actor.user_id,
                              actor_name=actor.name, created_at=now))
    record_event(original, "reversed", to_state=original.state, actor=actor, now=now,
                 note=f"{mirror.number}: {reason.strip()}")
    audit.record("repair_order_reversed", original, actor=actor, changes={
        "reversal": mirror.number, "total_fen": -original.customer_total_fen, "reason": reason.strip()})
    db.session.flush()
    mirror = lock_order(mirror.id, actor=actor)  # read back with its jobs, as every service reads an order
    signals.order_reversed.send(original, reversal=mirror, actor=actor, now=now)
    db.session.commit()
    return mirror
