"""The sender job: take due messages from the outbox, send them through the gateway, record their fate.

Nothing is lost and nothing is sent twice:
- a message is claimed by one sender at a time (a lease; `FOR UPDATE SKIP LOCKED` on PostgreSQL, and a
  conditional UPDATE that only moves rows still queued or whose lease expired, on every database);
- the lease is renewed right before the send and every result is written only while still holding it;
- the provider's send is not idempotent, so each attempt is marked before it leaves (send_started_at):
  a message found marked (its sender died mid-send, or the answer timed out) is in doubt, and the
  provider is asked whether it went out (by our out id) before it is sent again;
- when the gateway cannot be reached, the batch stops and its messages go back to the queue without
  using up their attempts, so when it is back they leave in order of priority.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from dealer.dialect import is_postgresql
from dealer.extensions import db
from dealer.sms.gateway import china_day
from dealer.sms.kinds import KINDS
from dealer.sms.models import CANCELLED, DELIVERED, FAILED, QUEUED, SENDING, SENT, SmsMessage
from dealer.sms.outbox import compose, next_allowed, next_morning, settings_for, template_for, zone_of_store

log = logging.getLogger(__name__)

NETWORK_ERROR = "network_error"  # the provider was never reached: certainly not sent
TIMEOUT = "timeout"              # the request left but no answer came: perhaps sent
MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=2)
RETRY_UNREACHABLE = timedelta(seconds=30)
RETRY_IN_DOUBT = timedelta(seconds=60)
# The provider's send records may lag the send: "not found" is believed only this long after the attempt.
TRUST_NOT_FOUND_AFTER = timedelta(minutes=5)
# A message whose fate the provider cannot tell for this long is failed with code "in_doubt" for a person.
GIVE_UP_IN_DOUBT = timedelta(hours=24)


def backoff(attempts: int) -> timedelta:
    """Wait before retrying a temporary failure: 30 s, 1 min, 2 min, ... at most 1 hour."""
    return min(timedelta(seconds=30 * 2 ** max(0, attempts - 1)), timedelta(hours=1))


@dataclass
class SendReport:
    claimed: int = 0
    sent: int = 0
    found_sent: int = 0
    failed: int = 0
    retried: int = 0
    deferred: int = 0
    released: int = 0
    expired: int = 0  # no longer true when their turn came: cancelled, not sent
    gateway_down: bool = False
    errors: dict[str, int] = field(default_factory=dict)


def _due(now: datetime):
    expired = sa.and_(SmsMessage.state == SENDING, SmsMessage.lease_expires_at < now)
    return sa.or_(sa.and_(SmsMessage.state == QUEUED, SmsMessage.next_attempt_at <= now), expired)


def claim(*, worker: str, now: datetime, limit: int) -> list[SmsMessage]:
    """Lease up to `limit` due messages to this worker, highest priority first, and commit the lease."""
    candidates = (sa.select(SmsMessage.id).where(_due(now))
                  .order_by(SmsMessage.priority, SmsMessage.next_attempt_at, SmsMessage.id).limit(limit))
    if is_postgresql():
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(candidates))
    if not ids:
        db.session.commit()
        return []
    # Only rows still due move: a row another sender took in between is left alone.
    db.session.execute(sa.update(SmsMessage).where(SmsMessage.id.in_(ids), _due(now)).values(
        state=SENDING, lease_owner=worker, lease_expires_at=now + LEASE))
    db.session.commit()
    return list(db.session.scalars(
        sa.select(SmsMessage).where(SmsMessage.id.in_(ids), SmsMessage.lease_owner == worker,
                                    SmsMessage.state == SENDING)
        .order_by(SmsMessage.priority, SmsMessage.next_attempt_at, SmsMessage.id)))


@dataclass(frozen=True)
class _Claimed:
    """What the sender needs of a claimed message, read once: a commit after each message would
    otherwise expire the ORM objects and cost a query per attribute of every message that follows."""

    id: int
    store_id: int
    kind: str
    phone: str
    params: dict
    body: str | None
    sign_name: str | None
    template_code: str | None
    out_id: str
    attempts: int
    next_attempt_at: datetime
    send_started_at: datetime | None
    expires_at: datetime | None

    @classmethod
    def of(cls, message: SmsMessage) -> "_Claimed":
        return cls(message.id, message.store_id, message.kind, message.phone, dict(message.params or {}),
                   message.body, message.sign_name, message.template_code, message.out_id, message.attempts,
                   message.next_attempt_at, message.send_started_at, message.expires_at)


@dataclass(frozen=True)
class _StoreRules:
    """A store's SMS settings, read once per batch (duck-types SmsSettings for next_allowed)."""

    sign_name: str
    quiet_start: str
    quiet_end: str
    daily_cap_per_phone: int
    zone: object

    @classmethod
    def of(cls, store_id: int) -> "_StoreRules":
        settings = settings_for(store_id)
        return cls(settings.sign_name, settings.quiet_start, settings.quiet_end, settings.daily_cap_per_phone,
                   zone_of_store(store_id))


