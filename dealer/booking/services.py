"""The business rules of booking: holding a time, booking it, and what the store does with a booking.

Taking room locks the bucket row (store, day, day part, service kind), then the quarter row, always in that
order, and counts under the locks what live bookings and holds use: two owners taking the last place wait for
each other and the second finds it full (SQLite runs one writer at a time, so the same holds there).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l

from dealer import audit
from dealer.actors import SYSTEM, Actor
from dealer.booking import links, owners, queries, slots
from dealer.booking.errors import BookingError, BookingStateError, CodeRefused, DayNotOpen, SlotFull
from dealer.booking.models import (
    BOOKED,
    CANCELLED,
    NO_SHOW,
    SOURCES,
    Booking,
    BookingSettings,
    Capacity,
    CheckInQuarter,
    ClosedDay,
    Hold,
    OpeningHours,
    ServiceKind,
    SlotBucket,
)
from dealer.customers import services as customers
from dealer.customers.errors import MobileTaken
from dealer.customers.models import ONLINE_BOOKING, Customer, Vehicle
from dealer.customers.services import store_advisors
from dealer.customers.validators import normalize_mobile, normalize_plate
from dealer.database import get_for_update, unique_violation
from dealer.dialect import upsert
from dealer.errors import FieldErrors, NotFound
from dealer.extensions import db
from dealer.sms import outbox, verification
from dealer.stores.services import visible_store_ids

UTC = ZoneInfo("UTC")
# The service as the SMS names it (the store's SMS wording is Chinese, whatever language the page was in).
SMS_SERVICE_NAMES = {"maintenance": "保养", "repair": "维修", "quick_lane": "快修套餐", "body_paint": "钣喷",
                     "inspection": "年审"}

# An online booking's phone check (dealer.sms.verification): its SMS kind and the store's daily ceiling of codes.
BOOKING = "booking"
verification.register_purpose(BOOKING, sms_kind="booking_verification",
                              daily_ceiling=lambda store_id: queries.settings_of(store_id).daily_code_ceiling)


@dataclass
class BookingInput:
    store_id: int
    service_kind: str
    starts_at: datetime  # aware; any zone
    name: str
    phone: str
    plate: str
    model: str = ""
    advisor_id: int | None = None
    note: str = ""


# -- room ------------------------------------------------------------------------------------------

def rules_of(store_id: int) -> queries.StoreRules:
    rules = queries.store_rules(store_id)
    if rules is None:
        raise NotFound()
    return rules


def place(rules: queries.StoreRules, kind: str, starts_at: datetime, now: datetime) -> tuple[date, slots.PartHours]:
    """Check that the time can be booked at all. Raises BookingError, DayNotOpen."""
    if kind not in rules.minutes:
        raise BookingError(_l("Choose a service this store takes bookings for."), field="service_kind")
    local = starts_at.astimezone(rules.zone)
    today = now.astimezone(rules.zone).date()
    if local.date() < today or starts_at <= now:
        raise DayNotOpen(_l("This time has already passed. Please choose a later day."), field="starts_at")
    if local.date() >= today + timedelta(days=queries.DAYS_SHOWN):
        raise DayNotOpen(_l("Bookings open %(days)d days ahead. Please choose an earlier day.",
                            days=queries.DAYS_SHOWN), field="starts_at")
    closed = db.session.scalar(sa.select(ClosedDay.reason).where(ClosedDay.store_id == rules.store.id,
                                                                ClosedDay.day == local.date()))
    if closed is not None:
        raise DayNotOpen(_l("The store is closed on this day (%(reason)s). Please choose another day.",
                            reason=closed or _l("holiday")), field="starts_at")
    minute = local.hour * 60 + local.minute
    on_a_quarter = local.second == 0 and local.microsecond == 0
    part = slots.part_of(rules.hours.get(local.weekday(), []), minute) if on_a_quarter else None
    if part is None:
        raise DayNotOpen(_l("This time is outside the store's opening hours. Please choose a listed time."),
                         field="starts_at")
    return local.date(), part


def _row_id(model, values: dict, keys: list[str]) -> int:
    """The id of the row with these keys, inserted first if missing (a concurrent insert loses cleanly)."""
    db.session.execute(upsert(model.__table__).values(**values).on_conflict_do_nothing(index_elements=keys))
    return db.session.scalar(sa.select(model.id).filter_by(**{key: values[key] for key in keys}))


def _nearest(rules, kind: str, wanted: datetime, now: datetime) -> list[datetime]:
    today = now.astimezone(rules.zone).date()
    free = queries.free_slots(rules, kind, first=today, days=queries.DAYS_SHOWN, now=now)
    return slots.nearest(free, wanted.astimezone(rules.zone))


def lock_rows(rules, kind: str, starts_at: datetime, placed: tuple[date, slots.PartHours]) -> tuple[SlotBucket, int]:
    """Lock the time's bucket row, then its quarter row (inserted first when missing); never commits."""
    (day, part), store_id = placed, rules.store.id
    template = rules.capacity.get((part.day_part, kind)) or slots.Room(0, 0)
    bucket_id = _row_id(SlotBucket, {"store_id": store_id, "day": day, "day_part": part.day_part,
                                     "service_kind": kind, "capacity_minutes": template.capacity_minutes,
                                     "bays": template.bays}, ["store_id", "day", "day_part", "service_kind"])
    quarter_id = _row_id(CheckInQuarter, {"store_id": store_id, "starts_at": starts_at.astimezone(UTC),
                                          "cap": rules.settings.checkins_per_quarter}, ["store_id", "starts_at"])
    bucket = get_for_update(SlotBucket, bucket_id)
    get_for_update(CheckInQuarter, quarter_id)
    return bucket, quarter_id


