"""Phone verification by SMS code (短信验证码), for any module that must know an owner holds a phone: an online
booking, joining the membership on the public site.

A code is 6 digits, bound to its phone and purpose, stored as a salted SHA-256 only, true for 5 minutes;
5 wrong tries void it. A phone gets one code a minute and 5 an hour, an address 20 an hour, a store at most
its daily ceiling (against SMS pumping): these counts are the database's, beside Flask-Limiter's counters
the views and the API keep (shared by every worker through Redis). A right code hands out a proof, good for
one use within 30 minutes.

A module registers its purpose once (`register_purpose`): the SMS kind that carries the code and the store's
daily ceiling of codes. A refused code answers with the purpose's error code (`booking.code_refused`).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from dealer.customers.validators import normalize_mobile
from dealer.database import get_for_update
from dealer.errors import NotFound
from dealer.extensions import db
from dealer.sms import outbox
from dealer.sms.errors import CodeRefused, TooManyCodes
from dealer.sms.models import VerificationCode
from dealer.stores.models import Store
from dealer.timezones import store_zone

CODE_VALIDITY = timedelta(minutes=5)
PROOF_VALIDITY = timedelta(minutes=30)
MAX_WRONG = 5
PER_PHONE = ((timedelta(minutes=1), 1), (timedelta(hours=1), 5))
PER_ADDRESS = ((timedelta(minutes=1), 3), (timedelta(hours=1), 20))


@dataclass(frozen=True)
class Purpose:
    """What a code is for: the SMS kind that carries it (its only variable `${code}`), the store's daily ceiling."""

    sms_kind: str
    daily_ceiling: Callable[[int], int]  # store id -> the most codes the store sends a day


PURPOSES: dict[str, Purpose] = {}


def register_purpose(name: str, *, sms_kind: str, daily_ceiling: Callable[[int], int]) -> None:
    """Declare a purpose (a module does once, when imported); registering it again replaces it."""
    PURPOSES[name] = Purpose(sms_kind, daily_ceiling)


@dataclass(frozen=True)
class PhoneCheck:
    """How an owner proves the phone: the code itself (the pages) or the proof a right code gave (the API)."""

    code: str | None = None
    proof: str | None = None