def _mine(message_id: int, worker: str):
    # The sender works on snapshots (_Claimed): no ORM object in the session needs to follow the update.
    return (sa.update(SmsMessage).where(SmsMessage.id == message_id, SmsMessage.lease_owner == worker,
                                        SmsMessage.state == SENDING)
            .execution_options(synchronize_session=False))


def _finish(message_id: int, worker: str, **values) -> bool:
    """Write a result only while this worker still holds the lease; commit it at once."""
    done = db.session.execute(_mine(message_id, worker).values(**values)).rowcount == 1
    db.session.commit()
    return done


def _release(message_id: int, worker: str, when: datetime, **values) -> bool:
    return _finish(message_id, worker, state=QUEUED, lease_owner=None, lease_expires_at=None,
                   next_attempt_at=when, **values)


def _sent(message: _Claimed, worker: str, gateway_name: str, provider_id: str | None, now: datetime) -> bool:
    return _finish(message.id, worker, state=SENT, provider=gateway_name, provider_id=provider_id,
                   sent_at=now, attempts=message.attempts + 1, send_started_at=None, lease_owner=None,
                   lease_expires_at=None, error_code=None, error_message=None)


def _failed(message: _Claimed, worker: str, now: datetime, *, attempts: int, code: str, text: str) -> bool:
    return _finish(message.id, worker, state=FAILED, attempts=attempts, failed_at=now, send_started_at=None,
                   lease_owner=None, lease_expires_at=None, error_code=code, error_message=text[:300])


def _sent_today(message: _Claimed, zone, now: datetime) -> int:
    local_midnight = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    capped = [code for code, kind in KINDS.items() if kind.capped]
    return db.session.scalar(sa.select(sa.func.count()).select_from(SmsMessage).where(
        SmsMessage.store_id == message.store_id, SmsMessage.phone == message.phone,
        SmsMessage.sent_at >= local_midnight.astimezone(now.tzinfo), SmsMessage.kind.in_(capped),
        SmsMessage.state.in_((SENT, DELIVERED))))


def _find_earlier_attempt(gateway, message: _Claimed):
    """Ask the provider whether the in-doubt attempt went out.

    The provider files messages by China's date, whatever the store's zone; an attempt just before
    midnight may be filed under the next day, so that day is asked too.
    """
    day = china_day(message.send_started_at)
    days = [day]
    if china_day(message.send_started_at + timedelta(minutes=10)) != day:
        days.append(day + timedelta(days=1))
    result = None
    for day in days:
        result = gateway.find_sent(phone=message.phone, out_id=message.out_id, day=day)
        if not result.known or result.found:
            return result
    return result


