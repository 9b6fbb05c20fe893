"""The owner's booking link (view, move, cancel), the reminder the day before, no-shows, a manager's overbooking.

The owner may move or cancel from the link (`links.py`) up to the store's `change_hours_before` hours before
the booked time; later, the store's phone.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l

from dealer import audit
from dealer.actors import MANAGER, Actor
from dealer.booking import links, queries, services
from dealer.booking.errors import BookingError, BookingStateError
from dealer.booking.models import BOOKED, Booking
from dealer.errors import NotFound
from dealer.extensions import db
from dealer.sms import outbox
from dealer.stores.models import Store
from dealer.timezones import store_zone


def by_token(token: str) -> Booking:
    """The booking of an owner's link, with its store. Raises NotFound (a wrong or forged token)."""
    found = links.read(token)
    booking = queries.booking_by_code(*found) if found else None
    if booking is None:
        raise NotFound()
    return booking


def owner_actor(booking: Booking) -> Actor:
    return Actor(user_id=None, store_id=booking.store_id, roles=frozenset(), name=str(_l("Owner (online)")))


def change_deadline(booking: Booking) -> datetime:
    """Until when the owner may move or cancel it themselves (the store's hours before the booked time)."""
    return booking.starts_at - timedelta(hours=queries.settings_of(booking.store_id).change_hours_before)


def _check_changeable(booking: Booking, now: datetime) -> None:
    if booking.state != BOOKED:
        raise BookingStateError(_l("This booking was already checked in, cancelled or marked as a no-show."))
    if now >= change_deadline(booking):
        raise BookingStateError(_l("Bookings can be changed online up to %(hours)d hours before. Please call the "
                                   "store.", hours=queries.settings_of(booking.store_id).change_hours_before))


def cancel_by_owner(token: str, *, now: datetime) -> Booking:
    """The owner cancels from their link. Raises NotFound, BookingStateError (too late, or handled)."""
    booking = by_token(token)
    _check_changeable(booking, now)
    return services.cancel_booking(booking.id, actor=owner_actor(booking), now=now, reason="owner")


def move_by_owner(token: str, starts_at: datetime, *, now: datetime) -> Booking:
    """The owner moves the booking to another free time. Raises NotFound, BookingStateError, DayNotOpen, SlotFull."""
    booking = by_token(token)
    _check_changeable(booking, now)
    return services.reschedule(booking.id, starts_at, actor=owner_actor(booking), now=now)


# -- the reminder the day before (a nightly task of each store) --------------------------------------------------

def remind_tomorrow(*, now: datetime, day: date, store_ids: list[int]) -> int:
    """Queue the reminder SMS of each booking of the stores' next day, once per booking; return how many.

    Runs in each store's night (02:00 local): the outbox sends it once quiet hours end. `reminded_at` is set by
    a conditional UPDATE, so a second run (or a second runner) reminds nobody twice.
    """
    queued = 0
    for store_id in store_ids:
        zone = store_zone(db.session.get(Store, store_id))
        start, end = queries.day_bounds(day + timedelta(days=1), 1, zone)
        due = db.session.scalars(sa.select(Booking).where(
            Booking.store_id == store_id, Booking.state == BOOKED, Booking.reminded_at.is_(None),
            Booking.starts_at >= start, Booking.starts_at < end).order_by(Booking.id))
        for booking in due:
            marked = db.session.execute(sa.update(Booking).where(
                Booking.store_id == store_id, Booking.id == booking.id, Booking.reminded_at.is_(None))
                .values(reminded_at=now)).rowcount
            if not marked:
                continue
            outbox.enqueue("booking_reminder", store_id=store_id, phone=booking.phone, now=now,
                           dedupe_key=services.reminder_key(booking), expires_at=booking.starts_at,
                           params={"name": booking.name, "plate": booking.plate,
                                   "slot": format_datetime(booking.starts_at.astimezone(zone), "HH:mm"),
                                   "service": services.SMS_SERVICE_NAMES[booking.service_kind],
                                   "link": links.url(store_id, booking.code)})
            queued += 1
    db.session.commit()
    return queued


# -- a manager's overbooking -----------------------------------------------------------------------------------------

def overbook(data: services.BookingInput, *, reason: str, actor: Actor, now: datetime) -> Booking:
    """A manager books a time that is full, with the reason on record (booked by phone, no SMS code).

    The bucket and quarter rows are taken as any booking takes them (locked, in order); only the room check
    is skipped. Raises BookingError (not a manager, no reason), NotFound, DayNotOpen.
    """
    if MANAGER not in actor.roles:
        raise BookingError(_l("Only a manager may book a full time."), field="reason")
    reason = " ".join((reason or "").split())
    if not 4 <= len(reason) <= 200:
        raise BookingError(_l("Write why this full time is booked anyway (4 to 200 characters)."), field="reason")
    if data.store_id not in ([actor.store_id] if actor.store_id else [data.store_id]):
        raise NotFound()
    values = services.clean_input(data)
    rules = services.rules_of(data.store_id)
    placed = services.place(rules, data.service_kind, data.starts_at, now)
    bucket, quarter_id = services.lock_rows(rules, data.service_kind, data.starts_at, placed)
    bucket_id = bucket.id
    customer_id, vehicle_id, own_advisor = services.match_owner(data.store_id, values["phone"], values["plate"])
    booking = Booking(store_id=data.store_id, code=services.new_code(), customer_id=customer_id, vehicle_id=vehicle_id,
                      service_kind=data.service_kind, bucket_id=bucket_id, quarter_id=quarter_id,
                      starts_at=data.starts_at.astimezone(services.UTC), minutes=rules.minutes[data.service_kind],
                      advisor_id=services.advisor_of(data.store_id, data.advisor_id) or own_advisor, state=BOOKED,
                      source="phone", idempotency_key=f"overbook-{services.new_code()}{services.new_code()}",
                      created_at=now, overbook_reason=reason, **values)
    db.session.add(booking)
    db.session.flush()
    audit.record("booking_overbooked", booking, actor=actor, store_id=data.store_id,
                 changes={"code": booking.code, "starts_at": booking.starts_at.isoformat(), "reason": reason})
    booking = services.get_booking(booking.id, store_ids=[data.store_id])
    db.session.commit()
    return booking

