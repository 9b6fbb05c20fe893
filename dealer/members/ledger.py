"""The two ledgers' primitives, inside the caller's transaction (never commit): points with their lots, and
the stored-value card with its paid and bonus value apart.

Every function takes the member locked by the caller (`services.common.lock_member`), writes the ledger row
and changes the balance on the member row beside it, so the balance is always the ledger's sum. The points
lots hold what may still be spent: their remainders add up to the balance when it is positive, and to
nothing when an explicit clawback (追回) has taken it below zero; points earned while below zero pay that
back first.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from dealer.extensions import db
from dealer.members.errors import MembershipError, NotEnoughPoints, NotEnoughStoredValue
from dealer.members.models import (
    CLAWBACK,
    EXPIRE,
    PAY,
    PAY_REVERSED,
    REDEEM,
    REVERSE,
    Member,
    PointsEntry,
    PointsLot,
    StoredValueEntry,
)
from dealer.money import yuan


def expiry_of(earned_on: date) -> date:
    """Points expire at the end of the calendar year after the one they were earned in (the second year)."""
    return date(earned_on.year + 1, 12, 31)


def points_earned(customer_paid_fen: int, rate_bp: int) -> int:
    """One point per whole yuan paid, times the tier's rate (10,000 = 1x), rounded down."""
    return max(customer_paid_fen, 0) * rate_bp // 1_000_000


def _entry(member: Member, kind: str, points: int, *, actor_id, now, lot_id=None, order_id=None,
           reason: str = "") -> PointsEntry:
    member.points_balance += points
    entry = PointsEntry(store_id=member.store_id, member_id=member.id, kind=kind, points=points,
                        balance_after=member.points_balance, lot_id=lot_id, order_id=order_id, reason=reason[:200],
                        actor_id=actor_id, created_at=now)
    db.session.add(entry)
    return entry


def open_lot(member: Member, kind: str, points: int, *, today: date, actor_id, now, order_id=None,
             reason: str = "", expires_on: date | None = None) -> PointsLot:
    """Add `points` as a new lot (earned or given), paying back a clawback's debt first; it expires on `expires_on`
    when given (an opening balance keeps the previous system's date), else at the end of next year."""
    debt = max(-member.points_balance, 0)
    lot = PointsLot(store_id=member.store_id, member_id=member.id, order_id=order_id, earned=points,
                    remaining=points - min(points, debt), expires_on=expires_on or expiry_of(today), created_at=now)
    db.session.add(lot)
    db.session.flush()
    _entry(member, kind, points, actor_id=actor_id, now=now, lot_id=lot.id, order_id=order_id, reason=reason)
    return lot


def _lots(member: Member, *, today: date | None = None, exclude: int | None = None) -> list[PointsLot]:
    """The member's lots with points left, soonest expiring first (unexpired ones only, given `today`)."""
    stmt = sa.select(PointsLot).where(PointsLot.store_id == member.store_id, PointsLot.member_id == member.id,
                                      PointsLot.remaining > 0)
    if today is not None:
        stmt = stmt.where(PointsLot.expires_on >= today)
    if exclude is not None:
        stmt = stmt.where(PointsLot.id != exclude)
    return list(db.session.scalars(stmt.order_by(PointsLot.expires_on, PointsLot.id)))


def take(member: Member, kind: str, points: int, *, actor_id, now, today: date | None = None, order_id=None,
         reason: str = "", exclude: int | None = None) -> int:
    """Take `points` from the lots, soonest expiring first, one entry per lot; return what was not found."""
    left = points
    for lot in _lots(member, today=today, exclude=exclude):
        if left == 0:
            break
        part = min(lot.remaining, left)
        lot.remaining -= part
        left -= part
        _entry(member, kind, -part, actor_id=actor_id, now=now, lot_id=lot.id, order_id=order_id, reason=reason)
    return left


def expire(member: Member, *, today: date, now) -> int:
    """Expire what is left of the member's lots whose expiry has passed; return the points expired."""
    expired = 0
    for lot in db.session.scalars(sa.select(PointsLot).where(
            PointsLot.store_id == member.store_id, PointsLot.member_id == member.id, PointsLot.remaining > 0,
            PointsLot.expires_on < today).order_by(PointsLot.id)):
        expired += lot.remaining
        _entry(member, EXPIRE, -lot.remaining, actor_id=None, now=now, lot_id=lot.id)
        lot.remaining = 0
    return expired


def redeem(member: Member, points: int, *, order_id: int, today: date, actor_id, now) -> None:
    """Spend `points` on an order (money off at settlement), soonest-expiring lots first.

    Raises NotEnoughPoints with the balance.
    """
    expire(member, today=today, now=now)
    if points > member.points_balance:
        raise NotEnoughPoints(_l("The member has %(balance)s points; %(points)s cannot be redeemed.",
                                 balance=max(member.points_balance, 0), points=points), field="points_fen")
    left = take(member, REDEEM, points, actor_id=actor_id, now=now, today=today, order_id=order_id)
    assert left == 0, "the lots hold the whole positive balance"


