"""Taking a call (接警): saved from the moment the phone number is typed, every field after; the guards."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from dealer import audit
from dealer.actors import Actor
from dealer.customers import services as customers
from dealer.customers.errors import MobileTaken, UnknownMobile
from dealer.customers.queries import vehicles_with
from dealer.customers.validators import InvalidValue, normalize_mobile, normalize_plate
from dealer.database import unique_violation
from dealer.errors import NotFound
from dealer.extensions import db
from dealer.rescue import geo
from dealer.rescue.errors import RescueError
from dealer.rescue.models import (
    ACCIDENT,
    AREAS,
    EV_NO_CHARGE,
    FAULT_TYPES,
    HANDED_OVER,
    OPEN_STATES,
    RECEIVED,
    SENT_TO_12122,
    TOLD_EMERGENCY,
    TOWN,
    RescueCall,
)
from dealer.rescue.proposal import is_night
from dealer.rescue.services.common import get_call, lock_call, record_event, require_state
from dealer.stores.services import require_store


@dataclass
class IntakeInput:
    """What the dispatcher typed; coordinates as the map showed them, in `coordinate_system`."""

    caller_phone: str
    caller_name: str = ""
    plate: str = ""
    vehicle_id: int | None = None
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    coordinate_system: str = geo.GCJ02
    area: str = TOWN
    fault_type: str | None = None
    concern: str = ""
    drivable: bool | None = None
    tow_needed: bool = False
    needs_flatbed: bool = False
    injuries: bool = False
    on_expressway: bool = False
    children_waiting: bool = False
    ev_low_charge: bool = False


# Why a call is urgent, with its weight: 60 or more is urgent (1), 20 or more high (2), else normal (3).
PRIORITY_WEIGHTS = {"injuries": 100, "expressway": 40, "accident": 30, "children": 30, "night": 20,
                    "ev_low_charge": 20}


def priority_of(call: RescueCall, *, now: datetime, zone: str) -> tuple[int, list[str]]:
    """Return the call's priority (1 urgent, 2 high, 3 normal) and its reasons, from the facts recorded."""
    reasons = [reason for reason, present in (
        ("injuries", call.injuries), ("expressway", call.on_expressway), ("accident", call.fault_type == ACCIDENT),
        ("children", call.children_waiting), ("night", is_night(call.received_at or now, zone)),
        ("ev_low_charge", call.ev_low_charge or call.fault_type == EV_NO_CHARGE)) if present]
    score = sum(PRIORITY_WEIGHTS[reason] for reason in reasons)
    return (1 if score >= 60 else 2 if score >= 20 else 3), reasons


def clean_phone(value: str) -> str:
    """Return the caller's number as digits (a mobile as its 11 digits). Raises RescueError."""
    folded = re.sub(r"[\s\-·•.()]", "", unicodedata.normalize("NFKC", value or ""))
    try:
        return normalize_mobile(folded, field="caller_phone")
    except InvalidValue:
        pass
    if not re.fullmatch(r"\+?\d{5,19}", folded):
        raise RescueError(_l("Type the caller's phone number (digits)."), field="caller_phone")
    return folded


def _coordinates(data: IntakeInput) -> tuple[float | None, float | None]:
    if data.latitude is None and data.longitude is None:
        return None, None
    if data.coordinate_system not in geo.SYSTEMS:
        raise RescueError(_l("Choose the map the coordinates come from."), field="coordinate_system")
    if not geo.in_range(data.latitude, data.longitude):
        raise RescueError(_l("Coordinates are a latitude from -90 to 90 and a longitude from -180 to 180."),
                          field="latitude")
    return geo.to_wgs84(data.latitude, data.longitude, data.coordinate_system)


def _check(data: IntakeInput) -> None:
    if data.fault_type is not None and data.fault_type not in FAULT_TYPES:
        raise RescueError(_l("Choose what went wrong."), field="fault_type")
    if data.area not in AREAS:
        raise RescueError(_l("Choose in town or outside."), field="area")


def _link_customer(call: RescueCall, data: IntakeInput, actor: Actor) -> None:
    """The caller's phone finds the customer; a vehicle chosen, or the plate, finds the car (and its owner)."""
    vehicle_id = data.vehicle_id
    plate = ""
    if data.plate.strip():
        try:
            plate = normalize_plate(data.plate)
        except InvalidValue:
            plate = ""
    if vehicle_id is None and plate:
        found = vehicles_with(call.store_id, plate=plate, vin=None)
        vehicle_id = found[0].id if found else None
    if vehicle_id is not None:
        try:
            vehicle = customers.get_vehicle(vehicle_id, actor=actor)
        except NotFound:
            raise RescueError(_l("Choose one of the caller's vehicles."), field="vehicle_id") from None
        if vehicle.store_id != call.store_id:
            raise RescueError(_l("Choose one of the caller's vehicles."), field="vehicle_id")
        call.vehicle_id, call.customer_id = vehicle.id, vehicle.owner_id
        call.plate = vehicle.plate
        return
    call.vehicle_id = None
    call.plate = plate or data.plate.strip()[:20]
    try:
        call.customer_id = customers.customer_by_mobile(call.caller_phone, store_id=call.store_id, actor=actor).id
    except (InvalidValue, UnknownMobile):
        if not call.customer_created_by_rescue:
            call.customer_id = None


