"""Reminders (定期提醒): one row per vehicle, kind, due date and lead time; maintenance intervals."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dealer.database import Timestamps, UTCDateTime, utcnow
from dealer.extensions import db

INSPECTION = "inspection"
INSURANCE = "insurance"
MAINTENANCE = "maintenance"
KINDS = (INSPECTION, INSURANCE, MAINTENANCE)

OPEN = "open"
CALLED = "called"
BOOKED = "booked"
NOT_INTERESTED = "not_interested"
DONE = "done"          # the event happened: inspected, renewed, serviced
CANCELLED = "cancelled"
STATES = (OPEN, CALLED, BOOKED, NOT_INTERESTED, DONE, CANCELLED)


class Reminder(db.Model):
    """A due event the store reminds the owner of, by SMS and on the advisor's call list."""

    __tablename__ = "reminders"
    __table_args__ = (
        # Each reminder of one kind, for one due date and lead time, exists once however often the scan runs.
        sa.UniqueConstraint("store_id", "vehicle_id", "kind", "due_date", "lead_days"),
        sa.Index("ix_reminders_store_id_advisor_id_state", "store_id", "advisor_id", "state"),
        sa.Index("ix_reminders_store_id_created_on", "store_id", "created_on"),
        # Deleting an SMS sets its reminders' message_id to NULL: without this, a scan of all reminders.
        sa.Index("ix_reminders_message_id", "message_id"),
        sa.CheckConstraint("kind IN ('inspection', 'insurance', 'maintenance')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    vehicle_id: Mapped[int] = mapped_column(sa.ForeignKey("vehicles.id"))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"))
    advisor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    due_date: Mapped[date] = mapped_column(sa.Date)
    lead_days: Mapped[int] = mapped_column(sa.SmallInteger)
    on_site: Mapped[bool] = mapped_column(default=True)  # inspection: on-site test, or only the sticker
    created_on: Mapped[date] = mapped_column(sa.Date)  # the scan date that created it
    state: Mapped[str] = mapped_column(sa.String(20), default=OPEN)
    message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sms_messages.id", ondelete="SET NULL"))
    last_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    vehicle = relationship("Vehicle")
    customer = relationship("Customer")
    message = relationship("SmsMessage")


class ReminderOptOut(db.Model):
    """An owner asked for no more reminders of one kind."""

    __tablename__ = "reminder_opt_outs"
    __table_args__ = (sa.UniqueConstraint("store_id", "customer_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MaintenanceInterval(Timestamps, db.Model):
    """A store's maintenance interval for a model family ('' = every other family): months or km."""

    __tablename__ = "maintenance_intervals"
    __table_args__ = (sa.UniqueConstraint("store_id", "model_family"),
                      sa.CheckConstraint("months > 0 AND km > 0", name="positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    model_family: Mapped[str] = mapped_column(sa.String(40), default="")
    months: Mapped[int] = mapped_column(sa.SmallInteger, default=6)
    km: Mapped[int] = mapped_column(sa.Integer, default=5000)


class InsuranceRenewal(db.Model):
    """A policy renewal recorded at the desk; `by_store` when the store handled it (代办保险)."""

    __tablename__ = "insurance_renewals"
    __table_args__ = (sa.Index("ix_insurance_renewals_store_id_vehicle_id", "store_id", "vehicle_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    vehicle_id: Mapped[int] = mapped_column(sa.ForeignKey("vehicles.id"))
    old_expiry: Mapped[date | None] = mapped_column(sa.Date)
    new_expiry: Mapped[date] = mapped_column(sa.Date)
    insurer: Mapped[str] = mapped_column(sa.String(60), default="")
    by_store: Mapped[bool] = mapped_column(default=True)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