def _hash(salt: str, purpose: str, phone: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{purpose}:{phone}:{code}".encode()).hexdigest()


def _proof_hash(proof: str) -> str:
    return hashlib.sha256(proof.encode()).hexdigest()


def _count_since(*where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(VerificationCode).where(*where))


def _check_allowance(store: Store, phone: str, address: str, purpose: Purpose, now: datetime) -> None:
    """Raise TooManyCodes when the phone, the address or the store has had its codes (the database's count)."""
    for window, most in PER_PHONE:
        if _count_since(VerificationCode.phone == phone, VerificationCode.created_at > now - window) >= most:
            raise TooManyCodes(int(window.total_seconds()))
    if address:
        for window, most in PER_ADDRESS:
            if _count_since(VerificationCode.address == address,
                            VerificationCode.created_at > now - window) >= most:
                raise TooManyCodes(int(window.total_seconds()))
    zone = store_zone(store)
    today = now.astimezone(zone).date()
    start = datetime.combine(today, time(0), tzinfo=zone)
    end = datetime.combine(today + timedelta(days=1), time(0), tzinfo=zone)
    if _count_since(VerificationCode.store_id == store.id, VerificationCode.created_at >= start,
                    VerificationCode.created_at < end) >= purpose.daily_ceiling(store.id):
        raise TooManyCodes(int((end - now).total_seconds()),
                           _l("This store sends no more codes today. Please call the store to book."))


def send_code(phone: str, *, store_id: int, purpose: str, address: str = "", now: datetime) -> VerificationCode:
    """Send a new 6-digit code to the phone by SMS (an outbox row); an older live code of it is voided.

    Raises InvalidValue (not a mainland mobile), NotFound (store), TooManyCodes.
    """
    phone = normalize_mobile(phone, field="phone")
    store = db.session.get(Store, store_id)
    if store is None or not store.active or purpose not in PURPOSES:
        raise NotFound()
    _check_allowance(store, phone, address, PURPOSES[purpose], now)
    db.session.execute(sa.update(VerificationCode).where(
        VerificationCode.phone == phone, VerificationCode.purpose == purpose, VerificationCode.voided_at.is_(None),
        VerificationCode.verified_at.is_(None)).values(voided_at=now))
    code = f"{secrets.randbelow(10 ** 6):06d}"
    salt = secrets.token_hex(16)
    row = VerificationCode(store_id=store.id, phone=phone, purpose=purpose, address=address[:45], salt=salt,
                           code_hash=_hash(salt, purpose, phone, code), attempts=0, created_at=now,
                           expires_at=now + CODE_VALIDITY)
    db.session.add(row)
    outbox.enqueue(PURPOSES[purpose].sms_kind, store_id=store.id, phone=phone, params={"code": code}, now=now,
                   expires_at=now + CODE_VALIDITY)
    db.session.commit()
    return row


def _live_code(phone: str, purpose: str, now: datetime) -> VerificationCode:
    found = db.session.scalar(
        sa.select(VerificationCode.id).where(VerificationCode.phone == phone, VerificationCode.purpose == purpose,
                                             VerificationCode.voided_at.is_(None),
                                             VerificationCode.verified_at.is_(None))
        .order_by(VerificationCode.created_at.desc(), VerificationCode.id.desc()).limit(1))
    row = get_for_update(VerificationCode, found) if found is not None else None
    if row is None or row.voided_at is not None or row.verified_at is not None or row.expires_at <= now:
        raise CodeRefused(_l("The code has expired or was never sent. Please request a new code."), field="code",
                          purpose=purpose)
    return row


def _verify(phone: str, code: str, purpose: str, now: datetime) -> VerificationCode:
    """Mark the live code verified, or count a wrong try (committed, then raised). Raises CodeRefused."""
    row = _live_code(phone, purpose, now)
    given = (code or "").strip()
    if not hmac.compare_digest(row.code_hash, _hash(row.salt, purpose, phone, given)):
        row.attempts += 1
        if row.attempts >= MAX_WRONG:
            row.voided_at = now
        db.session.commit()  # the wrong try counts even though the request is refused
        if row.voided_at is not None:
            raise CodeRefused(_l("Too many wrong codes: this code no longer works. Please request a new code."),
                              field="code", purpose=purpose)
        raise CodeRefused(_l("Wrong code. %(left)d tries left.", left=MAX_WRONG - row.attempts), field="code",
                          purpose=purpose)
    row.verified_at = now
    return row


def check_code(phone: str, code: str, *, purpose: str, now: datetime) -> str:
    """Check the code; return a proof good once within 30 minutes. Raises InvalidValue, CodeRefused."""
    phone = normalize_mobile(phone, field="phone")
    row = _verify(phone, code, purpose, now)
    proof = secrets.token_urlsafe(24)
    row.proof_hash = _proof_hash(proof)
    db.session.commit()
    return proof


def accept(phone: str, check: PhoneCheck, *, purpose: str, now: datetime) -> None:
    """Accept a phone check inside the caller's transaction (a code, or an unused proof). Raises CodeRefused.

    A wrong code is counted and committed before it is refused.
    """
    if check.code is not None:
        row = _verify(phone, check.code, purpose, now)
    else:
        found = db.session.scalar(sa.select(VerificationCode.id).where(
            VerificationCode.proof_hash == _proof_hash(check.proof or "")))
        row = get_for_update(VerificationCode, found) if found is not None else None
        if (row is None or row.phone != phone or row.purpose != purpose or row.proof_used_at is not None
                or row.verified_at is None or row.verified_at + PROOF_VALIDITY <= now):
            raise CodeRefused(_l("Please verify your phone number again."), field="verification", purpose=purpose)
    row.proof_used_at = now
