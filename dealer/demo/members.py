"""A demo campaign (活动) per store: the autumn care campaign as a draft, so its page shows the target's preview;
a few members per store (the owners of the latest orders).

A draft sends nothing: launching it (the manager's button) is what writes the invitations."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from dealer.actors import MANAGER
from dealer.auth.models import User, UserRole
from dealer.extensions import db
from dealer.members import services
from dealer.members.models import Campaign, GroupCampaign, Member
from dealer.repair.models import DELIVERED, SETTLED, RepairOrder
from dealer.stores.models import Store


def seed_campaign(store: Store, *, now: datetime) -> int:
    """Add the store's demo campaign once (none when the store has campaigns or no manager). Returns the count."""
    if db.session.scalar(sa.select(Campaign.id).where(Campaign.store_id == store.id).limit(1)) is not None:
        return 0
    manager = db.session.scalar(sa.select(User).join(UserRole, UserRole.user_id == User.id).where(
        User.store_id == store.id, UserRole.role == MANAGER).order_by(User.id).limit(1))
    if manager is None:
        return 0
    today = store.local_date(now)
    services.create_campaign(store.id, services.CampaignInput(
        name="秋季关爱活动", season="autumn", starts_on=today, ends_on=today + timedelta(days=45), not_seen_months=6,
        labor_discount_bp=2000, offer="免费冬季检测"), actor=manager.as_actor(), now=now)
    return 1


def seed_group_campaign(stores: list[Store], *, now: datetime, always: bool = False) -> int:
    """Add the group's winter campaign over the stores once, as a draft with a gift (none when the group has one
    unless `always`, fewer than two stores, or no group-level manager). Returns the count."""
    if len(stores) < 2 or (not always and db.session.scalar(sa.select(GroupCampaign.id).limit(1)) is not None):
        return 0
    manager = db.session.scalar(sa.select(User).join(UserRole, UserRole.user_id == User.id).where(
        User.store_id.is_(None), UserRole.role == MANAGER).order_by(User.id).limit(1))
    if manager is None:
        return 0
    today = stores[0].local_date(now)
    services.create_group_campaign([store.id for store in stores], services.CampaignInput(
        name="集团冬季关爱", season="other", starts_on=today, ends_on=today + timedelta(days=60), not_seen_months=6,
        labor_discount_bp=1500, gift_name="车载香薰", gift_stock=200), actor=manager.as_actor(), now=now)
    return 1


DEMO_MEMBERS = 10


def seed_members(store: Store, *, now: datetime) -> int:
    """Make members of the owners of the store's latest paid orders (their progress pages then show the member view),
    with a top-up and opening points each; none when the store has members or no manager. Returns the count."""
    if db.session.scalar(sa.select(Member.id).where(Member.store_id == store.id).limit(1)) is not None:
        return 0
    manager = db.session.scalar(sa.select(User).join(UserRole, UserRole.user_id == User.id).where(
        User.store_id == store.id, UserRole.role == MANAGER).order_by(User.id).limit(1))
    if manager is None:
        return 0
    # owners whose every order is paid (one with a car in the workshop stays for the desk to enrol)
    open_orders = sa.func.sum(sa.case((RepairOrder.state.in_((SETTLED, DELIVERED)), 0), else_=1))
    owners = list(db.session.scalars(sa.select(RepairOrder.customer_id).where(RepairOrder.store_id == store.id)
                                     .group_by(RepairOrder.customer_id).having(open_orders == 0)
                                     .order_by(sa.func.max(RepairOrder.id).desc()).limit(DEMO_MEMBERS)))
    actor = manager.as_actor()
    for index, customer_id in enumerate(owners):
        member = services.join(customer_id, actor=actor, now=now)
        services.top_up(member.id, paid_fen=100_000 * (index % 3 + 1), bonus_fen=10_000 * (index % 3 + 1),
                        method="wechat_pay", reference=f"DEMO{customer_id:08d}", actor=actor, now=now)
        services.adjust_points(member.id, 500 + 100 * index, reason="期初积分", actor=actor, now=now)
    return len(owners)
