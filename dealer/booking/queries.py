"""The read side of booking: a store's rules, its free times for the next days, the bookings of a day."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from dealer.booking import slots
from dealer.booking.models import (
    BOOKED,
    CHECKED_IN,
    NO_SHOW,
    Booking,
    BookingSettings,
    Capacity,
    ClosedDay,
    Hold,
    OpeningHours,
    ServiceKind,
    SlotBucket,
)
from dealer.extensions import db
from dealer.stores.models import Store
from dealer.stores.services import visible_store_ids
from dealer.timezones import store_zone

DAYS_SHOWN = 14
# Bookings that take room: a cancelled one gave it back; a no-show's time has passed.
LIVE = (BOOKED, CHECKED_IN)


@dataclass
class StoreRules:
    store: Store
    zone: ZoneInfo
    settings: BookingSettings
    hours: dict[int, list[slots.PartHours]] = field(default_factory=dict)  # by weekday
    minutes: dict[str, int] = field(default_factory=dict)  # labor minutes by active service kind
    capacity: dict[tuple[str, str], slots.Room] = field(default_factory=dict)  # (day part, kind) -> template


def settings_of(store_id: int) -> BookingSettings:
    """The store's booking settings, or the defaults (not saved) when it never set them."""
    return db.session.get(BookingSettings, store_id) or BookingSettings(
        store_id=store_id, checkins_per_quarter=3, hold_minutes=5, daily_code_ceiling=500, change_hours_before=2)


def store_rules(store_id: int) -> StoreRules | None:
    """The store's hours, services and capacity (four queries), or None for an unknown or closed store."""
    store = db.session.get(Store, store_id)
    if store is None or not store.active:
        return None
    rules = StoreRules(store=store, zone=store_zone(store), settings=settings_of(store_id))
    for row in db.session.execute(sa.select(OpeningHours.weekday, OpeningHours.day_part, OpeningHours.opens_minute,
                                            OpeningHours.closes_minute).where(OpeningHours.store_id == store_id)):
        rules.hours.setdefault(row.weekday, []).append(slots.PartHours(row.day_part, row.opens_minute,
                                                                       row.closes_minute))
    rules.minutes = dict(db.session.execute(sa.select(ServiceKind.kind, ServiceKind.labor_minutes).where(
        ServiceKind.store_id == store_id, ServiceKind.active.is_(True))).all())
    for row in db.session.execute(sa.select(Capacity.day_part, Capacity.service_kind, Capacity.capacity_minutes,
                                            Capacity.bays).where(Capacity.store_id == store_id)):
        rules.capacity[(row.day_part, row.service_kind)] = slots.Room(row.capacity_minutes, row.bays)
    return rules


