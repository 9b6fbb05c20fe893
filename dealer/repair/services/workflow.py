"""The repair order's workflow: the state machine, who may do what now, the estimate and the owner's approvals.

Open (接车) -> estimated -> approved -> in progress (派工) -> quality check (质检) -> ready (完工) -> settled
(结算) -> delivered (交车); cancel with a reason any time before settlement. A settled order never changes;
a mistake is corrected by a reversing order (红冲). Every step is an OrderEvent with who and when. The
workshop's steps are in workshop.py, settlement, delivery, cancellation and reversal in settlement.py.
"""
from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from dealer.actors import CASHIER, MANAGER, PARTS_CLERK, SERVICE_ADVISOR, TECHNICIAN, Actor
from dealer.extensions import db
from dealer.repair import signals
from dealer.repair.errors import IllegalTransition, WorkflowError
from dealer.repair.models import (
    APPROVAL_METHODS,
    APPROVED,
    BY_PHONE,
    BY_SIGNATURE,
    CANCELLED,
    DELIVERED,
    ESTIMATED,
    IN_PROGRESS,
    JOB_APPROVED,
    JOB_DECLINED,
    JOB_ESTIMATE,
    JOB_PENDING,
    LOCKED_STATES,
    OPEN,
    PARTS,
    QUALITY_CHECK,
    READY,
    RECORDED_METHODS,
    SETTLED,
    Approval,
    RepairJob,
    RepairOrder,
)
from dealer.repair.services.common import EDITABLE_STATES, jobs_of, lock_order, record_event
from dealer.repair.services.parts_counter import reserve_line
from dealer.repair.services.pricing import price, reprice, reprice_without_limit
from dealer.repair.services.settings import settings_for

# Who may take the steps (the roles); the state machine below says when.
ADVISORS = frozenset({SERVICE_ADVISOR, MANAGER})
TECHNICIANS = frozenset({TECHNICIAN, MANAGER})
INSPECTORS = frozenset({TECHNICIAN, SERVICE_ADVISOR, MANAGER})
SETTLERS = frozenset({CASHIER, SERVICE_ADVISOR, MANAGER})
# A reversal (红冲) pays money back: the cashier and the manager, not the advisor who took the order.
REVERSERS = frozenset({CASHIER, MANAGER})
REPAIR_STAFF = frozenset({SERVICE_ADVISOR, TECHNICIAN, PARTS_CLERK, CASHIER, MANAGER})

# action -> the roles that may take it, in the order the page and the API list them.
ACTION_ROLES: dict[str, frozenset[str]] = {
    "submit_estimate": ADVISORS, "approve_estimate": ADVISORS, "dispatch": ADVISORS,
    "request_quality_check": INSPECTORS, "pass_quality_check": INSPECTORS, "fail_quality_check": INSPECTORS,
    "settle": SETTLERS, "deliver": ADVISORS, "cancel": ADVISORS,
    "approve_extra_work": ADVISORS, "decline_extra_work": ADVISORS, "reverse": REVERSERS,
    "edit": ADVISORS, "assign": ADVISORS, "work": TECHNICIANS, "report_finding": frozenset({TECHNICIAN}),
}
ACTIONS = tuple(ACTION_ROLES)
# The actions of the order's workflow card (and of the API's /transitions, reverse aside).
ORDER_ACTIONS = ACTIONS[:12]

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
# The other steps: extra work is approved while the car is in the workshop; jobs assigned until QC.
EXTRA_WORK_STATES = (APPROVED, IN_PROGRESS, QUALITY_CHECK)
ASSIGN_STATES = (APPROVED, IN_PROGRESS)

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

MAX_SIGNATURE_BYTES = 200_000
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


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


# -- who may do what to an order now ------------------------------------------------------------

def allowed_actions(order: RepairOrder, actor: Actor) -> frozenset[str]:
    """Return what `actor` may do to `order` now: the steps its state allows that the actor's roles may take.

    The one answer the order page, the API and the templates read (the services check again when a step is
    taken). Actions: the TRANSITIONS, `approve_extra_work` and `decline_extra_work` (extra work waits for
    the owner), `reverse` (红冲), `edit` (the promise, notes, jobs and lines), `assign` (派工), `work` (clock
    on and off, mark done: the job's assigned technician) and `report_finding` (a technician's 增项). A
    reversing order allows nothing: it only records the correction.
    """
    if order.is_reversal:
        return frozenset()
    possible = {action for action, (sources, _) in TRANSITIONS.items() if order.state in sources}
    if any(job.approval == JOB_PENDING for job in jobs_of(order)):
        if order.state in EXTRA_WORK_STATES:
            possible.add("approve_extra_work")
        if order.state in EDITABLE_STATES:
            possible.add("decline_extra_work")
    if order.state in EDITABLE_STATES:
        possible.add("edit")
    if order.state in ASSIGN_STATES:
        possible.add("assign")
    if order.state == IN_PROGRESS:
        possible.update(("work", "report_finding"))
    allowed = {action for action in possible if actor.has_any(ACTION_ROLES[action])}
    if allowed & QC_VERDICTS and did_the_work(order, actor):
        allowed -= QC_VERDICTS  # the final inspection (终检) is someone else's: no button the service refuses
    if order.state in LOCKED_STATES and actor.has_any(ACTION_ROLES["reverse"]) and not _reversed(order):
        allowed.add("reverse")
    return frozenset(allowed)


