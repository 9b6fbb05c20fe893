"""Points (积分) and the stored-value card (储值卡) at the desk: top-ups with their bonus, refunds of the paid
value, manual adjustments and clawbacks with their reason; the nightly expiry and the nightly ledger check."""
from __future__ import annotations

import logging
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from dealer import audit
from dealer.actors import Actor
from dealer.extensions import db
from dealer.members import ledger
from dealer.members.errors import MembershipError
from dealer.members.models import (
    ADJUST,
    REFUND,
    TOP_UP,
    TOP_UP_METHODS,
    Member,
    PointsEntry,
    PointsLot,
    StoredValueEntry,
)
from dealer.members.services.common import get_member, lock_member, store_today

log = logging.getLogger(__name__)


def _check_method(method: str, reference: str) -> None:
    if method not in TOP_UP_METHODS:
        raise MembershipError(_l("Choose a payment method."), field="method")
    if method != "cash" and not reference.strip():
        raise MembershipError(_l("Enter the reference number of a non-cash payment (slip or transaction number)."),
                              field="reference")


def top_up(member_id: int, *, paid_fen: int, bonus_fen: int = 0, method: str, reference: str = "", actor: Actor,
           now: datetime) -> Member:
    """Put value on the card: what the owner paid and the bonus given on top (kept apart: a refund returns only
    what was paid). Raises MembershipError."""
    member = lock_member(member_id, actor=actor)
    if paid_fen <= 0:
        raise MembershipError(_l("A top-up is more than 0."), field="paid_fen")
    if bonus_fen < 0:
        raise MembershipError(_l("A bonus is 0 or more."), field="bonus_fen")
    _check_method(method, reference)
    ledger.card_entry(member, TOP_UP, paid_fen, bonus_fen, actor_id=actor.user_id, now=now, method=method,
                      reference=reference.strip())
    audit.record("member_card_topped_up", member, actor=actor, changes={
        "paid_fen": paid_fen, "bonus_fen": bonus_fen, "method": method, "reference": reference.strip()})
    db.session.commit()
    return get_member(member_id, actor=actor)


def refund(member_id: int, *, method: str, reference: str = "", actor: Actor, now: datetime) -> Member:
    """Hand back the paid value left on the card (the bonus left is forfeited, in the same ledger row).

    Raises MembershipError when nothing paid is left.
    """
    member = lock_member(member_id, actor=actor)
    if member.card_paid_fen <= 0:
        raise MembershipError(_l("No paid value is left on the card."), field="method")
    _check_method(method, reference)
    paid, bonus = member.card_paid_fen, member.card_bonus_fen
    ledger.card_entry(member, REFUND, -paid, -bonus, actor_id=actor.user_id, now=now, method=method,
                      reference=reference.strip())
    audit.record("member_card_refunded", member, actor=actor, changes={
        "paid_fen": paid, "bonus_fen": bonus, "method": method, "reference": reference.strip()})
    db.session.commit()
    return get_member(member_id, actor=actor)


def adjust_points(member_id: int, points: int, *, reason: str, actor: Actor, now: datetime) -> Member:
    """Correct the points by hand with a reason: added points are a lot of their own; points taken off must be
    there (taking back beyond the balance is `claw_back_points`). Raises MembershipError, NotEnoughPoints."""
    member = lock_member(member_id, actor=actor)
    if not reason.strip():
        raise MembershipError(_l("Say why the points are corrected."), field="reason")
    if points == 0:
        raise MembershipError(_l("Enter the points to add (or, with a minus sign, to take off)."), field="points")
    today = store_today(member.store_id, now)
    if points > 0:
        ledger.open_lot(member, ADJUST, points, today=today, actor_id=actor.user_id, now=now, reason=reason.strip())
    else:
        ledger.expire(member, today=today, now=now)
        if -points > member.points_balance:
            raise MembershipError(_l("The member has %(balance)s points: take back more only as a clawback.",
                                     balance=max(member.points_balance, 0)), field="points")
        ledger.take(member, ADJUST, -points, actor_id=actor.user_id, now=now, today=today, reason=reason.strip())
    audit.record("member_points_adjusted", member, actor=actor, changes={"points": points, "reason": reason.strip()})
    db.session.commit()
    return get_member(member_id, actor=actor)


def claw_back_points(member_id: int, points: int, *, reason: str, actor: Actor, now: datetime) -> Member:
    """Take points back even beyond the balance (追回; the balance may go below zero), recorded with its reason.

    Raises MembershipError.
    """
    member = lock_member(member_id, actor=actor)
    if points <= 0:
        raise MembershipError(_l("Enter the points to take back."), field="points")
    ledger.clawback(member, points, actor_id=actor.user_id, now=now, reason=reason.strip())
    audit.record("member_points_clawed_back", member, actor=actor, changes={"points": points,
                                                                             "reason": reason.strip()})
    db.session.commit()
    return get_member(member_id, actor=actor)


def expire_points(*, now: datetime, day: date | None = None, store_ids: list[int] | None = None) -> int:
    """The nightly expiry: what is left of every lot past its expiry date goes, member by member; commit.

    Returns the points expired.
    """
    stores = store_ids if store_ids is not None else list(db.session.scalars(sa.select(Member.store_id).distinct()))
    expired = 0
    for store_id in stores:
        today = day or store_today(store_id, now)
        member_ids = list(db.session.scalars(sa.select(PointsLot.member_id).where(
            PointsLot.store_id == store_id, PointsLot.expires_on < today, PointsLot.remaining > 0).distinct()))
        for member_id in member_ids:
            expired += ledger.expire(lock_member(member_id), today=today, now=now)
            db.session.commit()
    return expired


def ledger_drift(*, store_ids: list[int] | None = None) -> list[tuple[int, str, int, int]]:
    """Compare each member's stored balances with the ledgers' sums: (member id, what, stored, ledger) for every
    difference, logged as an error (the nightly check). Never changes anything."""
    where = [] if store_ids is None else [Member.store_id.in_(store_ids)]
    points = (sa.select(PointsEntry.member_id, sa.func.sum(PointsEntry.points).label("total"))
              .group_by(PointsEntry.member_id).subquery())
    card = (sa.select(StoredValueEntry.member_id, sa.func.sum(StoredValueEntry.paid_fen).label("paid"),
                      sa.func.sum(StoredValueEntry.bonus_fen).label("bonus"))
            .group_by(StoredValueEntry.member_id).subquery())
    rows = db.session.execute(sa.select(
        Member.id, Member.points_balance, sa.func.coalesce(points.c.total, 0), Member.card_paid_fen,
        sa.func.coalesce(card.c.paid, 0), Member.card_bonus_fen, sa.func.coalesce(card.c.bonus, 0))
        .outerjoin(points, points.c.member_id == Member.id).outerjoin(card, card.c.member_id == Member.id)
        .where(*where)).all()
    drift = []
    for member_id, stored_points, summed_points, paid, summed_paid, bonus, summed_bonus in rows:
        for what, stored, summed in (("points", stored_points, summed_points), ("card_paid", paid, summed_paid),
                                     ("card_bonus", bonus, summed_bonus)):
            if stored != summed:
                drift.append((member_id, what, stored, int(summed)))
    for member_id, what, stored, summed in drift:
        log.error("member %s: stored %s %s, but its ledger sums to %s", member_id, what, stored, summed)
    return drift


def check_ledgers(*, now: datetime, day: date | None = None, store_ids: list[int] | None = None) -> int:
    """The nightly ledger check (see `ledger_drift`); returns the number of differences found."""
    return len(ledger_drift(store_ids=store_ids))
