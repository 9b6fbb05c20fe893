"""Booking (预约): opening hours, closed days, service kinds, slot buckets, quarter counters, holds, codes, bookings.

Capacity is counted in work, not heads: a bucket (store, day, day part, service kind) has technician minutes
and bays; every booking and every live hold takes its service's standard labor minutes and one bay from it.
A quarter (store, 15 minutes) caps the check-ins the advisors can take then. Taking room locks the bucket's
row, then the quarter's (always in that order), and counts what bookings and live holds use under the locks:
the database is the judge (SQLite runs one writer at a time), and an expired hold simply stops counting.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dealer.database import UTCDateTime, utcnow
from dealer.extensions import db

MORNING, AFTERNOON, EVENING = "morning", "afternoon", "evening"  # evening: 星夜服务
DAY_PARTS = (MORNING, AFTERNOON, EVENING)

MAINTENANCE, REPAIR, QUICK_LANE, BODY_PAINT, INSPECTION = "maintenance", "repair", "quick_lane", "body_paint", \
    "inspection"
SERVICE_KINDS = (MAINTENANCE, REPAIR, QUICK_LANE, BODY_PAINT, INSPECTION)

BOOKED, CHECKED_IN, CANCELLED, NO_SHOW = "booked", "checked_in", "cancelled", "no_show"
STATES = (BOOKED, CHECKED_IN, CANCELLED, NO_SHOW)
ONLINE, PHONE, API = "online", "phone", "api"
SOURCES = (ONLINE, PHONE, API)

QUARTER_MINUTES = 15


class BookingSettings(db.Model):
    """A store's booking rules: the advisors' check-ins per 15 minutes, the hold, the SMS-code ceiling."""

    __tablename__ = "booking_settings"
    __table_args__ = (
        sa.CheckConstraint("checkins_per_quarter >= 1", name="checkins_positive"),
        sa.CheckConstraint("hold_minutes BETWEEN 1 AND 30", name="hold_minutes_range"),
        sa.CheckConstraint("daily_code_ceiling >= 0", name="code_ceiling_positive"),
        sa.CheckConstraint("change_hours_before BETWEEN 0 AND 168", name="change_hours_range"),
    )

    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"), primary_key=True)
    checkins_per_quarter: Mapped[int] = mapped_column(sa.SmallInteger, default=3)
    hold_minutes: Mapped[int] = mapped_column(sa.SmallInteger, default=5)
    daily_code_ceiling: Mapped[int] = mapped_column(sa.Integer, default=500)
    # The owner may move or cancel from the SMS link up to this many hours before the booked time.
    change_hours_before: Mapped[int] = mapped_column(sa.SmallInteger, default=2, server_default="2")


class OpeningHours(db.Model):
    """When a day part is open on a weekday (0 Monday); a part without a row is closed. Evening: 星夜服务."""

    __tablename__ = "booking_hours"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "weekday", "day_part"),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        sa.CheckConstraint("day_part IN ('morning', 'afternoon', 'evening')", name="day_part_known"),
        sa.CheckConstraint("opens_minute < closes_minute AND opens_minute >= 0 AND closes_minute <= 1440",
                           name="hours_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    weekday: Mapped[int] = mapped_column(sa.SmallInteger)
    day_part: Mapped[str] = mapped_column(sa.String(10))
    opens_minute: Mapped[int] = mapped_column(sa.SmallInteger)  # minutes after local midnight
    closes_minute: Mapped[int] = mapped_column(sa.SmallInteger)  # the last booking starts before it


class ClosedDay(db.Model):
    """A holiday or a day the store takes no bookings (店休)."""

    __tablename__ = "booking_closed_days"
    __table_args__ = (sa.UniqueConstraint("store_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    day: Mapped[date] = mapped_column(sa.Date)
    reason: Mapped[str] = mapped_column(sa.String(60), default="")


class ServiceKind(db.Model):
    """A service the store takes bookings for, with its standard labor minutes (标准工时)."""

    __tablename__ = "booking_services"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "kind"),
        sa.CheckConstraint("kind IN ('maintenance', 'repair', 'quick_lane', 'body_paint', 'inspection')",
                           name="kind_known"),
        sa.CheckConstraint("labor_minutes BETWEEN 5 AND 1440", name="labor_minutes_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    labor_minutes: Mapped[int] = mapped_column(sa.SmallInteger)
    active: Mapped[bool] = mapped_column(default=True)


class Capacity(db.Model):
    """What a day part offers a service kind: technician minutes and bays (the template of each day's bucket)."""

    __tablename__ = "booking_capacity"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "day_part", "service_kind"),
        sa.CheckConstraint("capacity_minutes >= 0 AND bays >= 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    day_part: Mapped[str] = mapped_column(sa.String(10))
    service_kind: Mapped[str] = mapped_column(sa.String(20))
    capacity_minutes: Mapped[int] = mapped_column(sa.Integer)
    bays: Mapped[int] = mapped_column(sa.SmallInteger)


class SlotBucket(db.Model):
    """One day's part for one service kind and its capacity; the row every taking of its room locks first."""

    __tablename__ = "booking_buckets"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "day", "day_part", "service_kind"),
        sa.CheckConstraint("capacity_minutes >= 0 AND bays >= 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    day: Mapped[date] = mapped_column(sa.Date)
    day_part: Mapped[str] = mapped_column(sa.String(10))
    service_kind: Mapped[str] = mapped_column(sa.String(20))
    capacity_minutes: Mapped[int] = mapped_column(sa.Integer)
    bays: Mapped[int] = mapped_column(sa.SmallInteger)


class CheckInQuarter(db.Model):
    """One quarter hour of a store and the advisors' cap of check-ins in it (早高峰); locked after the bucket."""

    __tablename__ = "booking_quarters"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "starts_at"),
        sa.CheckConstraint("cap >= 1", name="cap_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cap: Mapped[int] = mapped_column(sa.SmallInteger)


class Hold(db.Model):
    """A time held for an owner for a few minutes while they verify their phone (its room is taken)."""

    __tablename__ = "booking_holds"
    __table_args__ = (
        sa.Index("ix_booking_holds_store_id_bucket_id_expires_at", "store_id", "bucket_id", "expires_at"),
        sa.Index("ix_booking_holds_store_id_quarter_id_expires_at", "store_id", "quarter_id", "expires_at"),
        sa.Index("ix_booking_holds_store_id_holder", "store_id", "holder"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    bucket_id: Mapped[int] = mapped_column(sa.ForeignKey("booking_buckets.id"))
    quarter_id: Mapped[int] = mapped_column(sa.ForeignKey("booking_quarters.id"))
    holder: Mapped[str] = mapped_column(sa.String(64))  # a random token of the owner's browser or client
    service_kind: Mapped[str] = mapped_column(sa.String(20))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    minutes: Mapped[int] = mapped_column(sa.SmallInteger)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Booking(db.Model):
    """An owner's booking (预约): who, which car, which service, when, and what became of it."""

    __tablename__ = "bookings"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "idempotency_key"),
        sa.UniqueConstraint("code"),
        sa.Index("ix_bookings_store_id_starts_at", "store_id", "starts_at"),
        sa.Index("ix_bookings_store_id_advisor_id_starts_at", "store_id", "advisor_id", "starts_at"),
        sa.Index("ix_bookings_store_id_bucket_id", "store_id", "bucket_id"),
        sa.Index("ix_bookings_store_id_quarter_id", "store_id", "quarter_id"),
        sa.CheckConstraint("state IN ('booked', 'checked_in', 'cancelled', 'no_show')", name="state_known"),
        sa.CheckConstraint("source IN ('online', 'phone', 'api')", name="source_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    code: Mapped[str] = mapped_column(sa.String(12))  # the booking code the owner shows (预约码)
    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customers.id"))
    vehicle_id: Mapped[int | None] = mapped_column(sa.ForeignKey("vehicles.id"))
    name: Mapped[str] = mapped_column(sa.String(40))
    phone: Mapped[str] = mapped_column(sa.String(11))
    plate: Mapped[str] = mapped_column(sa.String(10))
    model: Mapped[str] = mapped_column(sa.String(60), default="")
    service_kind: Mapped[str] = mapped_column(sa.String(20))
    bucket_id: Mapped[int] = mapped_column(sa.ForeignKey("booking_buckets.id"))
    quarter_id: Mapped[int] = mapped_column(sa.ForeignKey("booking_quarters.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    minutes: Mapped[int] = mapped_column(sa.SmallInteger)
    advisor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    state: Mapped[str] = mapped_column(sa.String(12), default=BOOKED)
    source: Mapped[str] = mapped_column(sa.String(10), default=ONLINE)
    idempotency_key: Mapped[str] = mapped_column(sa.String(64))
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("repair_orders.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # checked in, cancelled or no-show
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the reminder SMS the day before
    overbook_reason: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")

    advisor = relationship("User", lazy="raise_on_sql")
    store = relationship("Store", lazy="raise_on_sql")


APPROVE, DECLINE = "approved", "declined"
DECISIONS = (APPROVE, DECLINE)


class ProgressLink(db.Model):
    """The owner's private link to a repair order's progress page (透明度): only its token's SHA-256 is kept.

    One per order, made when the order opens and texted to the owner; it ends some days after the car is
    handed over (or the order cancelled). The advisor sees when the owner first and last opened it.
    """

    __tablename__ = "booking_progress_links"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "order_id"),
        sa.UniqueConstraint("token_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("repair_orders.id"))
    token_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # set when the order is delivered
    first_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opens: Mapped[int] = mapped_column(sa.Integer, default=0)


class OnlineDecision(db.Model):
    """The owner's decision on one item of extra work (增项) on the progress page (费用安心).

    What they saw is kept: the item's price, the estimate version (the order's approvals so far) and the
    approved total it was decided on, and when (the repair approval it became is recorded with the method
    `online`). One per item: a double tap finds the first one.
    """

    __tablename__ = "booking_online_decisions"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "job_id"),
        sa.Index("ix_booking_online_decisions_store_id_order_id", "store_id", "order_id"),
        sa.CheckConstraint("decision IN ('approved', 'declined')", name="decision_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("repair_orders.id"))
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("repair_jobs.id"))
    decision: Mapped[str] = mapped_column(sa.String(10))
    price_fen: Mapped[int] = mapped_column(sa.BigInteger)  # what the item adds to the owner's bill, as shown
    estimate_version: Mapped[int] = mapped_column(sa.SmallInteger)  # the order's approvals before this one
    approved_total_fen: Mapped[int] = mapped_column(sa.BigInteger)  # the approved limit it was decided on
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The item's time impact as shown: its labor (the lines' hours) and the ready time if approved.
    labor_minutes: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