def _take_room(rules, kind: str, starts_at: datetime, *, holder: str | None, now: datetime) -> tuple[int, int]:
    """Lock the bucket, then the quarter; count what they hold; return their ids. Raises SlotFull.

    The holder's own holds are given back first: picking again never competes with oneself.
    """
    placed = place(rules, kind, starts_at, now)
    store_id, minutes = rules.store.id, rules.minutes[kind]
    if holder:
        db.session.execute(sa.delete(Hold).where(Hold.store_id == store_id, Hold.holder == holder))
    bucket, quarter_id = lock_rows(rules, kind, starts_at, placed)
    bucket_id = bucket.id
    # Expired holds count for nothing: drop the bucket's under its lock, so the table keeps only live ones.
    db.session.execute(sa.delete(Hold).where(Hold.store_id == store_id, Hold.bucket_id == bucket_id,
                                             Hold.expires_at <= now))
    used_minutes, used_bays = _used(store_id, Booking.bucket_id == bucket_id, Hold.bucket_id == bucket_id, now)
    _, checkins = _used(store_id, Booking.quarter_id == quarter_id, Hold.quarter_id == quarter_id, now)
    room = slots.Room(bucket.capacity_minutes, bucket.bays, used_minutes, used_bays)
    if not room.fits(minutes) or checkins >= rules.settings.checkins_per_quarter:
        raise SlotFull(field="starts_at", nearest=[moment.isoformat() for moment in
                                                   _nearest(rules, kind, starts_at, now)])
    return bucket_id, quarter_id


def _used(store_id: int, booking_where, hold_where, now: datetime) -> tuple[int, int]:
    """(minutes, count) the live bookings and holds matching the conditions use."""
    booked = db.session.execute(sa.select(sa.func.coalesce(sa.func.sum(Booking.minutes), 0), sa.func.count())
                                .where(Booking.store_id == store_id, booking_where,
                                       Booking.state.in_(queries.LIVE))).one()
    held = db.session.execute(sa.select(sa.func.coalesce(sa.func.sum(Hold.minutes), 0), sa.func.count())
                              .where(Hold.store_id == store_id, hold_where, Hold.expires_at > now)).one()
    return int(booked[0]) + int(held[0]), int(booked[1]) + int(held[1])


def hold_time(store_id: int, service_kind: str, starts_at: datetime, *, holder: str, now: datetime) -> Hold:
    """Hold a time for an owner for the store's hold minutes (their earlier hold is given back).

    Raises NotFound, BookingError, DayNotOpen, SlotFull (with the nearest free times).
    """
    rules = rules_of(store_id)
    bucket_id, quarter_id = _take_room(rules, service_kind, starts_at, holder=holder, now=now)
    hold = Hold(store_id=store_id, bucket_id=bucket_id, quarter_id=quarter_id, holder=holder,
                service_kind=service_kind, starts_at=starts_at.astimezone(UTC), minutes=rules.minutes[service_kind],
                expires_at=now + timedelta(minutes=rules.settings.hold_minutes), created_at=now)
    db.session.add(hold)
    db.session.commit()
    return hold