def clawback(member: Member, points: int, *, actor_id, now, order_id=None, reason: str) -> None:
    """Take `points` back even beyond the balance (the one way below zero), recorded with its reason."""
    if not reason.strip():
        raise MembershipError(_l("Say why the points are taken back."), field="reason")
    left = take(member, CLAWBACK, points, actor_id=actor_id, now=now, order_id=order_id, reason=reason)
    if left:
        _entry(member, CLAWBACK, -left, actor_id=actor_id, now=now, order_id=order_id, reason=reason)


def reverse_order(member: Member, *, order_id: int, order_number: str, actor_id, now) -> None:
    """Undo an order's points (红冲): earned points come off (a clawback for what was already spent),
    redeemed points come back to the lots they came from."""
    entries = list(db.session.scalars(sa.select(PointsEntry).where(
        PointsEntry.store_id == member.store_id, PointsEntry.order_id == order_id,
        PointsEntry.kind.in_(("earn", REDEEM))).order_by(PointsEntry.id)))
    reason = str(_l("Reversal of order %(number)s", number=order_number))
    for entry in (e for e in entries if e.kind == REDEEM):
        lot = db.session.get(PointsLot, entry.lot_id)
        back = -entry.points
        debt = max(-member.points_balance, 0)
        lot.remaining += back - min(back, debt)
        _entry(member, REVERSE, back, actor_id=actor_id, now=now, lot_id=lot.id, order_id=order_id, reason=reason)
    for entry in (e for e in entries if e.kind == "earn"):
        lot = db.session.get(PointsLot, entry.lot_id)
        own = lot.remaining
        if own:
            lot.remaining = 0
            _entry(member, REVERSE, -own, actor_id=actor_id, now=now, lot_id=lot.id, order_id=order_id,
                   reason=reason)
        spent = entry.points - own
        if spent:
            left = take(member, REVERSE, spent, actor_id=actor_id, now=now, order_id=order_id, reason=reason,
                        exclude=lot.id)
            if left:  # already spent: taken back beyond the balance, and said so
                _entry(member, CLAWBACK, -left, actor_id=actor_id, now=now, order_id=order_id, reason=reason)


# -- the stored-value card (储值卡) ---------------------------------------------------------------

def card_entry(member: Member, kind: str, paid_fen: int, bonus_fen: int, *, actor_id, now, order_id=None,
               method: str = "", reference: str = "") -> StoredValueEntry:
    """Move the card's paid and bonus value by the signed amounts, with its ledger row.

    Raises NotEnoughStoredValue when either would go below zero (the CHECK constraint is the backstop).
    """
    if member.card_paid_fen + paid_fen < 0 or member.card_bonus_fen + bonus_fen < 0:
        raise NotEnoughStoredValue(_l("The card holds %(balance)s yuan.", balance=yuan(member.card_balance_fen)),
                                   field="amount_fen")
    member.card_paid_fen += paid_fen
    member.card_bonus_fen += bonus_fen
    entry = StoredValueEntry(store_id=member.store_id, member_id=member.id, kind=kind, paid_fen=paid_fen,
                             bonus_fen=bonus_fen, paid_after_fen=member.card_paid_fen,
                             bonus_after_fen=member.card_bonus_fen, method=method, reference=reference[:60],
                             order_id=order_id, actor_id=actor_id, created_at=now)
    db.session.add(entry)
    return entry


def split_payment(member: Member, amount_fen: int) -> tuple[int, int]:
    """Split a card payment into its paid and bonus parts, in the card's proportion (the bonus share rounded
    down), so a refund later returns the paid value that is really left."""
    balance = member.card_balance_fen
    if amount_fen > balance:
        raise NotEnoughStoredValue(_l("The card holds %(balance)s yuan; %(amount)s yuan cannot be paid from it.",
                                      balance=yuan(balance), amount=yuan(amount_fen)), field="payments")
    bonus = amount_fen * member.card_bonus_fen // balance if balance else 0
    return amount_fen - bonus, bonus


def pay(member: Member, amount_fen: int, *, order_id: int, actor_id, now) -> StoredValueEntry:
    """Pay part of an order from the card. Raises NotEnoughStoredValue."""
    paid, bonus = split_payment(member, amount_fen)
    return card_entry(member, PAY, -paid, -bonus, actor_id=actor_id, now=now, order_id=order_id)


def reverse_payment(member: Member, *, order_id: int, reversal_id: int, actor_id, now) -> int:
    """Put an order's card payment back on the card (红冲), as paid and bonus as it was; return the amount."""
    paid = db.session.scalar(sa.select(StoredValueEntry).where(
        StoredValueEntry.store_id == member.store_id, StoredValueEntry.order_id == order_id,
        StoredValueEntry.kind == PAY))
    if paid is None:
        return 0
    card_entry(member, PAY_REVERSED, -paid.paid_fen, -paid.bonus_fen, actor_id=actor_id, now=now,
               order_id=reversal_id)
    return -paid.amount_fen
