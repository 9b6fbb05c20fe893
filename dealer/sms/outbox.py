"""Write messages into the outbox, inside the caller's transaction (the outbox pattern).

A module that notifies an owner calls `enqueue` in the same transaction as the business event; if
that transaction rolls back, the message never existed; if it commits, the sender will send it.
"""
from __future__ import annotations

import re
import uuid
from datetime import datetime, time, timedelta
from string import Template
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from dealer.database import utcnow
from dealer.extensions import db
from dealer.sms.kinds import KINDS, MARKETING, OPT_OUT_LINE, Kind
from dealer.sms.models import CANCELLED, QUEUED, SmsMessage, SmsSettings, SmsTemplate
from dealer.stores.models import Store
from dealer.timezones import store_zone

SINGLE_SEGMENT = 70
MULTI_SEGMENT = 67


def settings_for(store_id: int) -> SmsSettings:
    """Return the store's SMS settings, or the defaults (not saved) when it has never set them."""
    settings = db.session.get(SmsSettings, store_id)
    if settings is None:
        store = db.session.get(Store, store_id)
        settings = SmsSettings(store_id=store_id, sign_name=default_sign_name(store), quiet_start="21:00",
                               quiet_end="08:00", daily_cap_per_phone=3, inspection_lead_days="30,7",
                               insurance_lead_days="30,7", maintenance_lead_days="7")
    return settings


def default_sign_name(store: Store | None) -> str:
    """The store's name without the brand and '4S店' noise, as an SMS signature is short (2-12 characters)."""
    name = (store.name if store else "") or "4S店"
    brands = [re.escape(brand) for brand in {getattr(store, "brand", "") or "", "一汽-大众"} if brand]
    # Repeated: "深圳宝安一汽-大众4S店" ends with the brand *and* "4S店".
    short = re.sub(rf"(?:{'|'.join(brands + ['4S店', '店'])})+$", "", name).strip() or name
    return short[:12]


def template_for(store_id: int, kind: str) -> tuple[str, str]:
    """Return (body, provider template code) for a kind: the store's wording or the default."""
    row = db.session.scalar(sa.select(SmsTemplate).where(SmsTemplate.store_id == store_id, SmsTemplate.kind == kind))
    if row is not None:
        return row.body, row.provider_template_code
    return KINDS[kind].default_body, ""


def _display(value) -> str:
    """Show ISO dates the Chinese way (2026年3月31日); everything else as it is."""
    text = str(value)
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    if match:
        year, month, day = (int(part) for part in match.groups())
        return f"{year}年{month}月{day}日"
    return text


def compose(kind: Kind, body_template: str, params: dict, sign_name: str) -> str:
    """Return the text the owner reads: 【signature】 + body (+ the opt-out line for marketing)."""
    body = Template(body_template).safe_substitute({k: _display(v) for k, v in params.items()})
    text = f"【{sign_name}】{body}"
    if kind.category == MARKETING:
        text += OPT_OUT_LINE
    return text


