"""The repair order's workflow: estimate, approval, dispatch, clocking, QC, settlement, delivery, cancel, reversal.

Open (接车) -> estimated -> approved -> in progress (派工) -> quality check (质检) -> ready (完工) -> settled
(结算) -> delivered (交车); cancel with a reason any time before settlement. A settled order never changes;
a mistake is corrected by a reversing order (红冲). Every step is an OrderEvent with who and when.
"""
from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from dealer import audit
from dealer.actors import TECHNICIAN, Actor
from dealer.auth.models import User, UserRole
from dealer.customers.models import Customer, Vehicle
from dealer.errors import DomainError
from dealer.extensions import db
from dealer.parts import services as parts
from dealer.repair import signals
from dealer.repair.models import (
    APPROVAL_METHODS, APPROVED, BY_PHONE, BY_SIGNATURE, CANCELLED, DELIVERED, ESTIMATED, IN_PROGRESS,
    JOB_APPROVED, JOB_DECLINED, JOB_ESTIMATE, JOB_PENDING, MAINTENANCE, OPEN, PARTS, PAYMENT_METHODS,
    QUALITY_CHECK, READY, SETTLED, WORK_DONE, WORK_STARTED, WORK_WAITING, Approval, JobAssignment, OrderEvent,
    Payment, QualityCheck, RepairJob, RepairLine, RepairOrder, TimeEntry,
)
from dealer.repair.services import (
    ApprovalWouldBeExceeded, _job, lock_order, price, record_event, reprice,
)

# action -> (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "submit_estimate": ((OPEN,), ESTIMATED),
    "approve_estimate": ((ESTIMATED,), APPROVED),
    "dispatch": ((APPROVED,), IN_PROGRESS),
    "request_quality_check": ((IN_PROGRESS,), QUALITY_CHECK),
    "pass_quality_check": ((QUALITY_CHECK,), READY),
    "fail_quality_check": ((QUALITY_CHECK,), IN_PROGRESS),
    "settle": ((READY,), SETTLED),
    "deliver": ((SETTLED,), DELIVERED),
    "cancel": ((OPEN, ESTIMATED, APPROVED, IN_PROGRESS, QUALITY_CHECK, READY), CANCELLED),
}

STATE_LABELS = {
    OPEN: _l("Open"), ESTIMATED: _l("Estimated"), APPROVED: _l("Approved"), IN_PROGRESS: _l("In progress"),
    QUALITY_CHECK: _l("Quality check"), READY: _l("Ready"), SETTLED: _l("Settled"), DELIVERED: _l("Handed over"),
    CANCELLED: _l("Cancelled"),
}
ACTION_LABELS = {
    "submit_estimate": _l("present the estimate"), "approve_estimate": _l("approve the estimate"),
    "dispatch": _l("dispatch to the workshop"), "request_quality_check": _l("send to quality check"),
    "pass_quality_check": _l("pass quality check"), "fail_quality_check": _l("fail quality check"),
    "settle": _l("settle"), "deliver": _l("deliver"), "cancel": _l("cancel"),
}

# The QC checklist the inspector signs (质检单); every item must hold for a pass.
QC_ITEMS = {
    "work_as_ordered": _l("All approved work done, nothing unapproved done"),
    "road_test": _l("Road test passed"),
    "no_leaks": _l("No leaks, all caps and drain plugs tight"),
    "no_warning_lights": _l("No warning lights on the dashboard"),
    "fasteners": _l("Wheel nuts and fasteners torqued"),
    "clean": _l("Car clean inside and out, covers removed"),
    "old_parts": _l("Replaced parts kept for the owner"),
}

MAX_SIGNATURE_BYTES = 200_000
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class IllegalTransition(DomainError):
    code = "repair.illegal_transition"


class WorkflowError(DomainError):
    code = "repair.workflow"
    status = 422


def require_transition(order: RepairOrder, action: str) -> str:
    """Refuse `action` with a clear message unless the order's state allows it; return the state it leads to."""
    allowed_from, to_state = TRANSITIONS[action]
    if order.state not in allowed_from:
        raise IllegalTransition(_l("An order that is “%(state)s” cannot %(action)s.",
                                   state=STATE_LABELS[order.state], action=ACTION_LABELS[action]))
    return to_state


def transition(order: RepairOrder, action: str, *, actor: Actor, now: datetime, note: str = "") -> None:
    """Move the order by `action`, or refuse with a clear message; records the step. Never commits."""
    to_state = require_transition(order, action)
    record_event(order, action, to_state=to_state, actor=actor, now=now, note=note)
    order.state = to_state


