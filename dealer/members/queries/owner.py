"""The owner's member view (会员信息) on the public pages (the progress page, the booking page): what the owner
already knows about the membership and nothing more: number, tier, balances, points about to expire, the latest
movements (kind, amount, date; never a staff member's name or note). A fixed number of queries."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from dealer.extensions import db
from dealer.members.models import Member, PointsEntry, PointsLot, StoredValueEntry
from dealer.members.services.common import store_today
from dealer.members.services.membership import free_items_left

EXPIRY_WINDOW_DAYS = 90  # lots ending within this many days are "about to expire"
LOTS_SHOWN = 3
HISTORY_SHOWN = 5  # the latest movements of each ledger


@dataclass(frozen=True)
class Movement:
    """One line of the owner's history: a ledger kind, a signed amount (points or fen) and the day."""

    ledger: str  # "points" or "card"
    kind: str
    amount: int
    on: date


@dataclass(frozen=True)
class ExpiringLot:
    points: int
    expires_on: date


@dataclass(frozen=True)
class OwnerMemberView:
    number: str
    tier_name: str
    labor_discount_bp: int
    parts_discount_bp: int
    points_balance: int
    card_paid_fen: int
    card_bonus_fen: int
    free_items_left: int
    free_item_name: str
    expiring: list[ExpiringLot]
    history: list[Movement]

    @property
    def card_balance_fen(self) -> int:
        return self.card_paid_fen + self.card_bonus_fen


def owner_member_view(store_id: int, customer_id: int | None, *, now: datetime, zone=None) -> OwnerMemberView | None:
    """The owner's membership as the owner may see it, or None when they are not a member of this store.

    At most three queries whatever the ledgers hold: the member with both tiers, the free items, and in one the
    lots ending within EXPIRY_WINDOW_DAYS and the latest points and card movements. `zone` shows the movements' days in the
    store's time zone (UTC days without it).
    """
    if customer_id is None:
        return None
    member = db.session.scalars(_MEMBER, {"store_id": store_id, "customer_id": customer_id}).one_or_none()
    if member is None:
        return None
    today = store_today(store_id, now)
    tier = member.override_tier if member.effective_tier_id(today) != member.tier_id else member.tier
    expiring, history = [], []
    for section, kind, amount, expires_on, at in db.session.execute(_LEDGERS, {
            "store_id": store_id, "member_id": member.id,
            "expiring_by": today + timedelta(days=EXPIRY_WINDOW_DAYS)}):
        if section == 0:
            expiring.append(ExpiringLot(int(amount), expires_on))
        else:
            history.append(Movement("points" if section == 1 else "card", kind, int(amount), _day(at, zone)))
    expiring.sort(key=lambda lot: lot.expires_on)
    history.sort(key=lambda movement: movement.on, reverse=True)
    return OwnerMemberView(
        number=member.number, tier_name=tier.name, labor_discount_bp=tier.labor_discount_bp,
        parts_discount_bp=tier.parts_discount_bp, points_balance=member.points_balance,
        card_paid_fen=member.card_paid_fen, card_bonus_fen=member.card_bonus_fen,
        free_items_left=free_items_left(member, tier, today) if tier.free_items_per_year else 0,
        free_item_name=tier.free_item_name, expiring=expiring, history=history)


def _ledgers():
    """The lots ending soon (LOTS_SHOWN, the soonest first), the latest points and card movements (HISTORY_SHOWN
    each) of one member, as one statement (three were three round trips): (section 0 lot, 1 points, 2 card, kind,
    amount, the lot's end, the movement's time). Parameters: store_id, member_id, expiring_by."""
    store_id, member_id = sa.bindparam("store_id"), sa.bindparam("member_id")

    def null(type_):
        return sa.null().cast(type_)

    lots = (sa.select(sa.literal(0).label("section"), null(sa.String()).label("kind"),
                      sa.cast(PointsLot.remaining, sa.BigInteger()).label("amount"),
                      PointsLot.expires_on.label("expires_on"), null(PointsEntry.created_at.type).label("at"))
            .where(PointsLot.store_id == store_id, PointsLot.member_id == member_id, PointsLot.remaining > 0,
                   PointsLot.expires_on <= sa.bindparam("expiring_by", type_=sa.Date()))
            .order_by(PointsLot.expires_on, PointsLot.id).limit(LOTS_SHOWN).subquery())
    points = (sa.select(sa.literal(1), PointsEntry.kind, sa.cast(PointsEntry.points, sa.BigInteger()),
                        null(sa.Date()), PointsEntry.created_at)
              .where(PointsEntry.store_id == store_id, PointsEntry.member_id == member_id)
              .order_by(PointsEntry.id.desc()).limit(HISTORY_SHOWN).subquery())
    card = (sa.select(sa.literal(2), StoredValueEntry.kind,
                      sa.cast(StoredValueEntry.paid_fen + StoredValueEntry.bonus_fen, sa.BigInteger()),
                      null(sa.Date()), StoredValueEntry.created_at)
            .where(StoredValueEntry.store_id == store_id, StoredValueEntry.member_id == member_id)
            .order_by(StoredValueEntry.id.desc()).limit(HISTORY_SHOWN).subquery())
    return sa.union_all(*(sa.select(*part.c) for part in (lots, points, card)))


# Built once, their values as parameters (the progress page is asked for more than any other public page: a
# statement's cache key is computed once per object, and the member's loader options cost a build each time).
_LEDGERS = _ledgers()
_MEMBER = (sa.select(Member)
           .where(Member.store_id == sa.bindparam("store_id"), Member.customer_id == sa.bindparam("customer_id"))
           .options(joinedload(Member.tier, innerjoin=True), joinedload(Member.override_tier)))


def _day(moment: datetime, zone) -> date:
    return moment.astimezone(zone).date() if zone is not None else moment.date()
