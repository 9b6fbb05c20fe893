"""The workshop (车间): assigning jobs (派工), dispatch, the technician's clock, and quality check (质检)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from dealer import audit, money
from dealer.actors import TECHNICIAN, Actor
from dealer.auth.models import User, UserRole
from dealer.customers.models import Customer, Vehicle
from dealer.extensions import db
from dealer.repair.errors import (
    IllegalTransition,
    InspectorDidTheWork,
    NotAssigned,
    PartsNotIssued,
    WorkflowError,
)
from dealer.repair.models import (
    IN_PROGRESS,
    JOB_APPROVED,
    JOB_PENDING,
    PARTS,
    WORK_DONE,
    WORK_STARTED,
    WORK_WAITING,
    JobAssignment,
    QualityCheck,
    RepairJob,
    RepairOrder,
    TimeEntry,
)
from dealer.repair.services.common import get_job, lock_order, record_event
from dealer.repair.services.workflow import ASSIGN_STATES, did_the_work, require_transition, transition
from dealer.sms.outbox import enqueue

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
    job = get_job(job_id, actor=actor)
    order = lock_order(job.order_id, actor=actor)
    if order.state not in ASSIGN_STATES:
        raise IllegalTransition(_l("Jobs are assigned once the owner approved and before quality check."))
    if job.approval != JOB_APPROVED:
        raise WorkflowError(_l("Only work the owner approved can be assigned."), field="technicians")
    assign_technicians(order, job, technician_ids, actor=actor, now=now)
    db.session.commit()
    return job


def assign_technicians(order: RepairOrder, job: RepairJob, technician_ids: list[int], *, actor: Actor,
                       now: datetime) -> None:
    """Set the technicians of an approved job of a locked order (never commits): for `assign_job` and for a
    service of another module that commits with its own change (the quick lane's bay). Raises WorkflowError."""
    if order.state not in ASSIGN_STATES:
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


def dispatch(order_id: int, *, actor: Actor, now: datetime) -> RepairOrder:
    """Send the approved order to the workshop (approved -> in progress); every approved job needs a technician.

    Raises IllegalTransition, WorkflowError.
    """
    order = lock_order(order_id, actor=actor)
    send_to_workshop(order, actor=actor, now=now)
    db.session.commit()
    return order


def send_to_workshop(order: RepairOrder, *, actor: Actor, now: datetime) -> None:
    """Dispatch a locked order (never commits; see `dispatch`). Raises IllegalTransition, WorkflowError."""
    require_transition(order, "dispatch")
    unassigned = [job.concern for job in order.jobs if job.approval == JOB_APPROVED and not job.assignments]
    if unassigned:
        raise WorkflowError(_l("Assign a technician to every job first: %(jobs)s", jobs="; ".join(unassigned)))
    transition(order, "dispatch", actor=actor, now=now)


def _open_entry(technician_id: int, store_id: int) -> TimeEntry | None:
    return db.session.scalar(sa.select(TimeEntry).where(TimeEntry.store_id == store_id,
                                                        TimeEntry.technician_id == technician_id,
                                                        TimeEntry.ended_at.is_(None)))


def _workable(job_id: int, actor: Actor) -> tuple[RepairOrder, RepairJob]:
    job = get_job(job_id, actor=actor)
    order = lock_order(job.order_id, actor=actor)
    if order.state != IN_PROGRESS:
        raise IllegalTransition(_l("Work is clocked while the order is in the workshop."))
    if job.approval != JOB_APPROVED:
        raise WorkflowError(_l("This work is not approved by the owner: it cannot be worked on yet."))
    if actor.user_id not in {a.technician_id for a in job.assignments}:
        raise NotAssigned()
    return order, job


def clock_on(job_id: int, *, actor: Actor, now: datetime) -> TimeEntry:
    """Start the technician's clock on a job; a clock running on another job is stopped. Raises WorkflowError."""
    order, job = _workable(job_id, actor)
    running = _open_entry(actor.user_id, order.store_id)
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
    order, _ = _workable(job_id, actor)
    running = _open_entry(actor.user_id, order.store_id)
    if running is None or running.job_id != job_id:
        raise WorkflowError(_l("Your clock is not running on this job."))
    running.ended_at = now
    db.session.commit()
    return running


def unissued_parts(job: RepairJob) -> list[str]:
    """Return the job's parts lines the parts counter has not fully issued, as "name issued/quantity"."""
    return [f"{line.description} {money.scaled(line.issued, money.QUANTITY_SCALE)}/"
            f"{money.scaled(line.quantity or 0, money.QUANTITY_SCALE)}"
            for line in job.lines if line.kind == PARTS and line.issued < (line.quantity or 0)]


def mark_job_done(job_id: int, *, reason: str = "", actor: Actor, now: datetime) -> RepairJob:
    """Mark a job's work done (stopping the technician's clock on it).

    A job whose parts were not all issued needs the technician's reason, kept on the order's timeline.
    Raises WorkflowError, PartsNotIssued.
    """
    order, job = _workable(job_id, actor)
    finish_job(order, job, reason=reason, actor=actor, now=now)
    db.session.commit()
    return job


def finish_job(order: RepairOrder, job: RepairJob, *, reason: str = "", actor: Actor, now: datetime) -> None:
    """Mark a job of a locked order in the workshop done (never commits; see `mark_job_done`): for a service of
    another module that commits with its own change (the quick lane's car leaving the bay).
    Raises IllegalTransition, WorkflowError, PartsNotIssued."""
    if order.state != IN_PROGRESS:
        raise IllegalTransition(_l("Work is clocked while the order is in the workshop."))
    if job.approval != JOB_APPROVED:
        raise WorkflowError(_l("This work is not approved by the owner: it cannot be worked on yet."))
    short = unissued_parts(job)
    reason = (reason or "").strip()
    if short and not reason:
        raise PartsNotIssued(_l("These parts were not issued by the parts counter: %(parts)s. Say why the job "
                                "is done without them.", parts="; ".join(short)), field="reason")
    running = _open_entry(actor.user_id, order.store_id)
    if running is not None and running.job_id == job.id:
        running.ended_at = now
    job.work = WORK_DONE
    job.done_at = now
    note = job.concern if not short else f"{job.concern} ({'; '.join(short)}): {reason}"
    record_event(order, "job_done" if not short else "job_done_parts_not_issued", to_state=order.state,
                 actor=actor, now=now, note=note[:300])
    if short:
        audit.record("repair_job_done_parts_not_issued", job, actor=actor,
                     changes={"order": order.number, "parts": short, "reason": reason})


def request_quality_check(order_id: int, *, actor: Actor, now: datetime) -> RepairOrder:
    """Send the car to quality check once every approved job is done and its parts issued.

    Raises IllegalTransition, WorkflowError.
    """
    order = lock_order(order_id, actor=actor)
    send_to_quality_check(order, actor=actor, now=now)
    db.session.commit()
    return order


def send_to_quality_check(order: RepairOrder, *, actor: Actor, now: datetime) -> None:
    """Send a locked order to quality check (never commits; see `request_quality_check`).
    Raises IllegalTransition, WorkflowError."""
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
    check = sign_quality_check(order, data, actor=actor, now=now)
    db.session.commit()
    return check


def sign_quality_check(order: RepairOrder, data: QualityCheckInput, *, actor: Actor, now: datetime,
                       tell_owner: bool = True) -> QualityCheck:
    """Sign the QC checklist of a locked order (never commits; see `record_quality_check`). `tell_owner`:
    False for a module that tells the owner itself (the quick lane's ready SMS, after the wash).
    Raises IllegalTransition, WorkflowError, InspectorDidTheWork."""
    _check_inspector(order, actor)
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
        if tell_owner:
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
    order.qc_failed = bool(order.qc_failed) or not data.passed
    return check


def _check_inspector(order: RepairOrder, actor: Actor) -> None:
    """Refuse a technician of the order's jobs as its inspector where the store wants a final inspection
    (终检) by someone else (the repair settings' `independent_final_inspection`, on by default)."""
    if did_the_work(order, actor):
        raise InspectorDidTheWork(_l("You worked on this order: its final inspection (终检) is signed by "
                                     "someone other than its technicians."))


def _tell_owner_car_ready(order: RepairOrder, now: datetime) -> None:
    customer = db.session.get(Customer, order.customer_id)
    vehicle = db.session.get(Vehicle, order.vehicle_id)
    enqueue("car_ready", store_id=order.store_id, phone=customer.mobile, customer=customer, vehicle_id=vehicle.id,
            params={"name": customer.name, "plate": vehicle.plate, "store_phone": order.store.phone},
            now=now, dedupe_key=f"car_ready:{order.id}")