def _held(store_id: int, holder: str | None, kind: str, starts_at: datetime, now: datetime) -> Hold | None:
    """Take back the holder's live hold of this very time, if any (its room passes to the booking)."""
    if not holder:
        return None
    hold = db.session.scalar(sa.select(Hold).where(
        Hold.store_id == store_id, Hold.holder == holder, Hold.service_kind == kind,
        Hold.starts_at == starts_at.astimezone(UTC), Hold.expires_at > now).with_for_update())
    if hold is not None:
        db.session.delete(hold)
    return hold


# -- booking ---------------------------------------------------------------------------------------

def clean_input(data: BookingInput) -> dict:
    errors = FieldErrors()
    name = " ".join((data.name or "").split())
    if not name or len(name) > 40:
        errors.add(BookingError(_l("Enter your name (at most 40 characters)."), field="name"))
    phone = errors.check(normalize_mobile, data.phone, "phone")
    plate = errors.check(normalize_plate, data.plate, "plate")
    if len(data.note or "") > 500 or len(data.model or "") > 60:
        errors.add(BookingError(_l("The note is too long (at most 500 characters)."), field="note"))
    errors.raise_any()
    return {"name": name, "phone": phone, "plate": plate, "model": (data.model or "").strip(),
            "note": (data.note or "").strip()}


def match_owner(store_id: int, phone: str, plate: str) -> tuple[int | None, int | None, int | None]:
    """(customer, vehicle, advisor) of the store's owner with this mobile and plate; the customer alone when
    the plate is not theirs yet; nothing for a new owner."""
    row = db.session.execute(
        sa.select(Customer.id, Customer.advisor_id, Vehicle.id.label("vehicle_id"))
        .outerjoin(Vehicle, sa.and_(Vehicle.store_id == Customer.store_id, Vehicle.owner_id == Customer.id,
                                    Vehicle.plate == plate))
        .where(Customer.store_id == store_id, Customer.mobile == phone).limit(1)).first()
    if row is None:
        return None, None, None
    return row.id, row.vehicle_id, row.advisor_id


def file_new_owner(store_id: int, name: str, phone: str, *, now: datetime, source: str = ONLINE_BOOKING) -> int:
    """Open the customer file of an owner no customer of the store has the verified mobile of, marked as from
    online booking (customers.source); their car is filed next (owners.file_booked_car). Never commits."""
    try:
        return customers.file_customer(customers.CustomerInput(name=name, mobile=phone), store_id=store_id,
                                       actor=store_actor(store_id), now=now, source=source).id
    except MobileTaken as error:  # the same owner booking twice at once: the first one's file
        return error.params["customer_id"]


def store_actor(store_id: int) -> Actor:
    """Who files for the owner online: the system, in the booking's store."""
    return Actor(user_id=None, store_id=store_id, roles=frozenset(), name="")


def advisor_of(store_id: int, advisor_id: int | None) -> int | None:
    if advisor_id is None:
        return None
    from_store = {user.id for user in store_advisors(store_id)}
    if advisor_id not in from_store:
        raise BookingError(_l("Choose a service advisor of this store."), field="advisor_id")
    return advisor_id


def book(data: BookingInput, *, check: verification.PhoneCheck, idempotency_key: str, now: datetime,
         holder: str | None = None, source: str = "online", link_base: str | None = None) -> Booking:
    """Book a time for a verified owner; a repeated submission (same key) returns the first booking.

    The owner's live hold of this time passes its room to the booking; without one the room is taken now.
    Queues the booking-code SMS. Raises NotFound, ValidationFailed, BookingError, DayNotOpen, SlotFull,
    CodeRefused (a wrong code is counted before it is refused).
    """
    key = (idempotency_key or "").strip()
    if not 8 <= len(key) <= 64 or source not in SOURCES:
        raise BookingError(_l("The form has expired. Please reload the page."), field="idempotency_key")
    existing = _by_key(data.store_id, key)
    if existing is not None:
        return existing
    try:
        return _book(data, check=check, key=key, now=now, holder=holder, source=source, link_base=link_base)
    except (CodeRefused, SlotFull):
        # The same form submitted twice at once: the second waited on the first's locks and found its proof
        # used or its place taken by the first; the first one's booking is the answer.
        db.session.rollback()
        existing = _by_key(data.store_id, key)
        if existing is not None:
            return existing
        raise


