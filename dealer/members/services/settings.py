"""The manager's membership settings: the store's tiers (its own copy of the group's, once it changes one) and
its points rules."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from dealer import audit
from dealer.actors import Actor
from dealer.extensions import db
from dealer.members.errors import MembershipError
from dealer.members.models import Member, MemberSettings, MemberTier
from dealer.members.services.common import settings_for, tiers_of

TIER_FIELDS = ("name", "labor_discount_bp", "parts_discount_bp", "points_rate_bp", "free_items_per_year",
               "free_item_name", "priority_booking", "qualifying_spend_fen")


@dataclass
class TierInput:
    name: str
    labor_discount_bp: int
    parts_discount_bp: int
    points_rate_bp: int
    free_items_per_year: int
    free_item_name: str
    priority_booking: bool
    qualifying_spend_fen: int


def _own_tiers(store_id: int) -> list[MemberTier]:
    """The store's own tiers: a copy of the group's made the first time it changes one (its members follow)."""
    tiers = tiers_of(store_id)
    if tiers[0].store_id == store_id:
        return tiers
    copies = []
    for tier in tiers:
        copy = MemberTier(store_id=store_id, rank=tier.rank, **{name: getattr(tier, name) for name in TIER_FIELDS})
        db.session.add(copy)
        db.session.flush()
        for column in (Member.tier_id, Member.override_tier_id):
            db.session.execute(sa.update(Member).where(Member.store_id == store_id, column == tier.id)
                               .values({column.key: copy.id}))
        copies.append(copy)
    return copies


def save_tier(store_id: int, rank: int, data: TierInput, *, actor: Actor, now: datetime) -> MemberTier:
    """Change one of the store's tiers. Raises MembershipError (a tier must need more spend than the one below
    it and less than the one above)."""
    tiers = _own_tiers(store_id)
    by_rank = {tier.rank: tier for tier in tiers}
    tier = by_rank.get(rank)
    if tier is None:
        raise MembershipError(_l("No such tier."))
    if not data.name.strip():
        raise MembershipError(_l("Name the tier."), field="name")
    below, above = by_rank.get(rank - 1), by_rank.get(rank + 1)
    if (below is not None and data.qualifying_spend_fen < below.qualifying_spend_fen) or (
            above is not None and data.qualifying_spend_fen > above.qualifying_spend_fen):
        raise MembershipError(_l("A tier needs at least the spend of the tier below it and at most that of the "
                                 "tier above."), field="qualifying_spend_fen")
    if rank == 1 and data.qualifying_spend_fen != 0:
        raise MembershipError(_l("The entry tier needs no spend."), field="qualifying_spend_fen")
    for name in TIER_FIELDS:
        setattr(tier, name, getattr(data, name).strip() if isinstance(getattr(data, name), str) else getattr(data, name))
    audit.record("member_tier_saved", tier, actor=actor, store_id=store_id, changes={"name": tier.name})
    db.session.commit()
    return tier


def save_settings(store_id: int, *, points_per_yuan: int, max_points_share_bp: int, actor: Actor, now: datetime,
                  holdout_bp: int | None = None, marketing_per_month: int | None = None,
                  at_risk_months: int | None = None, lost_months: int | None = None) -> MemberSettings:
    """Save the store's points rules, and (when given) its campaign and customer-loss rules. Raises MembershipError."""
    if points_per_yuan < 1:
        raise MembershipError(_l("At least 1 point makes 1 yuan."), field="points_per_yuan")
    if not 0 <= max_points_share_bp <= 10_000:
        raise MembershipError(_l("A share is between 0 and 100%."), field="max_points_share_bp")
    current = settings_for(store_id)
    holdout_bp = current.holdout_bp if holdout_bp is None else holdout_bp
    marketing_per_month = current.marketing_per_month if marketing_per_month is None else marketing_per_month
    at_risk_months = current.at_risk_months if at_risk_months is None else at_risk_months
    lost_months = current.lost_months if lost_months is None else lost_months
    if not 0 <= holdout_bp <= 5_000:
        raise MembershipError(_l("The control group is at most half of a target."), field="holdout_bp")
    if not 1 <= marketing_per_month <= 31:
        raise MembershipError(_l("Between 1 and 31 marketing messages a month."), field="marketing_per_month")
    if not 1 <= at_risk_months < lost_months <= 120:
        raise MembershipError(_l("An owner is at risk before being lost: fewer months, from 1 to 120."),
                              field="lost_months")
    settings = db.session.get(MemberSettings, store_id)
    if settings is None:
        settings = MemberSettings(store_id=store_id)
        db.session.add(settings)
    settings.points_per_yuan, settings.max_points_share_bp = points_per_yuan, max_points_share_bp
    settings.holdout_bp, settings.marketing_per_month = holdout_bp, marketing_per_month
    settings.at_risk_months, settings.lost_months = at_risk_months, lost_months
    audit.record("member_settings_saved", settings, actor=actor, store_id=store_id, entity_type="member_settings",
                 changes={"points_per_yuan": points_per_yuan, "max_points_share_bp": max_points_share_bp,
                          "holdout_bp": holdout_bp, "marketing_per_month": marketing_per_month,
                          "at_risk_months": at_risk_months, "lost_months": lost_months})
    db.session.commit()
    return settings