def save_intake(intake_key: str, data: IntakeInput, *, store_id: int, actor: Actor, now: datetime) -> RescueCall:
    """Save the intake screen: the first save (a phone number typed) opens the call, every later one updates it.

    `intake_key` is the screen's own key, so saves racing each other write one call. Raises RescueError,
    WrongState (the call is closed), Forbidden (another store).
    """
    require_store(actor, store_id, invalid=RescueError)
    if not re.fullmatch(r"[0-9a-f]{32}", intake_key or ""):
        raise RescueError(_l("Open a new intake screen."), field="intake_key")
    _check(data)
    phone = clean_phone(data.caller_phone)
    latitude, longitude = _coordinates(data)
    existing = db.session.scalar(sa.select(RescueCall.id).where(RescueCall.store_id == store_id,
                                                                RescueCall.intake_key == intake_key))
    if existing is None:
        existing = _open_call(intake_key, phone, store_id=store_id, actor=actor, now=now)
    call = lock_call(existing, store_id=store_id)
    require_state(call, *OPEN_STATES)
    call.caller_phone = phone
    for name in ("caller_name", "address", "concern"):
        setattr(call, name, getattr(data, name).strip())
    call.latitude_wgs84, call.longitude_wgs84 = latitude, longitude
    for name in ("area", "fault_type", "drivable", "tow_needed", "needs_flatbed", "injuries", "on_expressway",
                 "children_waiting", "ev_low_charge"):
        setattr(call, name, getattr(data, name))
    if call.fault_type == EV_NO_CHARGE:
        call.needs_flatbed = True  # an EV is never dragged on two wheels
    _link_customer(call, data, actor)
    call.priority, call.priority_reasons = priority_of(call, now=now, zone=call.store.timezone)
    db.session.flush()
    call = get_call(call.id, actor=actor, read_back=True)
    db.session.commit()
    return call


def _open_call(intake_key: str, phone: str, *, store_id: int, actor: Actor, now: datetime) -> int:
    """Insert the call (once per intake key, also when two saves race); return its id."""
    call = RescueCall(store_id=store_id, intake_key=intake_key, caller_phone=phone, state=RECEIVED, received_at=now,
                      received_by_id=actor.user_id, leg=0, priority=3, priority_reasons=[])
    try:
        with db.session.begin_nested():
            db.session.add(call)
            db.session.flush()
    except sa.exc.IntegrityError as error:
        if not unique_violation(error, "rescue_calls", "store_id", "intake_key"):
            raise
        return db.session.scalar(sa.select(RescueCall.id).where(RescueCall.store_id == store_id,
                                                                RescueCall.intake_key == intake_key))
    record_event(call, RECEIVED, now=now, actor=actor)
    audit.record("rescue_call_received", call, actor=actor, changes={"caller_phone": phone})
    db.session.flush()
    return call.id


GUARDS = {TOLD_EMERGENCY: "told_emergency_at", SENT_TO_12122: "sent_to_12122_at", HANDED_OVER: "handed_over_at"}


def record_guard(call_id: int, guard: str, *, actor: Actor, now: datetime) -> RescueCall:
    """Record that the caller was told to call 120/122 first, sent to the expressway line 12122, or that the car
    came off the expressway into our hands. Once each (a second tap changes nothing). Raises RescueError,
    WrongState."""
    if guard not in GUARDS:
        raise RescueError(_l("Unknown step."), field="guard")
    call = lock_call(call_id, actor=actor)
    require_state(call, *OPEN_STATES)
    if guard == TOLD_EMERGENCY and not call.injuries:
        raise RescueError(_l("Nobody is hurt on this call."), field="guard")
    if guard in (SENT_TO_12122, HANDED_OVER) and not call.on_expressway:
        raise RescueError(_l("This call is not on an expressway."), field="guard")
    if guard == HANDED_OVER and call.sent_to_12122_at is None:
        raise RescueError(_l("Send the caller to 12122 first."), field="guard")
    if getattr(call, GUARDS[guard]) is None:
        setattr(call, GUARDS[guard], now)
        record_event(call, guard, now=now, actor=actor)
        audit.record(f"rescue_{guard}", call, actor=actor)
    db.session.commit()
    return call


def ensure_customer(call_id: int, *, actor: Actor, now: datetime) -> RescueCall:
    """Give an unknown caller a minimal customer file, marked as opened by rescue (救援新建). Raises NotFound."""
    call = get_call(call_id, actor=actor)
    if call.customer_id is not None:
        return call
    try:
        mobile = normalize_mobile(call.caller_phone)
    except InvalidValue:
        return call  # a landline: the call goes on without a file
    try:
        customer_id = customers.create_customer(customers.CustomerInput(
            name=(call.caller_name or f"救援来电{mobile[-4:]}")[:40], mobile=mobile,
            notes=f"由24小时救援创建（救援单 #{call.id}）"), store_id=call.store_id, actor=actor, now=now).id
        created = True
    except MobileTaken as error:
        customer_id, created = error.params.get("customer_id"), False
    call = lock_call(call_id, actor=actor)
    if call.customer_id is None:
        call.customer_id, call.customer_created_by_rescue = customer_id, created
    db.session.commit()
    return call