def send_due(*, gateway, now_fn, limit: int = 100, worker: str | None = None) -> SendReport:
    """Send one batch of due messages. `now_fn` gives the current time (aware UTC) at each step.

    Commits per message, so a crash loses at most the outcome of the message in flight, which its
    expiring lease and its in-doubt mark bring back without a second send.
    """
    worker = worker or f"sender-{uuid.uuid4().hex[:12]}"
    report = SendReport()
    batch = [_Claimed.of(message) for message in claim(worker=worker, now=now_fn(), limit=limit)]
    report.claimed = len(batch)
    stores: dict[int, _StoreRules] = {}
    for position, message in enumerate(batch):
        now = now_fn()
        kind = KINDS[message.kind]
        if message.store_id not in stores:
            stores[message.store_id] = _StoreRules.of(message.store_id)
        rules = stores[message.store_id]
        allowed = now if kind.night_ok else next_allowed(rules, rules.zone, now)
        if allowed > now:  # quiet hours began while it waited: the morning, then
            report.deferred += _release(message.id, worker, allowed)
            continue
        if message.send_started_at is not None:
            in_doubt_for = now - message.send_started_at
            lookup = _find_earlier_attempt(gateway, message)
            if not lookup.known or (not lookup.found and in_doubt_for < TRUST_NOT_FOUND_AFTER):
                if in_doubt_for > GIVE_UP_IN_DOUBT:  # a person decides; the outbox page shows why
                    report.failed += _failed(message, worker, now, attempts=message.attempts, code="in_doubt",
                                             text="the provider could not say whether it was sent")
                    continue
                # Cannot tell yet (the provider cannot be asked, or its records may still lag the send):
                # never risk a second copy.
                report.deferred += _release(message.id, worker, now + RETRY_IN_DOUBT)
                continue
            if lookup.found:
                report.found_sent += _sent(message, worker, gateway.name, lookup.provider_id, now)
                continue
            if message.attempts >= MAX_ATTEMPTS:  # its last attempt timed out and never arrived
                report.failed += _failed(message, worker, now, attempts=message.attempts, code=TIMEOUT,
                                         text=f"no answer from the provider after {message.attempts} attempts")
                continue
        if message.expires_at is not None and now >= message.expires_at:
            # No longer true (a car-ready notice after the car was collected): cancel it. Only a message with
            # no attempt in doubt gets here: one that may have gone out was settled above.
            report.expired += _finish(message.id, worker, state=CANCELLED, failed_at=now, send_started_at=None,
                                      lease_owner=None, lease_expires_at=None, error_code="expired",
                                      error_message=f"no longer true after {message.expires_at.isoformat()}")
            continue
        if kind.capped and _sent_today(message, rules.zone, now) >= rules.daily_cap_per_phone:
            report.deferred += _release(message.id, worker, next_morning(rules, rules.zone, now), send_started_at=None)
            continue
        body, template_code = message.body, message.template_code
        if body is None or not template_code:
            # Queued in bulk by the reminder scan (words fixed now), or queued before the store entered
            # the provider's approved template code: take the store's current one.
            template, code = template_for(message.store_id, message.kind)
            if body is None:
                body = compose(kind, template, message.params, message.sign_name or rules.sign_name)
            template_code = template_code or code
        # Renew the lease and mark the attempt right before it leaves: if another sender took the
        # message over meanwhile, skip it.
        renewed = db.session.execute(_mine(message.id, worker).values(
            lease_expires_at=now + LEASE, send_started_at=now, body=body,
            template_code=template_code)).rowcount
        db.session.commit()
        if not renewed:
            continue
        result = gateway.send(phone=message.phone, sign_name=message.sign_name or rules.sign_name,
                              template_code=template_code or "", params=message.params,
                              out_id=message.out_id)
        now = now_fn()
        if result.accepted:
            report.sent += _sent(message, worker, gateway.name, result.provider_id, now)
            continue
        report.errors[result.code] = report.errors.get(result.code, 0) + 1
        if result.code == NETWORK_ERROR:
            # The gateway is unreachable: stop, and put this and the rest of the batch back untouched.
            report.gateway_down = True
            report.released += _release(message.id, worker, now + RETRY_UNREACHABLE, send_started_at=None)
            for pending in batch[position + 1:]:
                report.released += _release(pending.id, worker, max(now + RETRY_UNREACHABLE, pending.next_attempt_at))
            break
        attempts = message.attempts + 1
        if result.code == TIMEOUT:
            # Perhaps sent: it stays in doubt (send_started_at kept) and the provider is asked about
            # it before any resend; the attempt counts, so a provider that never answers ends it.
            report.deferred += _release(message.id, worker, now + max(RETRY_IN_DOUBT, backoff(attempts)),
                                        attempts=attempts, error_code=result.code,
                                        error_message=result.message[:300])
            continue
        if result.retryable and attempts < MAX_ATTEMPTS:
            report.retried += _release(message.id, worker, now + backoff(attempts), attempts=attempts,
                                       send_started_at=None, error_code=result.code,
                                       error_message=result.message[:300])
        else:
            report.failed += _failed(message, worker, now, attempts=attempts, code=result.code, text=result.message)
    if report.claimed:
        log.info("sms batch %s: %s", worker, report)
    return report


def expire_leases(*, now: datetime) -> int:
    """Put messages whose sender died (lease expired) back in the queue, still marked if in doubt."""
    count = db.session.execute(sa.update(SmsMessage).where(
        SmsMessage.state == SENDING, SmsMessage.lease_expires_at < now).values(
        state=QUEUED, lease_owner=None, lease_expires_at=None, next_attempt_at=now)).rowcount
    db.session.commit()
    return count
