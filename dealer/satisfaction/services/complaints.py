"""Complaints (投诉): intake, the responsible person, a deadline clock that pauses, resolution and closing.

States: received -> acknowledged -> investigating -> resolved -> closed; resolved or closed may be reopened.
The clock pauses while the store waits on the owner (or on parts), with the reason: resuming moves the
deadline on by the time it stood still. Only CS (监督部) records and closes complaints.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from dealer import audit
from dealer.actors import CS_SUPERVISOR, SYSTEM, TECHNICIAN, Actor
from dealer.auth.models import User, UserRole
from dealer.customers.models import Customer
from dealer.customers.validators import InvalidValue, normalize_mobile
from dealer.errors import Forbidden, NotFound
from dealer.extensions import db
from dealer.repair.models import RepairOrder
from dealer.satisfaction.errors import IllegalStep, InvalidInput
from dealer.satisfaction.models import (
    ACKNOWLEDGED,
    CLOSED,
    COMPLAINT_CATEGORIES,
    COMPLAINT_CHANNELS,
    COMPLAINT_KINDS,
    INVESTIGATING,
    RECEIVED,
    RESOLVED,
    ROOT_CAUSES,
    SEVERITIES,
    SITE,
    Complaint,
)
from dealer.satisfaction.services.follow_ups import settings_for
from dealer.stores.models import Store
from dealer.stores.services import visible_store_ids

# action: the states it may start from
STEPS = {
    "acknowledge": (RECEIVED,),
    "investigate": (RECEIVED, ACKNOWLEDGED),
    "pause": (RECEIVED, ACKNOWLEDGED, INVESTIGATING),
    "resume": (RECEIVED, ACKNOWLEDGED, INVESTIGATING),
    "resolve": (ACKNOWLEDGED, INVESTIGATING),
    "close": (RESOLVED,),
    "reopen": (RESOLVED, CLOSED),
}


@dataclass(frozen=True)
class ComplaintInput:
    channel: str
    category: str
    description: str
    severity: str = "normal"
    contact_name: str = ""
    contact_phone: str = ""
    order_number: str = ""
    responsible_id: int | None = None
    technician_id: int | None = None


@dataclass(frozen=True)
class StepInput:
    action: str
    reason: str = ""  # a pause's reason
    resolution: str = ""
    owner_confirmed: bool = False
    root_cause: str = ""


def _require_cs(actor: Actor) -> None:
    if CS_SUPERVISOR not in actor.roles:
        raise Forbidden(_l("Only customer satisfaction (监督部) records complaints."))


def receive_complaint(data: ComplaintInput, *, store_id: int | None, actor: Actor, now: datetime) -> Complaint:
    """Record a complaint with its deadlines (acknowledge within the store's hours, resolve within its days).

    Raises Forbidden, InvalidInput.
    """
    _require_cs(actor)
    store_id = actor.store_id if actor.store_id is not None else store_id
    if store_id is None or store_id not in visible_store_ids(actor):
        raise InvalidInput(_l("Choose a store."), field="store_id")
    for field, value, allowed in (("channel", data.channel, COMPLAINT_CHANNELS),
                                  ("category", data.category, COMPLAINT_CATEGORIES),
                                  ("severity", data.severity, SEVERITIES)):
        if value not in allowed:
            raise InvalidInput(_l("Choose one of the list."), field=field)
    description = (data.description or "").strip()
    if not description:
        raise InvalidInput(_l("Say what the owner complains about."), field="description")
    if data.responsible_id is not None and db.session.scalar(sa.select(User.id).where(
            User.id == data.responsible_id, User.store_id == store_id, User.active)) is None:
        raise InvalidInput(_l("Choose a person of this store."), field="responsible_id")
    _check_technician(store_id, data.technician_id)
    order_id = _order_of(store_id, data.order_number)
    if (data.order_number or "").strip() and order_id is None:
        raise InvalidInput(_l("No repair order of this store has that number."), field="order_number")
    settings = settings_for(store_id)
    complaint = Complaint(
        store_id=store_id, order_id=order_id, channel=data.channel, category=data.category, severity=data.severity,
        description=description[:1000], contact_name=(data.contact_name or "").strip()[:50],
        contact_phone=(data.contact_phone or "").strip()[:20], order_number=(data.order_number or "").strip()[:30],
        responsible_id=data.responsible_id, technician_id=data.technician_id, state=RECEIVED, received_at=now,
        ack_due_at=now + timedelta(hours=settings.complaint_ack_hours),
        deadline_at=now + timedelta(days=settings.complaint_days), paused_seconds=0, recorded_by_id=actor.user_id)
    db.session.add(complaint)
    db.session.flush()
    audit.record("complaint_received", complaint, actor=actor, changes={
        "channel": complaint.channel, "category": complaint.category, "technician": complaint.technician_id})
    db.session.commit()
    return get_complaint(complaint.id, actor=actor)


def _check_technician(store_id: int, technician_id: int | None) -> str:
    """The name of an active technician of the store ("" for None: nobody named). Raises InvalidInput."""
    if technician_id is None:
        return ""
    row = db.session.execute(sa.select(User.full_name, User.username).join(UserRole).where(
        User.id == technician_id, User.store_id == store_id, User.active, UserRole.role == TECHNICIAN)).first()
    if row is None:
        raise InvalidInput(_l("Choose one of the store's technicians."), field="technician_id")
    return row.full_name or row.username


def name_technician(complaint_id: int, technician_id: int | None, *, actor: Actor, now: datetime) -> Complaint:
    """Name (or change, or clear with None) the technician concerned (涉及技师) of a complaint after intake: CS
    only, one of the complaint's store's active technicians, audited with who was named before. A closed
    complaint is not edited (reopen it first); naming the one already named changes nothing.

    Raises Forbidden, NotFound, IllegalStep, InvalidInput.
    """
    _require_cs(actor)
    complaint = get_complaint(complaint_id, actor=actor, lock=True)
    if complaint.state == CLOSED:
        raise IllegalStep(_l("A closed complaint is not changed: reopen it first."))
    name = _check_technician(complaint.store_id, technician_id)
    if complaint.technician_id == technician_id:
        return complaint
    before = complaint.technician.display_name if complaint.technician else ""
    changes = {"technician": [before, name], "technician_id": [complaint.technician_id, technician_id]}
    complaint.technician_id = technician_id
    audit.record("complaint_technician_named", complaint, actor=actor, changes=changes)
    db.session.commit()
    return get_complaint(complaint.id, actor=actor)


@dataclass(frozen=True)
class PublicComplaintInput:
    """What an owner writes on the public form: a complaint or a suggestion, and how to call them back."""

    kind: str
    category: str
    description: str
    contact_phone: str
    contact_name: str = ""
    order_number: str = ""


def _order_of(store_id: int, number: str | None) -> int | None:
    """The id of the store's repair order of this number (as printed on it), or None."""
    number = (number or "").strip().upper()[:30]
    if not number:
        return None
    return db.session.scalar(sa.select(RepairOrder.id).where(RepairOrder.store_id == store_id,
                                                             RepairOrder.number == number))


def public_store(store_code: str) -> Store:
    """The active store of a public form's address. Raises NotFound."""
    store = db.session.scalar(sa.select(Store).where(Store.code == (store_code or "")[:20], Store.active))
    if store is None:
        raise NotFound()
    return store


def submit_public_complaint(store_code: str, data: PublicComplaintInput, *, now: datetime) -> Complaint:
    """Record what an owner wrote on the store's public form (no sign-in): state received, channel site, with
    the same deadlines as any complaint; linked to the store's customer of that mobile when there is one.

    Raises NotFound (no such store), InvalidInput.
    """
    store = public_store(store_code)
    for field, value, allowed in (("kind", data.kind, COMPLAINT_KINDS), ("category", data.category,
                                                                         COMPLAINT_CATEGORIES)):
        if value not in allowed:
            raise InvalidInput(_l("Choose one of the list."), field=field)
    description = (data.description or "").strip()
    if not description:
        raise InvalidInput(_l("Tell us what happened."), field="description")
    try:
        mobile = normalize_mobile(data.contact_phone or "", field="contact_phone")
    except InvalidValue as error:
        raise InvalidInput(_l("Give a mobile number we can call you back on."), field="contact_phone") from error
    settings = settings_for(store.id)
    customer_id = db.session.scalar(sa.select(Customer.id).where(Customer.store_id == store.id,
                                                                 Customer.mobile == mobile))
    complaint = Complaint(
        store_id=store.id, order_id=_order_of(store.id, data.order_number), channel=SITE, kind=data.kind, category=data.category, severity="normal",
        customer_id=customer_id, description=description[:1000], contact_name=(data.contact_name or "").strip()[:50],
        contact_phone=mobile, order_number=(data.order_number or "").strip()[:30], state=RECEIVED, received_at=now,
        ack_due_at=now + timedelta(hours=settings.complaint_ack_hours),
        deadline_at=now + timedelta(days=settings.complaint_days), paused_seconds=0, recorded_by_id=None)
    db.session.add(complaint)
    db.session.flush()
    audit.record("complaint_received", complaint, actor=SYSTEM, changes={
        "channel": SITE, "category": complaint.category, "kind": complaint.kind})
    db.session.commit()
    return complaint


def get_complaint(complaint_id: int, *, actor: Actor, lock: bool = False) -> Complaint:
    """A complaint of the actor's stores, with its responsible person. Raises NotFound."""
    stmt = sa.select(Complaint).where(Complaint.id == complaint_id,
                                      Complaint.store_id.in_(visible_store_ids(actor)))
    if lock:
        if db.session.scalar(stmt.with_only_columns(Complaint.id).with_for_update()) is None:
            raise NotFound()
        stmt = stmt.execution_options(populate_existing=True)
    complaint = db.session.scalar(stmt.options(joinedload(Complaint.responsible),
                                               joinedload(Complaint.technician).raiseload(User.roles),
                                               joinedload(Complaint.order).joinedload(RepairOrder.advisor)))
    if complaint is None:
        raise NotFound()
    return complaint


def _resume(complaint: Complaint, now: datetime) -> None:
    if complaint.paused_at is not None:
        stood = now - complaint.paused_at
        complaint.deadline_at += stood
        complaint.paused_seconds += int(stood.total_seconds())
        complaint.paused_at = None


def complaint_step(complaint_id: int, step: StepInput, *, actor: Actor, now: datetime) -> Complaint:
    """Take one step of a complaint (see STEPS). Raises Forbidden, NotFound, IllegalStep, InvalidInput."""
    _require_cs(actor)
    complaint = get_complaint(complaint_id, actor=actor, lock=True)
    if step.action not in STEPS:
        raise InvalidInput(_l("Choose one of the list."), field="action")
    if complaint.state not in STEPS[step.action]:
        raise IllegalStep()
    before = complaint.state
    if step.action == "acknowledge":
        complaint.state, complaint.acknowledged_at = ACKNOWLEDGED, now
    elif step.action == "investigate":
        complaint.state = INVESTIGATING
        complaint.acknowledged_at = complaint.acknowledged_at or now
    elif step.action == "pause":
        if complaint.paused_at is not None:
            raise IllegalStep(_l("The clock is paused already."))
        reason = (step.reason or "").strip()
        if not reason:
            raise InvalidInput(_l("Say what the store is waiting for."), field="reason")
        complaint.paused_at, complaint.pause_reason = now, reason[:200]
    elif step.action == "resume":
        if complaint.paused_at is None:
            raise IllegalStep(_l("The clock is running."))
        _resume(complaint, now)
    elif step.action == "resolve":
        resolution = (step.resolution or "").strip()
        if not resolution:
            raise InvalidInput(_l("Say how it was resolved."), field="resolution")
        _resume(complaint, now)
        complaint.state, complaint.resolution, complaint.resolved_at = RESOLVED, resolution[:1000], now
        complaint.owner_confirmed = bool(step.owner_confirmed)
    elif step.action == "close":
        if step.root_cause not in ROOT_CAUSES:
            raise InvalidInput(_l("Closing needs the root cause."), field="root_cause")
        if not (complaint.owner_confirmed or step.owner_confirmed):
            raise InvalidInput(_l("Record the owner's confirmation (a second call) before closing."),
                               field="owner_confirmed")
        complaint.owner_confirmed = True
        complaint.state, complaint.root_cause, complaint.closed_at = CLOSED, step.root_cause, now
    elif step.action == "reopen":
        complaint.state, complaint.closed_at, complaint.resolved_at = INVESTIGATING, None, None
        complaint.owner_confirmed = False
    audit.record("complaint_" + step.action, complaint, actor=actor, changes={
        "state": [before, complaint.state], "reason": step.reason or None})
    db.session.commit()
    return get_complaint(complaint.id, actor=actor)