def allowed_actions(order: RepairOrder) -> list[str]:
    return [action for action, (sources, _) in TRANSITIONS.items() if order.state in sources]


# -- estimate and approvals ----------------------------------------------------------------------

@dataclass
class ApprovalInput:
    """How the owner approved: a signature drawn on the advisor's screen, or a recorded phone call."""

    method: str
    approver_name: str
    phone: str = ""
    signature_png: bytes | None = None
    aftermarket_consent: bool = False
    note: str = ""


def decode_signature(data_url: str) -> bytes | None:
    """Turn a canvas's `data:image/png;base64,...` into PNG bytes; None when empty or not a PNG."""
    prefix = "data:image/png;base64,"
    if not data_url or not data_url.startswith(prefix):
        return None
    try:
        raw = base64.b64decode(data_url[len(prefix):], validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if raw.startswith(PNG_MAGIC) else None


def _check_approval(data: ApprovalInput, jobs: list[RepairJob]) -> None:
    if data.method not in APPROVAL_METHODS:
        raise WorkflowError(_l("Choose how the owner approved."), field="method")
    if not data.approver_name.strip():
        raise WorkflowError(_l("Enter the name of the person who approved."), field="approver_name")
    if data.method == BY_SIGNATURE:
        if not data.signature_png or not data.signature_png.startswith(PNG_MAGIC):
            raise WorkflowError(_l("The owner must sign on the screen."), field="signature")
        if len(data.signature_png) > MAX_SIGNATURE_BYTES:
            raise WorkflowError(_l("The signature image is too large."), field="signature")
    if data.method == BY_PHONE and len("".join(ch for ch in data.phone if ch.isdigit())) < 7:
        raise WorkflowError(_l("Enter the number the owner was called on."), field="phone")
    aftermarket = [line for job in jobs for line in job.lines if line.kind == PARTS and not line.genuine]
    if aftermarket and not data.aftermarket_consent:
        raise WorkflowError(_l("The work includes aftermarket (non-genuine) parts: record the owner's consent "
                               "to them."), field="aftermarket_consent")


def _record_approval(order: RepairOrder, subject: str, jobs: list[RepairJob], data: ApprovalInput,
                     amount: int, *, actor: Actor, now: datetime) -> Approval:
    approval = Approval(
        store_id=order.store_id, order_id=order.id, subject=subject, job_ids=[job.id for job in jobs],
        amount_fen=amount, approved_total_fen=order.approved_total_fen, method=data.method,
        approver_name=data.approver_name.strip()[:60], phone=data.phone.strip()[:20],
        signature_png=data.signature_png if data.method == BY_SIGNATURE else None, note=data.note.strip()[:200],
        recorded_by_id=actor.user_id, recorded_by_name=actor.name, approved_at=now)
    db.session.add(approval)
    db.session.flush()
    for job in jobs:
        for line in job.lines:
            if line.kind == PARTS and not line.genuine:
                line.aftermarket_consent_id = approval.id
            parts.reserve_line(line)
    return approval


def submit_estimate(order_id: int, *, actor: Actor, now: datetime) -> RepairOrder:
    """Present the estimate to the owner (open -> estimated). Raises IllegalTransition, WorkflowError."""
    order = lock_order(order_id, actor=actor)
    require_transition(order, "submit_estimate")
    if not any(job.lines for job in order.jobs if job.approval == JOB_ESTIMATE):
        raise WorkflowError(_l("Add labor or parts to a job before presenting the estimate."))
    transition(order, "submit_estimate", actor=actor, now=now)
    reprice(order)
    db.session.commit()
    return order


def approve_estimate(order_id: int, data: ApprovalInput, *, actor: Actor, now: datetime) -> Approval:
    """Record the owner's approval of the estimate: its amount becomes the limit of the bill (费用安心).

    Raises IllegalTransition, WorkflowError.
    """
    order = lock_order(order_id, actor=actor)
    jobs = [job for job in order.jobs if job.approval == JOB_ESTIMATE]
    require_transition(order, "approve_estimate")  # an illegal step is refused first,
    _check_approval(data, jobs)  # then the approval is checked before anything changes
    transition(order, "approve_estimate", actor=actor, now=now)
    for job in jobs:
        job.approval = JOB_APPROVED
    totals = reprice_without_limit(order)
    order.approved_total_fen = totals.total_fen
    approval = _record_approval(order, "estimate", jobs, data, totals.total_fen, actor=actor, now=now)
    db.session.commit()
    return approval


def reprice_without_limit(order: RepairOrder):
    """Re-price before raising the limit: the approval being recorded is what allows the new total."""
    order_limit, order.approved_total_fen = order.approved_total_fen, 10**15
    try:
        return reprice(order)
    finally:
        order.approved_total_fen = order_limit


def _pending_jobs(order: RepairOrder, job_ids: list[int]) -> list[RepairJob]:
    jobs = [job for job in order.jobs if job.id in set(job_ids)]
    if not jobs or len(jobs) != len(set(job_ids)) or any(job.approval != JOB_PENDING for job in jobs):
        raise WorkflowError(_l("Choose extra work that is waiting for the owner's approval."), field="job_ids")
    return jobs


def approve_extra_work(order_id: int, job_ids: list[int], data: ApprovalInput, *, actor: Actor,
                       now: datetime) -> Approval:
    """Record the owner's approval of extra work (增项): it may be worked on and billed; the limit rises.

    Raises WorkflowError, OrderLocked.
    """
    order = lock_order(order_id, actor=actor)
    if order.state not in (APPROVED, IN_PROGRESS, QUALITY_CHECK):
        raise IllegalTransition(_l("Extra work is approved while the car is in the workshop."))
    jobs = _pending_jobs(order, job_ids)
    _check_approval(data, jobs)
    before = price(order).total_fen
    for job in jobs:
        job.approval = JOB_APPROVED
    after = reprice_without_limit(order).total_fen
    added = max(after - before, 0)
    order.approved_total_fen += added
    approval = _record_approval(order, "extra_work", jobs, data, added, actor=actor, now=now)
    record_event(order, "extra_work_approved", to_state=order.state, actor=actor, now=now,
                 note=", ".join(job.concern for job in jobs))
    if order.state == QUALITY_CHECK:  # new work to do: back to the workshop
        transition_back = IN_PROGRESS
        record_event(order, "extra_work_back_to_workshop", to_state=transition_back, actor=actor, now=now)
        order.state = transition_back
    db.session.commit()
    return approval


def decline_extra_work(order_id: int, job_ids: list[int], *, reason: str, actor: Actor, now: datetime) -> None:
    """Record that the owner declined extra work: it is neither done nor billed. Raises WorkflowError."""
    order = lock_order(order_id, actor=actor)
    if order.state not in (OPEN, ESTIMATED, APPROVED, IN_PROGRESS, QUALITY_CHECK):
        raise IllegalTransition(_l("This order can no longer be changed."))
    jobs = _pending_jobs(order, job_ids)
    for job in jobs:
        job.approval = JOB_DECLINED
    record_event(order, "extra_work_declined", to_state=order.state, actor=actor, now=now,
                 note=(reason.strip() + " · " if reason.strip() else "") + ", ".join(job.concern for job in jobs))
    db.session.commit()


# -- the workshop --------------------------------------------------------------------------------

def _technicians(store_id: int, ids: list[int]) -> list[User]:
    if not ids:
        return []
    users = list(db.session.scalars(
        sa.select(User).join(UserRole).where(User.id.in_(ids), User.store_id == store_id, User.active.is_(True),
                                             UserRole.role == TECHNICIAN)))
    if len({u.id for u in users}) != len(set(ids)):
        raise WorkflowError(_l("Choose technicians of this store."), field="technicians")
    return users


def assign_job(job_id: int, technician_ids: list[int], *, actor: Actor, now: datetime) -> RepairJob:
    """Set the technicians of an approved job (派工). Raises WorkflowError."""
    job = _job(job_id, actor)
    order = lock_order(job.order_id, actor=actor)
    if order.state not in (APPROVED, IN_PROGRESS):
        raise IllegalTransition(_l("Jobs are assigned once the owner approved and before quality check."))
    if job.approval != JOB_APPROVED:
        raise WorkflowError(_l("Only work the owner approved can be assigned."), field="technicians")
    technicians = _technicians(order.store_id, technician_ids)
    wanted = {t.id for t in technicians}
    job.assignments[:] = [a for a in job.assignments if a.technician_id in wanted]
    for technician in technicians:
        if technician.id not in {a.technician_id for a in job.assignments}:
            job.assignments.append(JobAssignment(store_id=order.store_id, technician_id=technician.id,
                                                 assigned_at=now))
    record_event(order, "assigned", to_state=order.state, actor=actor, now=now,
                 note=f"{job.concern}: {', '.join(t.display_name for t in technicians)}")
    db.session.commit()
    return job


def dispatch(order_id: int, *, actor: Actor, now: datetime) -> RepairOrder:
    """Send the approved order to the workshop (approved -> in progress); every approved job needs a technician.

    Raises IllegalTransition, WorkflowError.
    """
    order = lock_order(order_id, actor=actor)
    require_transition(order, "dispatch")
    unassigned = [job.concern for job in order.jobs if job.approval == JOB_APPROVED and not job.assignments]
    if unassigned:
        raise WorkflowError(_l("Assign a technician to every job first: %(jobs)s", jobs="; ".join(unassigned)))
    transition(order, "dispatch", actor=actor, now=now)
    db.session.commit()
    return order


def _open_entry(technician_id: int) -> TimeEntry | None:
    return db.session.scalar(sa.select(TimeEntry).where(TimeEntry.technician_id == technician_id,
                                                        TimeEntry.ended_at.is_(None)))


def _workable(job_id: int, actor: Actor) -> tuple[RepairOrder, RepairJob]:
    job = _job(job_id, actor)
    order = lock_order(job.order_id, actor=actor)
    if order.state != IN_PROGRESS:
        raise IllegalTransition(_l("Work is clocked while the order is in the workshop."))
    if job.approval != JOB_APPROVED:
        raise WorkflowError(_l("This work is not approved by the owner: it cannot be worked on yet."))
    if actor.user_id not in {a.technician_id for a in job.assignments}:
        raise WorkflowError(_l("This job is not assigned to you."))
    return order, job


def clock_on(job_id: int, *, actor: Actor, now: datetime) -> TimeEntry:
    """Start the technician's clock on a job; a clock running on another job is stopped. Raises WorkflowError."""
    order, job = _workable(job_id, actor)
    running = _open_entry(actor.user_id)
    if running is not None:
        if running.job_id == job.id:
            raise WorkflowError(_l("Your clock is already running on this job."))
        running.ended_at = now
    db.session.flush()
    entry = TimeEntry(store_id=order.store_id, job_id=job.id, technician_id=actor.user_id, started_at=now)
    db.session.add(entry)
    job.work = WORK_STARTED
    db.session.commit()
    return entry


def clock_off(job_id: int, *, actor: Actor, now: datetime) -> TimeEntry:
    """Stop the technician's clock on a job. Raises WorkflowError when it is not running."""
    _workable(job_id, actor)
    running = _open_entry(actor.user_id)
    if running is None or running.job_id != job_id:
        raise WorkflowError(_l("Your clock is not running on this job."))
    running.ended_at = now
    db.session.commit()
    return running


def mark_job_done(job_id: int, *, actor: Actor, now: datetime) -> RepairJob:
    """Mark a job's work done (stopping the technician's clock on it). Raises WorkflowError."""
    order, job = _workable(job_id, actor)
    running = _open_entry(actor.user_id)
    if running is not None and running.job_id == job.id:
        running.ended_at = now
    job.work = WORK_DONE
    job.done_at = now
    record_event(order, "job_done", to_state=order.state, actor=actor, now=now, note=job.concern)
    db.session.commit()
    return job


def request_quality_check(order_id: int, *, actor: Actor, now: datetime) -> RepairOrder:
    """Send the car to quality check once every approved job is done and its parts issued.

    Raises IllegalTransition, WorkflowError.
    """
    order = lock_order(order_id, actor=actor)
    require_transition(order, "request_quality_check")
    approved = [job for job in order.jobs if job.approval == JOB_APPROVED]
    if any(job.approval == JOB_PENDING for job in order.jobs):
        raise WorkflowError(_l("Extra work is waiting for the owner's answer: record the approval or the "
                               "refusal first."), field="extra_work")
    not_done = [job.concern for job in approved if job.work != WORK_DONE]
    if not_done:
        raise WorkflowError(_l("These jobs are not done yet: %(jobs)s", jobs="; ".join(not_done)), field="jobs")
    short = [line.description for job in approved for line in job.lines
             if line.kind == PARTS and line.issued != line.quantity]
    if short:
        raise WorkflowError(_l("Parts not yet issued by the parts counter (or not returned): %(parts)s",
                               parts="; ".join(short)), field="parts")
    transition(order, "request_quality_check", actor=actor, now=now)
    for entry in db.session.scalars(sa.select(TimeEntry).where(
            TimeEntry.job_id.in_([job.id for job in approved]), TimeEntry.ended_at.is_(None))):
        entry.ended_at = now
    db.session.commit()
    return order


@dataclass
class QualityCheckInput:
    passed: bool
    checklist: dict[str, bool] = field(default_factory=dict)
    reason: str = ""


def record_quality_check(order_id: int, data: QualityCheckInput, *, actor: Actor, now: datetime) -> QualityCheck:
    """Sign the QC checklist (质检): a pass makes the car ready and tells the owner; a fail, with its
    reason, sends the work back to the workshop. Raises IllegalTransition, WorkflowError.
    """
    order = lock_order(order_id, actor=actor)
    checklist = {code: bool(data.checklist.get(code)) for code in QC_ITEMS}
    reason = data.reason.strip()
    if data.passed:
        require_transition(order, "pass_quality_check")
        if any(job.approval == JOB_PENDING for job in order.jobs):
            raise WorkflowError(_l("Extra work is waiting for the owner's answer: record the approval or the "
                                   "refusal first."), field="extra_work")
        missing = [str(QC_ITEMS[code]) for code, ok in checklist.items() if not ok]
        if missing:
            raise WorkflowError(_l("A pass needs every item checked. Not checked: %(items)s",
                                   items="; ".join(missing)), field="checklist")
        transition(order, "pass_quality_check", actor=actor, now=now)
        order.ready_at = now
        _tell_owner_car_ready(order, now)
    else:
        if not reason:
            raise WorkflowError(_l("Say why the car failed quality check."), field="reason")
        transition(order, "fail_quality_check", actor=actor, now=now, note=reason)
        for job in order.jobs:
            if job.approval == JOB_APPROVED:
                job.work = WORK_WAITING
    check = QualityCheck(store_id=order.store_id, order_id=order.id, passed=data.passed, checklist=checklist,
                         reason=reason[:300], inspector_id=actor.user_id, inspector_name=actor.name, signed_at=now)
    db.session.add(check)
    db.session.commit()
    return check


def _tell_owner_car_ready(order: RepairOrder, now: datetime) -> None:
    from dealer.sms.outbox import enqueue

    customer = db.session.get(Customer, order.customer_id)
    vehicle = db.session.get(Vehicle, order.vehicle_id)
    enqueue("car_ready", store_id=order.store_id, phone=customer.mobile, customer=customer, vehicle_id=vehicle.id,
            params={"name": customer.name, "plate": vehicle.plate, "store_phone": order.store.phone},
            now=now, dedupe_key=f"car_ready:{order.id}")


# -- settlement, delivery, cancellation, reversal -----------------------------------------------

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
        if payment.method != "cash" and not payment.reference.strip():
            raise WorkflowError(_l("Enter the reference number of a non-cash payment (slip or transaction "
                                   "number)."), field=f"payments.{index}.reference")
    paid = sum(p.amount_fen for p in payments)
    if paid != total:
        from dealer.money import yuan

        raise WorkflowError(_l("The payments add up to %(paid)s yuan; the bill is %(total)s yuan.",
                               paid=yuan(paid), total=yuan(total)), field="payments")


def settle(order_id: int, payments: list[PaymentInput], *, actor: Actor, now: datetime) -> RepairOrder:
    """Take payment and lock the order for ever (结算). Raises IllegalTransition, WorkflowError,
    ApprovalWouldBeExceeded.
    """
    order = lock_order(order_id, actor=actor)
    require_transition(order, "settle")
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
    db.session.commit()
    return order


def deliver(order_id: int, *, actor: Actor, now: datetime) -> RepairOrder:
    """Hand the car back (交车) and announce it (`signals.order_delivered`). Raises IllegalTransition."""
    order = lock_order(order_id, actor=actor)
    if order.is_reversal:
        raise IllegalTransition(_l("A reversing order has no car to hand over."))
    transition(order, "deliver", actor=actor, now=now)
    order.delivered_at = now
    signals.order_delivered.send(order, vehicle=db.session.get(Vehicle, order.vehicle_id), actor=actor, now=now)
    db.session.commit()
    return order


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
        parts.release_line(line)
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

    The original never changes. Raises WorkflowError.
    """
    from dealer.repair.services import _next_number

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
        number=_next_number(original.store_id, original.store.local_date(now).strftime("%Y%m%d")),
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
    db.session.commit()
    return mirror
