"""The read side of membership: a customer's membership at a glance, the ledgers, the statement's part."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from dealer.database import utcnow
from dealer.extensions import db
from dealer.members.models import EARN, PAY, REDEEM, Member, PointsEntry, PointsLot, StoredValueEntry
from dealer.members.services.common import store_today
from dealer.members.services.membership import free_items_left
from dealer.repair.pricing import MEMBER
from dealer.repair.services.common import BILLED
from dealer.repair.services.pricing import lines_of

LEDGER_LIMIT = 200  # the newest movements a page shows


@dataclass
class Summary:
    member: Member
    tier: object  # the effective tier (an override while it runs)
    free_items_left: int
    expiring_points: int  # points whose lots end this calendar year


def _summary(member: Member) -> Summary:
    today = store_today(member.store_id, utcnow())
    tier = member.override_tier if member.effective_tier_id(today) != member.tier_id else member.tier
    expiring = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(PointsLot.remaining), 0)).where(
        PointsLot.store_id == member.store_id, PointsLot.member_id == member.id, PointsLot.remaining > 0,
        PointsLot.expires_on <= today.replace(month=12, day=31)))
    return Summary(member, tier, free_items_left(member, tier, today), int(expiring))


def _member_stmt():
    return sa.select(Member).options(joinedload(Member.tier, innerjoin=True), joinedload(Member.override_tier))


def summary_of_customer(customer) -> Summary | None:
    """The customer's membership (tier, balances, free items left), or None when they are not a member."""
    member = db.session.scalars(_member_stmt().where(Member.store_id == customer.store_id,
                                                     Member.customer_id == customer.id)).one_or_none()
    return _summary(member) if member is not None else None


def summary_of(member: Member) -> Summary:
    return _summary(member)


def points_ledger(member: Member, limit: int = LEDGER_LIMIT) -> list[PointsEntry]:
    """The member's newest points movements, newest first."""
    return list(db.session.scalars(sa.select(PointsEntry).where(
        PointsEntry.store_id == member.store_id, PointsEntry.member_id == member.id)
        .order_by(PointsEntry.id.desc()).limit(limit)))


def card_ledger(member: Member, limit: int = LEDGER_LIMIT) -> list[StoredValueEntry]:
    """The card's newest movements, newest first."""
    return list(db.session.scalars(sa.select(StoredValueEntry).where(
        StoredValueEntry.store_id == member.store_id, StoredValueEntry.member_id == member.id)
        .order_by(StoredValueEntry.id.desc()).limit(limit)))


def points_lots(member: Member) -> list[PointsLot]:
    """The lots with points left, soonest expiring first."""
    return list(db.session.scalars(sa.select(PointsLot).where(
        PointsLot.store_id == member.store_id, PointsLot.member_id == member.id, PointsLot.remaining > 0)
        .order_by(PointsLot.expires_on, PointsLot.id).limit(LEDGER_LIMIT)))


@dataclass
class StatementSummary:
    member: Member
    tier_name: str
    tier_discount_fen: int
    points_redeemed: int
    points_redeemed_fen: int
    points_earned: int
    card_paid_fen: int
    points_balance: int
    card_balance_fen: int


def statement_summary(order) -> StatementSummary | None:
    """The member's part of an order's statement, or None when the owner is not a member."""
    if order.is_reversal:
        return None
    member = db.session.scalars(_member_stmt().where(Member.store_id == order.store_id,
                                                     Member.customer_id == order.customer_id)).one_or_none()
    if member is None:
        return None
    redeemed, earned = db.session.execute(sa.select(
        sa.func.coalesce(sa.func.sum(sa.case((PointsEntry.kind == REDEEM, -PointsEntry.points), else_=0)), 0),
        sa.func.coalesce(sa.func.sum(sa.case((PointsEntry.kind == EARN, PointsEntry.points), else_=0)), 0))
        .where(PointsEntry.store_id == order.store_id, PointsEntry.order_id == order.id)).one()
    card = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(-StoredValueEntry.paid_fen - StoredValueEntry.bonus_fen), 0))
                             .where(StoredValueEntry.store_id == order.store_id,
                                    StoredValueEntry.order_id == order.id, StoredValueEntry.kind == PAY))
    discount = sum(line.discount_fen for line in lines_of(order, BILLED) if line.discount_source == MEMBER)
    tier = _summary_tier(member, order)
    return StatementSummary(member, tier.name, discount, int(redeemed), order.points_fen, int(earned), int(card),
                            member.points_balance, member.card_balance_fen)


def _summary_tier(member: Member, order):
    today = store_today(member.store_id, order.settled_at or utcnow())
    return member.override_tier if member.effective_tier_id(today) != member.tier_id else member.tier
