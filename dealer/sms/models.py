"""The SMS outbox (短信发件箱), templates, per-store settings and owners' replies."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dealer.database import Timestamps, UTCDateTime, utcnow
from dealer.extensions import db

QUEUED = "queued"
SENDING = "sending"
SENT = "sent"
DELIVERED = "delivered"
FAILED = "failed"
CANCELLED = "cancelled"
STATES = (QUEUED, SENDING, SENT, DELIVERED, FAILED, CANCELLED)


# The messages ix_sms_messages_store_id_phone_sent_at holds: all but a reminder's SMS not yet sent.
PHONE_INDEXED = "sent_at IS NOT NULL OR reminder_id IS NULL"


class SmsMessage(db.Model):
    """One message to one phone: written in the transaction of the event that causes it, sent later.

    queued -> sending (leased to one sender) -> sent -> delivered | failed; or cancelled before sending.
    """

    __tablename__ = "sms_messages"
    __table_args__ = (
        sa.UniqueConstraint("out_id"),
        # Partial indexes for columns most messages leave empty (a reminder's SMS has no dedupe key, and
        # no provider id until it is sent): the nightly scan writes hundreds of thousands of messages.
        sa.Index("uq_sms_messages_store_id_dedupe_key", "store_id", "dedupe_key", unique=True,
                 postgresql_where=sa.text("dedupe_key IS NOT NULL"), sqlite_where=sa.text("dedupe_key IS NOT NULL")),
        # One message per reminder.
        sa.Index("uq_sms_messages_reminder_id", "reminder_id", unique=True,
                 postgresql_where=sa.text("reminder_id IS NOT NULL"), sqlite_where=sa.text("reminder_id IS NOT NULL")),
        # The sender: due messages by priority, across stores.
        sa.Index("ix_sms_messages_state_priority_next_attempt_at", "state", "priority", "next_attempt_at"),
        sa.Index("ix_sms_messages_store_id_created_at", "store_id", "created_at"),
        # A phone's messages: the per-phone cap counts those sent, the opt-out cancels queued marketing,
        # the outbox searches them all. A reminder's SMS enters it once sent: queued, it is found through
        # its owner (store_id, customer_id), and the nightly scan, which queues hundreds of thousands of
        # them, writes one index entry fewer per message (sms.services.list_messages).
        sa.Index("ix_sms_messages_store_id_phone_sent_at", "store_id", "phone", "sent_at",
                 postgresql_where=sa.text(PHONE_INDEXED), sqlite_where=sa.text(PHONE_INDEXED)),
        sa.Index("ix_sms_messages_store_id_customer_id", "store_id", "customer_id"),
        sa.Index("ix_sms_messages_provider_id", "provider_id", postgresql_where=sa.text("provider_id IS NOT NULL"),
                 sqlite_where=sa.text("provider_id IS NOT NULL")),
        # membership (members5): the month's marketing messages of a store's owners (a campaign's monthly limit, in
        # every target preview): one short range instead of the store's messages by owner
        sa.Index("ix_sms_messages_store_id_marketing_created_at", "store_id", "created_at", "customer_id",
                 postgresql_where=sa.text("category = 'marketing'"), sqlite_where=sa.text("category = 'marketing'")),
        sa.CheckConstraint("state IN ('queued', 'sending', 'sent', 'delivered', 'failed', 'cancelled')",
                           name="state_known"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    # Who and what it is about, for the pages; the phone is copied. Not foreign keys: the nightly scan
    # queues messages by the ten thousand and a key check locks the row it names (see Reminder).
    store_id: Mapped[int] = mapped_column(sa.Integer)
    customer_id: Mapped[int | None] = mapped_column(sa.Integer)
    vehicle_id: Mapped[int | None] = mapped_column(sa.Integer)
    # The reminder this message announces (the nightly scan writes both in one statement).
    reminder_id: Mapped[int | None] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"))
    phone: Mapped[str] = mapped_column(sa.String(20))
    kind: Mapped[str] = mapped_column(sa.String(40))
    category: Mapped[str] = mapped_column(sa.String(12))
    priority: Mapped[int] = mapped_column(sa.SmallInteger)
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # The text as the owner reads it (signature and opt-out line included), fixed when it is sent.
    body: Mapped[str | None] = mapped_column(sa.Text)
    sign_name: Mapped[str | None] = mapped_column(sa.String(40))
    template_code: Mapped[str | None] = mapped_column(sa.String(40))
    # Sent to the provider with every attempt, so a resend after a crash is recognised as the same message.
    out_id: Mapped[str] = mapped_column(sa.String(32))
    # Business-level idempotency: e.g. one reminder per vehicle, kind and due date.
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(120))
    state: Mapped[str] = mapped_column(sa.String(12), default=QUEUED)
    attempts: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when an attempt is handed to the provider and cleared once its outcome is known: a message
    # found with it set (its sender died, or the answer timed out) is in doubt, and the provider is
    # asked whether it went out before it is sent again (the provider's send is not idempotent).
    send_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(sa.String(40))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provider: Mapped[str | None] = mapped_column(sa.String(20))
    provider_id: Mapped[str | None] = mapped_column(sa.String(64))
    error_code: Mapped[str | None] = mapped_column(sa.String(60))
    error_message: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the message stops being true (the car was collected, the rescue ended): cancelled, never sent after.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    customer = relationship("Customer", primaryjoin="SmsMessage.customer_id == Customer.id",
                            foreign_keys=customer_id, viewonly=True, lazy="raise_on_sql")
    vehicle = relationship("Vehicle", primaryjoin="SmsMessage.vehicle_id == Vehicle.id", foreign_keys=vehicle_id,
                           viewonly=True, lazy="raise_on_sql")


class SmsTemplate(Timestamps, db.Model):
    """A store's wording for one kind of message, with the provider's approved template code."""

    __tablename__ = "sms_templates"
    __table_args__ = (sa.UniqueConstraint("store_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    body: Mapped[str] = mapped_column(sa.Text)
    provider_template_code: Mapped[str] = mapped_column(sa.String(40), default="")
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class SmsSettings(Timestamps, db.Model):
    """A store's SMS rules: signature, quiet hours, the daily cap per phone, reminder lead times."""

    __tablename__ = "sms_settings"

    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"), primary_key=True)
    sign_name: Mapped[str] = mapped_column(sa.String(40))
    quiet_start: Mapped[str] = mapped_column(sa.String(5), default="21:00")
    quiet_end: Mapped[str] = mapped_column(sa.String(5), default="08:00")
    daily_cap_per_phone: Mapped[int] = mapped_column(sa.SmallInteger, default=3)
    inspection_lead_days: Mapped[str] = mapped_column(sa.String(40), default="30,7")
    insurance_lead_days: Mapped[str] = mapped_column(sa.String(40), default="30,7")
    maintenance_lead_days: Mapped[str] = mapped_column(sa.String(40), default="7")
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class SmsInbound(db.Model):
    """An owner's reply (上行短信) as the provider reported it."""

    __tablename__ = "sms_inbound"
    __table_args__ = (sa.UniqueConstraint("provider_key"),
                      sa.Index("ix_sms_inbound_phone_received_at", "phone", "received_at"))

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    # The provider may push the same reply twice: its identity makes the second one a no-op.
    provider_key: Mapped[str] = mapped_column(sa.String(120))
    phone: Mapped[str] = mapped_column(sa.String(20))
    content: Mapped[str] = mapped_column(sa.String(500))
    sign_name: Mapped[str] = mapped_column(sa.String(40), default="")
    action: Mapped[str] = mapped_column(sa.String(20), default="none")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


