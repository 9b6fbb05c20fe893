"""Reminders (定期提醒): one row per vehicle, kind, due date and lead time; maintenance intervals."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from dealer.database import Timestamps, UTCDateTime, utcnow
from dealer.extensions import db
from dealer.sms.models import SmsMessage

INSPECTION = "inspection"
INSURANCE = "insurance"
MAINTENANCE = "maintenance"
# Extra work the owner declined (增项未做): due DECLINED_WORK_DAYS after the refusal, on the call list only (no SMS).
DECLINED_WORK = "declined_work"
KINDS = (INSPECTION, INSURANCE, MAINTENANCE, DECLINED_WORK)

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
        # The scan's "already reminded?" (a kind's reminders due from today on) and the call list (by due date).
        sa.Index("ix_reminders_store_id_due_date", "store_id", "due_date"),
        # An advisor's call list, in due order: walked to its first 200, not sorted from the whole store's.
        sa.Index("ix_reminders_store_id_advisor_id_due_date_id", "store_id", "advisor_id", "due_date", "id"),
        # The month's reminders for the SMS figures. BRIN: the scan writes reminders in created_on order,
        # so a few bytes per range of pages find a month, and the scan writes no index entry per reminder.
        sa.Index("ix_reminders_created_on", "created_on", postgresql_using="brin"),
        sa.CheckConstraint("kind IN ('inspection', 'insurance', 'maintenance', 'declined_work')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    # No foreign keys: the nightly scan writes reminders by the ten thousand, and each key check locks
    # the row it names (FOR KEY SHARE): two thirds of the scan's time (docs/sms-and-reminders.md). The
    # scan copies these ids from the vehicle it reads; stores and vehicles are never deleted, nor is a
    # customer with vehicle history, and staff accounts are deactivated, not deleted.
    store_id: Mapped[int] = mapped_column(sa.Integer)
    vehicle_id: Mapped[int] = mapped_column(sa.Integer)
    customer_id: Mapped[int] = mapped_column(sa.Integer)
    # The customer's advisor: when it was made, and now while it is to be called about (hand_to_advisor).
    advisor_id: Mapped[int | None] = mapped_column(sa.Integer)
    kind: Mapped[str] = mapped_column(sa.String(20))
    due_date: Mapped[date] = mapped_column(sa.Date)
    lead_days: Mapped[int] = mapped_column(sa.SmallInteger)
    on_site: Mapped[bool] = mapped_column(default=True)  # inspection: on-site test, or only the sticker
    created_on: Mapped[date] = mapped_column(sa.Date)  # the scan date that created it
    state: Mapped[str] = mapped_column(sa.String(20), default=OPEN)
    last_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    vehicle = relationship("Vehicle", primaryjoin="Reminder.vehicle_id == Vehicle.id", foreign_keys=vehicle_id,
                           viewonly=True, lazy="raise_on_sql")
    customer = relationship("Customer", primaryjoin="Reminder.customer_id == Customer.id", foreign_keys=customer_id,
                            viewonly=True, lazy="raise_on_sql")
    # The SMS names its reminder (sms_messages.reminder_id), so a reminder is written once, never updated
    # to point at its message; none when the owner takes no service SMS.
    message = relationship("SmsMessage", primaryjoin="and_(SmsMessage.reminder_id == Reminder.id, SmsMessage.store_id == Reminder.store_id)",
                           foreign_keys="SmsMessage.reminder_id", uselist=False, viewonly=True, lazy="raise_on_sql")

    # Its message's id, read in the same query as the reminder (a relationship never loads itself).
    message_id: Mapped[int | None] = column_property(
        sa.select(SmsMessage.id).where(SmsMessage.store_id == store_id, SmsMessage.reminder_id == id)
        .correlate_except(SmsMessage)
        .limit(1).scalar_subquery())


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