QC_VERDICTS = frozenset(("pass_quality_check", "fail_quality_check"))


def did_the_work(order: RepairOrder, actor: Actor) -> bool:
    """Whether the actor worked on the order's jobs where the store wants its final inspection (终检) signed
    by someone else (the repair settings' `independent_final_inspection`, on by default)."""
    workers = {a.technician_id for job in jobs_of(order) for a in job.assignments}
    return actor.user_id in workers and settings_for(order.store_id).independent_final_inspection


def in_order(actions) -> list[str]:
    """List `actions` in the order of ACTIONS (the workflow's order), for the API and the page."""
    return [action for action in ACTIONS if action in actions]


def may(actor: Actor, action: str) -> bool:
    """Tell whether the actor's roles may take `action` at all (whatever the order's state)."""
    return actor.has_any(ACTION_ROLES[action])


def _reversed(order: RepairOrder) -> bool:
    return db.session.scalar(sa.select(RepairOrder.id).where(RepairOrder.store_id == order.store_id,
                                                             RepairOrder.reversal_of_id == order.id)) is not None



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


def _check_approval(data: ApprovalInput, jobs: list[RepairJob], methods: tuple[str, ...] = APPROVAL_METHODS) -> None:
    if data.method not in methods:
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
            reserve_line(line)
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
    approval = accept_estimate(order, data, actor=actor, now=now)
    db.session.commit()
    return approval


def accept_estimate(order: RepairOrder, data: ApprovalInput, *, actor: Actor, now: datetime) -> Approval:
    """Record the owner's approval of a locked order's estimate (never commits): for `approve_estimate` and for
    a service of another module that commits with its own change (the quick lane: the package price agreed
    in person at the desk, `IN_PERSON`). Raises IllegalTransition, WorkflowError."""
    jobs = [job for job in order.jobs if job.approval == JOB_ESTIMATE]
    require_transition(order, "approve_estimate")
    _check_approval(data, jobs, RECORDED_METHODS)
    transition(order, "approve_estimate", actor=actor, now=now)
    for job in jobs:
        job.approval = JOB_APPROVED
    totals = reprice_without_limit(order)
    order.approved_total_fen = totals.total_fen
    return _record_approval(order, "estimate", jobs, data, totals.total_fen, actor=actor, now=now)


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
    if order.state not in EXTRA_WORK_STATES:
        raise IllegalTransition(_l("Extra work is approved while the car is in the workshop."))
    _check_approval(data, _pending_jobs(order, job_ids))  # the methods of a form: no IN_PERSON here
    approval = accept_extra_work(order, job_ids, data, actor=actor, now=now)
    db.session.commit()
    return approval


def accept_extra_work(order: RepairOrder, job_ids: list[int], data: ApprovalInput, *, actor: Actor,
                      now: datetime) -> Approval:
    """Record the owner's approval of a locked order's extra work (never commits): for `approve_extra_work` and
    for a service of another module that commits with its own change (the quick lane's consent in person or
    by phone). Raises IllegalTransition, WorkflowError."""
    if order.state not in EXTRA_WORK_STATES:
        raise IllegalTransition(_l("Extra work is approved while the car is in the workshop."))
    jobs = _pending_jobs(order, job_ids)
    _check_approval(data, jobs, RECORDED_METHODS)
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
    return approval


def decline_extra_work(order_id: int, job_ids: list[int], *, reason: str, actor: Actor, now: datetime) -> None:
    """Record that the owner declined extra work: it is neither done nor billed. Raises WorkflowError."""
    order = lock_order(order_id, actor=actor)
    refuse_extra_work(order, job_ids, reason=reason, actor=actor, now=now)
    db.session.commit()


def refuse_extra_work(order: RepairOrder, job_ids: list[int], *, reason: str, actor: Actor, now: datetime) -> None:
    """Record on a locked order that the owner declined extra work (never commits). Raises WorkflowError."""
    if order.state not in (OPEN, ESTIMATED, APPROVED, IN_PROGRESS, QUALITY_CHECK):
        raise IllegalTransition(_l("This order can no longer be changed."))
    jobs = _pending_jobs(order, job_ids)
    for job in jobs:
        job.approval = JOB_DECLINED
    record_event(order, "extra_work_declined", to_state=order.state, actor=actor, now=now,
                 note=(reason.strip() + " · " if reason.strip() else "") + ", ".join(job.concern for job in jobs))
    signals.extra_work_declined.send(order, jobs=jobs, actor=actor, now=now)