LEAD_DAYS_MESSAGE = _l("Enter lead times as days between 1 and 365, separated by commas.")


def parse_lead_days(text: str) -> list[int]:
    """Read a store's reminder lead times ("30,7"; "30，7" and "30、7" too): distinct days, largest first.

    Raises ValueError unless every part is a whole number of days from 1 to 365.
    """
    parts = [part for part in text.replace("，", ",").replace("、", ",").split(",") if part.strip()]
    days = sorted({int(part) for part in parts}, reverse=True)
    if not days or any(d <= 0 or d > 365 for d in days):
        raise ValueError("lead days are 1 to 365: %r" % text)
    return days


class VerificationCode(db.Model):
    """A 6-digit SMS code (短信验证码) for one phone and one purpose (an online booking, joining the membership),
    stored hashed; 5 wrong tries void it. The table keeps the name it had when booking was its only user."""

    __tablename__ = "booking_codes"
    __table_args__ = (
        sa.Index("ix_booking_codes_phone_created_at", "phone", "created_at"),
        sa.Index("ix_booking_codes_address_created_at", "address", "created_at"),
        sa.Index("ix_booking_codes_store_id_created_at", "store_id", "created_at"),
        sa.Index("ix_booking_codes_proof_hash", "proof_hash", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    phone: Mapped[str] = mapped_column(sa.String(11))
    purpose: Mapped[str] = mapped_column(sa.String(20))
    address: Mapped[str] = mapped_column(sa.String(45), default="")
    salt: Mapped[str] = mapped_column(sa.String(32))
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    attempts: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What a verified code hands out: a proof (its SHA-256 here) used once, within PROOF_VALIDITY.
    proof_hash: Mapped[str | None] = mapped_column(sa.String(64))
    proof_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