def day_bounds(first: date, days: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC moments of local midnight before `first` and after its last day."""
    start = slots.local_moment(first, 0, zone)
    return start.astimezone(ZoneInfo("UTC")), slots.local_moment(first + timedelta(days=days), 0, zone).astimezone(
        ZoneInfo("UTC"))


def free_slots(rules: StoreRules, kind: str, *, first: date, days: int, now: datetime) -> dict[date, list[datetime]]:
    """The free start times of a service kind, day by day, in a few aggregate queries whatever the bookings."""
    store_id, minutes = rules.store.id, rules.minutes.get(kind)
    if minutes is None:
        return {}
    last = first + timedelta(days=days - 1)
    closed = set(db.session.scalars(sa.select(ClosedDay.day).where(ClosedDay.store_id == store_id,
                                                                  ClosedDay.day.between(first, last))))
    rooms: dict[tuple[date, str], slots.Room] = {}
    buckets = {row.id: row for row in db.session.execute(
        sa.select(SlotBucket.id, SlotBucket.day, SlotBucket.day_part, SlotBucket.capacity_minutes, SlotBucket.bays)
        .where(SlotBucket.store_id == store_id, SlotBucket.service_kind == kind, SlotBucket.day.between(first, last)))}
    used = _bucket_use(store_id, list(buckets), now)
    for bucket_id, row in buckets.items():
        spent_minutes, spent_bays = used.get(bucket_id, (0, 0))
        rooms[(row.day, row.day_part)] = slots.Room(row.capacity_minutes, row.bays, spent_minutes, spent_bays)
    start, end = day_bounds(first, days, rules.zone)
    quarter_used = _quarter_use(store_id, start, end, now)
    found = {}
    for day in slots.days_ahead(first, days):
        hours = rules.hours.get(day.weekday(), [])
        day_rooms = {part.day_part: rooms.get((day, part.day_part)) or rules.capacity.get((part.day_part, kind))
                     for part in hours}
        found[day] = slots.free_times(day, hours=hours, closed=day in closed,
                                      rooms={k: v for k, v in day_rooms.items() if v is not None}, minutes=minutes,
                                      quarter_used=quarter_used, cap=rules.settings.checkins_per_quarter,
                                      zone=rules.zone, now=now)
    return found


def _bucket_use(store_id: int, bucket_ids: list[int], now: datetime) -> dict[int, tuple[int, int]]:
    """(minutes, bays) each bucket's live bookings and holds use: one aggregate query."""
    if not bucket_ids:
        return {}
    booked = sa.select(Booking.bucket_id.label("bucket_id"), Booking.minutes.label("minutes")).where(
        Booking.store_id == store_id, Booking.bucket_id.in_(bucket_ids), Booking.state.in_(LIVE))
    held = sa.select(Hold.bucket_id, Hold.minutes).where(Hold.store_id == store_id, Hold.bucket_id.in_(bucket_ids),
                                                         Hold.expires_at > now)
    both = sa.union_all(booked, held).subquery()
    return {row.bucket_id: (int(row.minutes), int(row.bays)) for row in db.session.execute(
        sa.select(both.c.bucket_id, sa.func.sum(both.c.minutes).label("minutes"),
                  sa.func.count().label("bays")).group_by(both.c.bucket_id))}


def _quarter_use(store_id: int, start: datetime, end: datetime, now: datetime) -> dict[datetime, int]:
    """Check-ins booked or held per quarter start (UTC): one aggregate query."""
    booked = sa.select(Booking.starts_at.label("starts_at")).where(
        Booking.store_id == store_id, Booking.starts_at >= start, Booking.starts_at < end, Booking.state.in_(LIVE))
    held = sa.select(Hold.starts_at).where(Hold.store_id == store_id, Hold.starts_at >= start, Hold.starts_at < end,
                                           Hold.expires_at > now)
    both = sa.union_all(booked, held).subquery()
    return {row.starts_at if row.starts_at.tzinfo else row.starts_at.replace(tzinfo=ZoneInfo("UTC")): row.count
            for row in db.session.execute(sa.select(both.c.starts_at, sa.func.count().label("count"))
                                          .group_by(both.c.starts_at))}


def is_closed(store_id: int, day: date) -> bool:
    """Tell whether the store takes no bookings on this day (a holiday, 店休)."""
    return db.session.scalar(sa.select(ClosedDay.id).where(ClosedDay.store_id == store_id,
                                                          ClosedDay.day == day)) is not None


# -- the staff side -------------------------------------------------------------------------------

BOOKING_LOADS = (joinedload(Booking.advisor),)


def bookings_between(store_ids: list[int], start: datetime, end: datetime, *, advisor_id: int | None = None,
                     limit: int = 200) -> list[Booking]:
    """The stores' bookings starting in [start, end), in time order, with their advisors (one query)."""
    stmt = (sa.select(Booking).options(*BOOKING_LOADS)
            .where(Booking.store_id.in_(store_ids), Booking.starts_at >= start, Booking.starts_at < end)
            .order_by(Booking.starts_at, Booking.id).limit(limit))
    if advisor_id is not None:
        stmt = stmt.where(Booking.advisor_id == advisor_id)
    return list(db.session.scalars(stmt))


def todays_bookings(*, actor, now: datetime, limit: int) -> list[Booking]:
    """The actor's stores' bookings of their local today (one query): an advisor's own first, then by time."""
    store_ids = visible_store_ids(actor)
    zone = store_zone(db.session.get(Store, actor.store_id)) if actor.store_id else store_zone(None)
    start, end = day_bounds(now.astimezone(zone).date(), 1, zone)
    own_first = sa.case((Booking.advisor_id == actor.user_id, 0), else_=1) if actor.user_id else sa.literal(1)
    return list(db.session.scalars(
        sa.select(Booking).options(*BOOKING_LOADS)
        .where(Booking.store_id.in_(store_ids), Booking.starts_at >= start, Booking.starts_at < end)
        .order_by(own_first, Booking.starts_at, Booking.id).limit(limit)))


def day_bookings(store_ids: list[int], *, day: date | None, now: datetime) -> tuple[date, list[Booking]]:
    """The stores' bookings of one local day (the first store's today by default), in time order (one query)."""
    zone = store_zone(db.session.get(Store, store_ids[0])) if store_ids else store_zone(None)
    day = day or now.astimezone(zone).date()
    start, end = day_bounds(day, 1, zone)
    return day, bookings_between(store_ids, start, end)


def booking_by_code(store_id: int, code: str) -> Booking | None:
    """The store's booking with this code (the owner's confirmation page), with its store."""
    return db.session.scalar(sa.select(Booking).options(joinedload(Booking.store, innerjoin=True))
                             .where(Booking.store_id == store_id, Booking.code == code[:12]))


def no_show_counts(store_ids: list[int], phones: list[str]) -> dict[tuple[int, str], int]:
    """How often each owner (store, mobile) did not come (爽约): one aggregate query."""
    if not phones:
        return {}
    rows = db.session.execute(sa.select(Booking.store_id, Booking.phone, sa.func.count()).where(
        Booking.store_id.in_(store_ids), Booking.phone.in_(set(phones)), Booking.state == NO_SHOW)
        .group_by(Booking.store_id, Booking.phone))
    return {(store_id, phone): number for store_id, phone, number in rows}


def closed_days(store_id: int, *, from_day: date) -> list[ClosedDay]:
    """The store's closed days from a day on, in order (the rules page)."""
    return list(db.session.scalars(sa.select(ClosedDay).where(ClosedDay.store_id == store_id, ClosedDay.day >= from_day)
                                   .order_by(ClosedDay.day).limit(400)))


def capacity_rows(store_id: int) -> list[tuple[Capacity, int, bool]]:
    """Each (day part, service) capacity with the service's labor minutes and whether it is bookable."""
    return list(db.session.execute(
        sa.select(Capacity, ServiceKind.labor_minutes, ServiceKind.active)
        .join(ServiceKind, sa.and_(ServiceKind.store_id == Capacity.store_id,
                                   ServiceKind.kind == Capacity.service_kind))
        .where(Capacity.store_id == store_id).order_by(Capacity.service_kind, Capacity.day_part)))

