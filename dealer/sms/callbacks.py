"""What the provider tells us: delivery reports (回执) and owners' replies (上行), with reply-T opt-out."""
from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from dealer import audit
from dealer.actors import SYSTEM
from dealer.customers.models import Customer
from dealer.extensions import db
from dealer.sms.kinds import MARKETING
from dealer.sms.models import DELIVERED, FAILED, QUEUED, SENDING, SENT, SmsInbound, SmsMessage
from dealer.sms.outbox import cancel_queued, enqueue, settings_for

OPT_OUT_WORDS = frozenset({"T", "TD", "退订"})


@dataclass
class ReportOutcome:
    applied: int = 0
    ignored: int = 0


def apply_delivery_reports(reports: list[dict], *, now: datetime, provider: str | None = None) -> ReportOutcome:
    """Record delivered / failed from the provider's reports, matched on out id, provider id and phone.

    A report that matches no message we sent (forged, or for another system) changes nothing.
    """
    outcome = ReportOutcome()
    for report in reports:
        out_id, biz_id, phone = (str(report.get(k) or "") for k in ("out_id", "biz_id", "phone_number"))
        message = db.session.scalar(sa.select(SmsMessage).where(SmsMessage.out_id == out_id).with_for_update())
        if (message is None or not biz_id or message.phone != phone
                or message.provider_id != biz_id and not _learns_biz_id(message)
                or message.provider_id == biz_id and message.state not in (SENT, DELIVERED, FAILED)):
            outcome.ignored += 1
            continue
        if message.state in (QUEUED, SENDING):
            # In doubt (its send timed out, or its sender died): the report proves the provider took
            # it, so it is settled here and never sent again; a sender holding it cannot overwrite this.
            message.sent_at, message.attempts = now, max(message.attempts, 1)
            message.send_started_at = message.lease_owner = message.lease_expires_at = None
        message.provider_id = biz_id
        message.provider = message.provider or provider
        if _truthy(report.get("success")):
            message.state, message.delivered_at = DELIVERED, now
            message.error_code = message.error_message = None
        elif message.state != DELIVERED:  # a late failure never overrides a delivery
            message.state, message.failed_at = FAILED, now
            message.error_code = str(report.get("err_code") or "undelivered")[:60]
            message.error_message = str(report.get("err_msg") or "")[:300]
        outcome.applied += 1
    db.session.commit()
    return outcome


def _learns_biz_id(message: SmsMessage) -> bool:
    """Tell whether a report may teach this message its provider id, matched on our out id (random,
    shown to no one but the provider) and the phone alone.

    A message marked sent after a lookup has none (QuerySendDetails tells no BizId); nor has one in
    doubt (the answer to its send timed out, or its sender died): the provider may have taken it.
    """
    if message.provider_id is not None:
        return False
    if message.state == SENT:
        return True
    return message.state in (QUEUED, SENDING) and message.send_started_at is not None


def _truthy(value) -> bool:
    return value is True or str(value).lower() in ("true", "1")


def is_opt_out(content: str) -> bool:
    """Tell whether a reply asks to stop marketing SMS: T, TD or 退订, whatever the case or width."""
    folded = unicodedata.normalize("NFKC", content or "").strip().upper()
    folded = "".join(ch for ch in folded if not unicodedata.category(ch).startswith(("P", "Z")))
    return folded in OPT_OUT_WORDS


def receive_reply(*, phone: str, content: str, sign_name: str, provider_key: str | None, now: datetime) -> SmsInbound:
    """Record an owner's reply; a T (退订) opts them out of marketing SMS at once and tells them so once.

    The same reply pushed twice is recorded once and acted on once.
    """
    key = provider_key or hashlib.sha256(f"{phone}|{sign_name}|{content}|{now.date()}".encode()).hexdigest()
    inbound = SmsInbound(provider_key=key[:120], phone=phone[:20], content=(content or "")[:500],
                         sign_name=(sign_name or "")[:40], received_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(inbound)
    except sa.exc.IntegrityError:  # already received: acted on the first time
        return db.session.scalar(sa.select(SmsInbound).where(SmsInbound.provider_key == key[:120]))
    if is_opt_out(content):
        inbound.action = "opt_out"
        _opt_out(phone, sign_name, now)
    db.session.commit()
    return inbound


def _opt_out(phone: str, sign_name: str, now: datetime) -> None:
    stmt = sa.select(Customer).where(Customer.mobile == phone).with_for_update()
    customers = list(db.session.scalars(stmt))
    # The reply answers one store's signature (saved, or the default of a store that never set one);
    # if none of the owner's stores claims it, the owner meant all of them.
    signs = {store_id: settings_for(store_id).sign_name for store_id in {c.store_id for c in customers}}
    matching = [c for c in customers if signs[c.store_id] == sign_name] or customers
    for customer in matching:
        tell = customer.marketing_consent or customer.opt_out_confirmed_at is None
        if customer.marketing_consent:
            customer.marketing_consent = False
            customer.marketing_consent_at = now
            audit.record("marketing_opt_out", customer, actor=SYSTEM, changes={"via": "sms_reply"})
        # Marketing always names its customer: found through (store_id, customer_id).
        cancel_queued(store_id=customer.store_id, customer_id=customer.id, phone=phone, category=MARKETING, now=now)
        if tell:
            customer.opt_out_confirmed_at = now
            enqueue("opt_out_confirmation", store_id=customer.store_id, phone=phone, params={}, now=now,
                    customer=customer)