def _book(data: BookingInput, *, check: verification.PhoneCheck, key: str, now: datetime, holder: str | None,
          source: str, link_base: str | None) -> Booking:
    values = clean_input(data)
    rules = rules_of(data.store_id)
    advisor_id = advisor_of(data.store_id, data.advisor_id)
    verification.accept(values["phone"], check, purpose=BOOKING, now=now)
    hold = _held(data.store_id, holder, data.service_kind, data.starts_at, now)
    if hold is not None:
        place(rules, data.service_kind, data.starts_at, now)
        bucket_id, quarter_id = hold.bucket_id, hold.quarter_id
    else:
        bucket_id, quarter_id = _take_room(rules, data.service_kind, data.starts_at, holder=holder, now=now)
    customer_id, vehicle_id, own_advisor = match_owner(data.store_id, values["phone"], values["plate"])
    customer_id = customer_id or file_new_owner(data.store_id, values["name"], values["phone"], now=now)
    vehicle_id = vehicle_id or owners.file_booked_car(customer_id, values["plate"], values["model"],
                                                      actor=store_actor(data.store_id), now=now)
    booking = Booking(store_id=data.store_id, code=new_code(), customer_id=customer_id, vehicle_id=vehicle_id,
                      service_kind=data.service_kind, bucket_id=bucket_id, quarter_id=quarter_id,
                      starts_at=data.starts_at.astimezone(UTC), minutes=rules.minutes[data.service_kind],
                      advisor_id=advisor_id or own_advisor, state=BOOKED, source=source, idempotency_key=key,
                      created_at=now, **values)
    try:
        with db.session.begin_nested():
            db.session.add(booking)
    except sa.exc.IntegrityError as error:
        if not unique_violation(error, "bookings", "store_id", "idempotency_key"):
            raise
        db.session.rollback()  # the same form, submitted twice at once: the first one's booking stands
        return _by_key(data.store_id, key)
    slot = format_datetime(booking.starts_at.astimezone(rules.zone), "M月d日 HH:mm")
    outbox.enqueue("booking_code", store_id=data.store_id, phone=booking.phone, now=now,
                   params={"name": booking.name, "plate": booking.plate, "code": booking.code, "slot": slot,
                           "service": SMS_SERVICE_NAMES[booking.service_kind],
                           "link": links.url(booking.store_id, booking.code, link_base)},
                   dedupe_key=f"booking:{booking.code}", expires_at=booking.starts_at)
    audit.record("booking_created", booking, actor=SYSTEM, store_id=data.store_id,
                 changes={"code": booking.code, "starts_at": booking.starts_at.isoformat(), "source": source})
    booking = get_booking(booking.id, store_ids=[data.store_id])
    db.session.commit()
    return booking


def _by_key(store_id: int, key: str) -> Booking | None:
    found = db.session.scalar(sa.select(Booking.id).where(Booking.store_id == store_id, Booking.idempotency_key == key))
    return get_booking(found, store_ids=[store_id]) if found is not None else None


def new_code() -> str:
    return "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(8))


def get_booking(booking_id: int, *, store_ids: list[int]) -> Booking:
    """A booking of one of these stores, with its advisor and store. Raises NotFound."""
    found = db.session.scalar(sa.select(Booking).options(*queries.BOOKING_LOADS)
                              .where(Booking.id == booking_id, Booking.store_id.in_(store_ids))
                              .execution_options(populate_existing=True))
    if found is None:
        raise NotFound()
    return found


def _lock(booking_id: int, actor: Actor) -> Booking:
    stores = visible_store_ids(actor)
    locked = db.session.scalar(sa.select(Booking.id).where(Booking.id == booking_id, Booking.store_id.in_(stores))
                               .with_for_update())
    if locked is None:
        raise NotFound()
    booking = get_booking(locked, store_ids=stores)
    if booking.state != BOOKED:
        raise BookingStateError(_l("This booking was already checked in, cancelled or marked as a no-show."))
    return booking


def reminder_key(booking: Booking) -> str:
    """The reminder SMS's dedupe key: one per booking and time (a moved booking is reminded of its new time)."""
    return f"booking-reminder:{booking.id}:{booking.starts_at.astimezone(UTC):%Y%m%d%H%M}"


def cancel_booking(booking_id: int, *, actor: Actor, now: datetime, reason: str = "") -> Booking:
    """Cancel a booking (its room is free again) and its queued SMS. Raises NotFound, BookingStateError."""
    booking = _lock(booking_id, actor)
    booking.state, booking.changed_at = CANCELLED, now
    outbox.cancel_queued(store_id=booking.store_id, now=now, dedupe_keys=[f"booking:{booking.code}",
                                                                          reminder_key(booking)],
                         reason="booking_cancelled")
    audit.record("booking_cancelled", booking, actor=actor, changes={"code": booking.code, "reason": reason[:200]})
    db.session.commit()
    return booking