def segments(text: str) -> int:
    """Count SMS segments: 70 characters fit in one; longer texts are split in parts of 67."""
    length = len(text)
    if length <= SINGLE_SEGMENT:
        return 1
    return -(-length // MULTI_SEGMENT)


def zone_of_store(store_id: int) -> ZoneInfo:
    """Return the time zone of the store with this id (its quiet hours are in it)."""
    return store_zone(db.session.get(Store, store_id))


def _hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def in_quiet_hours(settings: SmsSettings, local: datetime) -> bool:
    """Tell whether a local time falls in the quiet window (which may span midnight)."""
    start, end, now = _hhmm(settings.quiet_start), _hhmm(settings.quiet_end), local.time()
    if start == end:
        return False
    if start < end:
        return start <= now < end
    return now >= start or now < end


def next_allowed(settings: SmsSettings, zone: ZoneInfo, now: datetime) -> datetime:
    """Return `now`, or the end of the quiet window when `now` falls in it (as an aware UTC datetime)."""
    local = now.astimezone(zone)
    if not in_quiet_hours(settings, local):
        return now
    end = _hhmm(settings.quiet_end)
    morning = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if morning <= local:
        morning += timedelta(days=1)
    return morning.astimezone(now.tzinfo)


def next_morning(settings: SmsSettings, zone: ZoneInfo, now: datetime) -> datetime:
    """Return the end of the next quiet window: tomorrow morning (for a phone that reached today's cap)."""
    local = now.astimezone(zone)
    end = _hhmm(settings.quiet_end)
    morning = (local + timedelta(days=1)).replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    return morning.astimezone(now.tzinfo)


def may_receive(customer, kind: Kind) -> bool:
    """Tell whether this owner may get this kind: marketing needs consent; service needs no opt-out."""
    if customer is None:
        return kind.category != MARKETING
    if kind.category == MARKETING:
        return bool(customer.marketing_consent)
    return not customer.service_sms_opt_out


def enqueue(kind: str, *, store_id: int, phone: str, params: dict, now: datetime, customer=None,
            vehicle_id: int | None = None, dedupe_key: str | None = None,
            expires_at: datetime | None = None) -> SmsMessage | None:
    """Add a message to the outbox in the current transaction; never commits.

    It stays true until `expires_at` (default: its kind's `valid_for` from now); the sender cancels it as
    expired after that.

    Returns None when the owner must not receive it (no marketing consent, or opted out of service
    SMS), or the existing message when `dedupe_key` was already used in this store.
    """
    spec = KINDS[kind]
    if not may_receive(customer, spec):
        return None
    if dedupe_key is not None:
        existing = db.session.scalar(sa.select(SmsMessage).where(SmsMessage.store_id == store_id,
                                                                 SmsMessage.dedupe_key == dedupe_key))
        if existing is not None:
            return existing
    settings = settings_for(store_id)
    body_template, template_code = template_for(store_id, kind)
    message = SmsMessage(
        store_id=store_id, customer_id=customer.id if customer is not None else None, vehicle_id=vehicle_id,
        phone=phone, kind=kind, category=spec.category, priority=spec.priority,
        params={k: str(v) for k, v in params.items()}, sign_name=settings.sign_name, template_code=template_code,
        body=compose(spec, body_template, params, settings.sign_name), out_id=uuid.uuid4().hex,
        dedupe_key=dedupe_key, state=QUEUED, attempts=0, created_at=now,
        expires_at=expires_at or (now + spec.valid_for if spec.valid_for else None),
        next_attempt_at=now if spec.night_ok else next_allowed(settings, zone_of_store(store_id), now))
    if dedupe_key is None:
        db.session.add(message)
        return message
    try:
        with db.session.begin_nested():  # a concurrent enqueue of the same key loses cleanly
            db.session.add(message)
    except sa.exc.IntegrityError:
        return db.session.scalar(sa.select(SmsMessage).where(SmsMessage.store_id == store_id,
                                                             SmsMessage.dedupe_key == dedupe_key))
    return message


def readdress_queued(*, store_id: int, customer_id: int, old_phone: str, new_phone: str) -> int:
    """A customer's mobile changed: their messages not yet handed to a sender go to the new number.

    Returns the count. A message a sender already claimed (sending) or sent keeps the number it went
    to. This also keeps a queued reminder SMS findable by its owner's mobile (sms.services._to_phone).
    """
    return db.session.execute(
        sa.update(SmsMessage).where(SmsMessage.store_id == store_id, SmsMessage.customer_id == customer_id,
                                    SmsMessage.phone == old_phone, SmsMessage.state == QUEUED)
        .values(phone=new_phone).execution_options(synchronize_session=False)).rowcount


def cancel_queued(*, store_id: int, now: datetime | None = None, phone: str | None = None,
                  category: str | None = None, dedupe_keys: list[str] | None = None,
                  reminder_ids: list[int] | None = None, customer_id: int | None = None,
                  reason: str = "cancelled") -> int:
    """Cancel messages not yet handed to a sender (the event they announce is moot). Returns the count.

    `reason` is kept as the message's error code (e.g. "delivered": the car was collected).
    """
    stmt = sa.update(SmsMessage).where(SmsMessage.store_id == store_id, SmsMessage.state == QUEUED)
    if phone is not None:
        stmt = stmt.where(SmsMessage.phone == phone)
    if category is not None:
        stmt = stmt.where(SmsMessage.category == category)
    if customer_id is not None:
        stmt = stmt.where(SmsMessage.customer_id == customer_id)
    for column, values in ((SmsMessage.dedupe_key, dedupe_keys), (SmsMessage.reminder_id, reminder_ids)):
        if values is not None:
            if not values:
                return 0
            stmt = stmt.where(column.in_(values))
    result = db.session.execute(stmt.values(state=CANCELLED, failed_at=now or utcnow(),
                                            error_code=reason))
    return result.rowcount


# -- ids of messages written in sets (the reminder scan, the greetings) ---------------------------------

# PostgreSQL: a message's id taken before the INSERT that uses it (its out id is made from it).
NEXT_MESSAGE_ID = "nextval('sms_messages_id_seq')"


def random_out_ids():
    """SQLite: random out ids (32 hex digits) for the messages of an INSERT ... SELECT."""
    return sa.func.lower(sa.func.hex(sa.func.randomblob(16)))


def out_id_of(message_id):
    """PostgreSQL: the out id of a message whose id is known: a random prefix and the id, 32 hex digits.

    Unique by construction, and the messages of one statement go into one place of the unique index, in
    order (random ids cost a descent into a random page of a large index, and its full-page image in the
    WAL, per message). The prefix tells apart deployments that share a provider account.
    """
    return sa.literal(uuid.uuid4().hex[:16]) + sa.func.lpad(sa.func.to_hex(message_id), 16, "0")
