"""Loading and locking members, the store's tiers and points settings, the store's date."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from dealer.actors import Actor
from dealer.database import get_for_update
from dealer.errors import NotFound
from dealer.extensions import db
from dealer.members.errors import MembershipError
from dealer.members.models import DEFAULT_TIERS, Member, MemberSettings, MemberTier
from dealer.repair.models import RepairOrder
from dealer.stores.models import Store
from dealer.timezones import local_date

# What a member is read with: the customer and both tiers (one query).
MEMBER_LOADS = (joinedload(Member.customer, innerjoin=True), joinedload(Member.tier, innerjoin=True),
                joinedload(Member.override_tier))


def _visible(stmt, actor: Actor):
    return stmt if actor.store_id is None else stmt.where(Member.store_id == actor.store_id)


def get_member(member_id: int, *, actor: Actor) -> Member:
    """Return a member the actor may see, with MEMBER_LOADS. Raises NotFound."""
    member = db.session.scalars(_visible(sa.select(Member).where(Member.id == member_id), actor)
                                .options(*MEMBER_LOADS)).unique().one_or_none()
    if member is None:
        raise NotFound()
    return member


def lock_member(member_id: int, *, actor: Actor | None = None) -> Member:
    """Return the member locked until the transaction ends (every ledger movement takes this lock first, so
    two desks spending the same points or card balance are served one after the other). Raises NotFound."""
    filters = {} if actor is None or actor.store_id is None else {"store_id": actor.store_id}
    member = get_for_update(Member, member_id, options=MEMBER_LOADS, **filters)
    if member is None:
        raise NotFound()
    return member


def member_id_of(store_id: int, customer_id: int) -> int | None:
    return db.session.scalar(sa.select(Member.id).where(Member.store_id == store_id,
                                                        Member.customer_id == customer_id))


def tiers_of(store_id: int | None) -> list[MemberTier]:
    """The store's tiers, lowest first: its own when it defined any, else the group's (None: the group's)."""
    own = list(db.session.scalars(sa.select(MemberTier).where(MemberTier.store_id == store_id)
                                  .order_by(MemberTier.rank)))
    if own:
        return own
    group = list(db.session.scalars(sa.select(MemberTier).where(MemberTier.store_id.is_(None))
                                    .order_by(MemberTier.rank)))
    if not group:  # the migration writes them; a database emptied since gets them back
        group = [MemberTier(store_id=None, rank=rank, name=name, labor_discount_bp=labor, parts_discount_bp=parts,
                            points_rate_bp=rate, free_items_per_year=free, free_item_name="洗车",
                            priority_booking=priority, qualifying_spend_fen=spend)
                 for rank, name, labor, parts, rate, free, priority, spend in DEFAULT_TIERS]
        db.session.add_all(group)
        db.session.flush()
    return group


DEFAULT_MARKETING_PER_MONTH = 2  # marketing messages an owner gets a calendar month, when the store set none


def settings_for(store_id: int) -> MemberSettings:
    """The store's points settings (the defaults when it kept none; not added to the session)."""
    return db.session.get(MemberSettings, store_id) or MemberSettings(
        store_id=store_id, points_per_yuan=100, max_points_share_bp=5000, holdout_bp=1000, marketing_per_month=DEFAULT_MARKETING_PER_MONTH,
        at_risk_months=6, lost_months=12)


def store_today(store_id: int, now: datetime) -> date:
    return local_date(now, db.session.get(Store, store_id))


def anniversary_on_or_before(joined_on: date, today: date) -> date:
    """The start of the current membership year: the last anniversary of joining, today included."""
    def in_year(year: int) -> date:
        try:
            return joined_on.replace(year=year)
        except ValueError:  # joined on 29 February
            return date(year, 2, 28)
    this_year = in_year(today.year)
    return this_year if this_year <= today else in_year(today.year - 1)


def next_anniversary(joined_on: date, today: date) -> date:
    """The next anniversary of joining after today."""
    start = anniversary_on_or_before(joined_on, today)
    try:
        return start.replace(year=start.year + 1)
    except ValueError:
        return date(start.year + 1, 2, 28)


def order_of_customer(store_id: int, customer_id: int, number: str) -> int:
    """The id of the owner's order of that number in the store (not a reversal). Raises MembershipError."""
    order_id = db.session.scalar(sa.select(RepairOrder.id).where(
        RepairOrder.store_id == store_id, RepairOrder.customer_id == customer_id,
        RepairOrder.number == number.strip(), RepairOrder.reversal_of_id.is_(None)))
    if order_id is None:
        raise MembershipError(_l("This owner has no order %(number)s at this store.", number=number.strip()),
                              field="order_number")
    return order_id