def mark_no_show(booking_id: int, *, actor: Actor, now: datetime) -> Booking:
    """Record that the owner did not come (爽约), once the booked time has passed. Raises BookingStateError."""
    booking = _lock(booking_id, actor)
    if booking.starts_at > now:
        raise BookingStateError(_l("A booking can be marked as a no-show only after its time."))
    booking.state, booking.changed_at = NO_SHOW, now
    audit.record("booking_no_show", booking, actor=actor, changes={"code": booking.code})
    db.session.commit()
    return booking


def reschedule(booking_id: int, starts_at: datetime, *, actor: Actor, now: datetime) -> Booking:
    """Move a booking to another free time of its store and service. Raises DayNotOpen, SlotFull."""
    booking = _lock(booking_id, actor)
    rules = rules_of(booking.store_id)
    old = booking.starts_at
    booking.state = CANCELLED  # its own room does not count against its new time
    db.session.flush()
    bucket_id, quarter_id = _take_room(rules, booking.service_kind, starts_at, holder=None, now=now)
    booking.state, booking.bucket_id, booking.quarter_id = BOOKED, bucket_id, quarter_id
    outbox.cancel_queued(store_id=booking.store_id, now=now, dedupe_keys=[reminder_key(booking)],
                         reason="booking_moved")  # a reminder of the old time; the new one is reminded anew
    booking.starts_at, booking.reminded_at = starts_at.astimezone(UTC), None
    audit.record("booking_rescheduled", booking, actor=actor,
                 changes={"code": booking.code, "starts_at": [old.isoformat(), booking.starts_at.isoformat()]})
    db.session.commit()
    return booking


def lock_for_check_in(booking_id: int, *, actor: Actor) -> Booking:
    """Lock a booked booking for its check-in, and find its owner and car (by plate) if filed since; the car may
    still have no file (check-in files it with its VIN). Never commits. Raises NotFound, BookingStateError."""
    booking = _lock(booking_id, actor)
    if booking.vehicle_id is None:
        customer_id, vehicle_id, _ = match_owner(booking.store_id, booking.phone, booking.plate)
        booking.customer_id = booking.customer_id or customer_id
        booking.vehicle_id = vehicle_id or db.session.scalar(sa.select(Vehicle.id).where(
            Vehicle.store_id == booking.store_id, Vehicle.plate == booking.plate))
    return booking


# -- a store's booking rules ------------------------------------------------------------------------

DEFAULT_MINUTES = {"maintenance": 60, "repair": 120, "quick_lane": 30, "body_paint": 240, "inspection": 45}
DEFAULT_HOURS = {"morning": (8 * 60 + 30, 12 * 60), "afternoon": (13 * 60 + 30, 17 * 60 + 30),
                 "evening": (18 * 60, 21 * 60)}  # evening (星夜服务): Monday to Friday
DEFAULT_CAPACITY = {"morning": (720, 6), "afternoon": (720, 6), "evening": (360, 3)}


def set_up_store(store_id: int, *, actor: Actor) -> bool:
    """Give a store the default booking rules where it has none (hours, services, capacity, settings).

    Returns whether anything was added (a store that has its rules keeps them untouched).
    """
    added = []
    if db.session.get(BookingSettings, store_id) is None:
        added.append(BookingSettings(store_id=store_id, checkins_per_quarter=3, hold_minutes=5,
                                     daily_code_ceiling=500))
    if not db.session.scalar(sa.select(sa.func.count()).select_from(OpeningHours)
                             .where(OpeningHours.store_id == store_id)):
        added += [OpeningHours(store_id=store_id, weekday=weekday, day_part=part, opens_minute=opens,
                               closes_minute=closes)
                  for weekday in range(7) for part, (opens, closes) in DEFAULT_HOURS.items()
                  if part != "evening" or weekday < 5]
    kinds = set(db.session.scalars(sa.select(ServiceKind.kind).where(ServiceKind.store_id == store_id)))
    for kind, minutes in DEFAULT_MINUTES.items():
        if kind not in kinds:
            added.append(ServiceKind(store_id=store_id, kind=kind, labor_minutes=minutes, active=True))
            added += [Capacity(store_id=store_id, day_part=part, service_kind=kind, capacity_minutes=capacity,
                               bays=bays) for part, (capacity, bays) in DEFAULT_CAPACITY.items()]
    if not added:
        return False
    db.session.add_all(added)
    audit.record("booking_rules_set_up", None, actor=actor, store_id=store_id, entity_type="stores",
                 changes={"rows": len(added)})
    db.session.commit()
    return True
