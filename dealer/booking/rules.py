"""The store's booking rules, as its manager edits them: opening hours (evening service, 星夜服务, included),
closed days (店休, holidays), capacity per day part and service, labor minutes, and the desk's settings.

Capacity changes reach the days already booked too (their buckets, from today on): a smaller capacity takes no
booking away, it only stops new ones until the bookings fit again. Each change is audited.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from dealer import audit
from dealer.actors import MANAGER, Actor
from dealer.booking.errors import BookingError
from dealer.booking.models import (
    DAY_PARTS,
    SERVICE_KINDS,
    BookingSettings,
    Capacity,
    ClosedDay,
    OpeningHours,
    ServiceKind,
    SlotBucket,
)
from dealer.errors import NotFound
from dealer.extensions import db
from dealer.stores.services import get_store


def _check(store_id: int, actor: Actor):
    if MANAGER not in actor.roles:
        raise NotFound()
    return get_store(store_id, actor=actor)


def _minute(text: str, field: str) -> int:
    """Minutes after midnight of "HH:MM" (24:00 allowed as the end of the day). Raises BookingError."""
    try:
        hours, minutes = (int(part) for part in (text or "").strip().split(":"))
    except ValueError:
        raise BookingError(_l("Write the time as HH:MM, e.g. 08:30."), field=field) from None
    if not (0 <= hours <= 24 and minutes in (0, 15, 30, 45)) or hours * 60 + minutes > 1440:
        raise BookingError(_l("Times go by quarter hours, from 00:00 to 24:00."), field=field)
    return hours * 60 + minutes


def set_hours(store_id: int, weekday: int, day_part: str, *, opens: str, closes: str, open_: bool, actor: Actor,
              now: datetime) -> None:
    """Open a day part of a weekday from `opens` to `closes` (the last booking starts before it), or close it.

    A day part keeps its place in the day: the morning ends by 13:00, the evening (星夜服务) starts at 17:00.
    Raises NotFound, BookingError.
    """
    _check(store_id, actor)
    if weekday not in range(7) or day_part not in DAY_PARTS:
        raise BookingError(_l("Choose a weekday and a part of the day."), field="day_part")
    row = db.session.scalar(sa.select(OpeningHours).where(OpeningHours.store_id == store_id,
                                                          OpeningHours.weekday == weekday,
                                                          OpeningHours.day_part == day_part).with_for_update())
    if not open_:
        if row is not None:
            db.session.delete(row)
        changes = {"weekday": weekday, "day_part": day_part, "closed": True}
    else:
        start, end = _minute(opens, "opens"), _minute(closes, "closes")
        if start >= end:
            raise BookingError(_l("The closing time must be after the opening time."), field="closes")
        if (day_part == "morning" and end > 13 * 60) or (day_part == "evening" and start < 17 * 60):
            raise BookingError(_l("The morning ends by 13:00 and the evening service starts from 17:00."),
                               field="opens")
        others = db.session.execute(sa.select(OpeningHours.opens_minute, OpeningHours.closes_minute).where(
            OpeningHours.store_id == store_id, OpeningHours.weekday == weekday, OpeningHours.day_part != day_part))
        if any(start < other_end and other_start < end for other_start, other_end in others):
            raise BookingError(_l("These hours overlap another part of the same day."), field="opens")
        if row is None:
            row = OpeningHours(store_id=store_id, weekday=weekday, day_part=day_part)
            db.session.add(row)
        row.opens_minute, row.closes_minute = start, end
        changes = {"weekday": weekday, "day_part": day_part, "opens": opens.strip(), "closes": closes.strip()}
    audit.record("booking_hours_set", None, actor=actor, store_id=store_id, entity_type="stores", changes=changes)
    db.session.commit()


def add_closed_day(store_id: int, day: date, *, reason: str, actor: Actor, now: datetime) -> ClosedDay:
    """Close a day for bookings (a holiday, 店休). Bookings already made that day stay (call the owners).

    Raises NotFound, BookingError (a past day, or closed already).
    """
    store = _check(store_id, actor)
    if day < store.local_date(now):
        raise BookingError(_l("Choose today or a later day."), field="day")
    reason = " ".join((reason or "").split())
    if len(reason) > 60:
        raise BookingError(_l("The reason may have at most 60 characters."), field="reason")
    if db.session.scalar(sa.select(ClosedDay.id).where(ClosedDay.store_id == store_id, ClosedDay.day == day)):
        raise BookingError(_l("This day is closed already."), field="day")
    closed = ClosedDay(store_id=store_id, day=day, reason=reason)
    db.session.add(closed)
    audit.record("booking_day_closed", None, actor=actor, store_id=store_id, entity_type="stores",
                 changes={"day": day.isoformat(), "reason": reason})
    db.session.commit()
    return closed


def remove_closed_day(closed_id: int, *, actor: Actor, now: datetime) -> None:
    """Open a closed day again. Raises NotFound."""
    closed = db.session.get(ClosedDay, closed_id)
    if closed is None:
        raise NotFound()
    _check(closed.store_id, actor)
    audit.record("booking_day_opened", None, actor=actor, store_id=closed.store_id, entity_type="stores",
                 changes={"day": closed.day.isoformat()})
    db.session.delete(closed)
    db.session.commit()


@dataclass
class CapacityInput:
    day_part: str
    service_kind: str
    capacity_minutes: int
    bays: int
    labor_minutes: int
    active: bool = True


def set_capacity(store_id: int, data: CapacityInput, *, actor: Actor, now: datetime) -> None:
    """Set a service's labor minutes and what a day part offers it (technician minutes, bays), today on too.

    Raises NotFound, BookingError.
    """
    store = _check(store_id, actor)
    if data.day_part not in DAY_PARTS or data.service_kind not in SERVICE_KINDS:
        raise BookingError(_l("Choose a part of the day and a service."), field="service_kind")
    if not 0 <= data.capacity_minutes <= 100_000:
        raise BookingError(_l("Technician minutes are between 0 and 100,000."), field="capacity_minutes")
    if not 0 <= data.bays <= 200:
        raise BookingError(_l("Bays are between 0 and 200."), field="bays")
    if not 5 <= data.labor_minutes <= 1440:
        raise BookingError(_l("Labor minutes are between 5 and 1,440."), field="labor_minutes")
    service = db.session.scalar(sa.select(ServiceKind).where(ServiceKind.store_id == store_id,
                                                             ServiceKind.kind == data.service_kind))
    if service is None:
        service = ServiceKind(store_id=store_id, kind=data.service_kind)
        db.session.add(service)
    service.labor_minutes, service.active = data.labor_minutes, data.active
    row = db.session.scalar(sa.select(Capacity).where(Capacity.store_id == store_id, Capacity.day_part == data.day_part,
                                                      Capacity.service_kind == data.service_kind))
    if row is None:
        row = Capacity(store_id=store_id, day_part=data.day_part, service_kind=data.service_kind)
        db.session.add(row)
    row.capacity_minutes, row.bays = data.capacity_minutes, data.bays
    db.session.execute(sa.update(SlotBucket).where(
        SlotBucket.store_id == store_id, SlotBucket.day >= store.local_date(now), SlotBucket.day_part == data.day_part,
        SlotBucket.service_kind == data.service_kind).values(capacity_minutes=data.capacity_minutes, bays=data.bays))
    audit.record("booking_capacity_set", None, actor=actor, store_id=store_id, entity_type="stores",
                 changes={"day_part": data.day_part, "service_kind": data.service_kind,
                          "capacity_minutes": data.capacity_minutes, "bays": data.bays,
                          "labor_minutes": data.labor_minutes, "active": data.active})
    db.session.commit()


def update_settings(store_id: int, *, checkins_per_quarter: int, hold_minutes: int, change_hours_before: int,
                    daily_code_ceiling: int, actor: Actor, now: datetime) -> BookingSettings:
    """Set the check-ins per quarter hour, the hold, the online change deadline and the SMS-code ceiling.

    Raises NotFound, BookingError.
    """
    _check(store_id, actor)
    for value, low, high, field, message in (
            (checkins_per_quarter, 1, 50, "checkins_per_quarter", _l("Check-ins per quarter hour: 1 to 50.")),
            (hold_minutes, 1, 30, "hold_minutes", _l("A time is held 1 to 30 minutes.")),
            (change_hours_before, 0, 168, "change_hours_before", _l("Changes online: 0 to 168 hours before.")),
            (daily_code_ceiling, 0, 100_000, "daily_code_ceiling", _l("SMS codes a day: 0 to 100,000."))):
        if not low <= value <= high:
            raise BookingError(message, field=field)
    settings = db.session.get(BookingSettings, store_id, with_for_update=True)
    if settings is None:
        settings = BookingSettings(store_id=store_id)
        db.session.add(settings)
    settings.checkins_per_quarter, settings.hold_minutes = checkins_per_quarter, hold_minutes
    settings.change_hours_before, settings.daily_code_ceiling = change_hours_before, daily_code_ceiling
    audit.record("booking_settings_set", None, actor=actor, store_id=store_id, entity_type="stores",
                 changes={"checkins_per_quarter": checkins_per_quarter, "hold_minutes": hold_minutes,
                          "change_hours_before": change_hours_before, "daily_code_ceiling": daily_code_ceiling})
    db.session.commit()
    return settings
