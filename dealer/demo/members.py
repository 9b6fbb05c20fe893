"""A demo campaign (活动) per store: the autumn care campaign as a draft, so its page shows the target's preview.

A draft sends nothing: launching it (the manager's button) is what writes the invitations."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from dealer.actors import MANAGER
from dealer.auth.models import User, UserRole
from dealer.extensions import db
from dealer.members import services
from dealer.members.models import Campaign
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
