"""The group's campaigns over several stores (集团活动): a group-level manager creates one campaign for the stores
chosen; each store gets its own campaign with the same rules and offer (`Campaign.group_campaign_id`), so its
target, random holdout (its own share and draw), invitations (its own SMS signature and telephone) and results are
the store's, and the group's results add them up (`queries.group_results`).

A store's manager sees their store's part like any of the store's campaigns, but it is launched only with the
group's campaign, by a group-level manager.
"""
from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from dealer import audit
from dealer.actors import Actor
from dealer.database import get_for_update
from dealer.errors import NotFound
from dealer.extensions import db
from dealer.members.errors import CampaignError, CampaignLaunched, EmptyTarget
from dealer.members.models import DRAFT, LAUNCHED, Campaign, GroupCampaign
from dealer.members.services.campaigns import CampaignInput, count_drafts, launch, new_campaign
from dealer.stores.models import Store

SEED_RANGE = 2 ** 62


def _group_level(actor: Actor) -> None:
    if actor.store_id is not None:  # a store's manager: the group's campaigns are not theirs to see
        raise NotFound()


def get_group_campaign(group_id: int, *, actor: Actor) -> tuple[GroupCampaign, list[Campaign]]:
    """The group's campaign and its stores' campaigns (by store). Raises NotFound (also to a store's staff)."""
    _group_level(actor)
    group = db.session.get(GroupCampaign, group_id)
    if group is None:
        raise NotFound()
    return group, store_campaigns(group.id)


def store_campaigns(group_id: int, *, lock: bool = False) -> list[Campaign]:
    stmt = sa.select(Campaign).where(Campaign.group_campaign_id == group_id).order_by(Campaign.store_id)
    return list(db.session.scalars(stmt.with_for_update() if lock else stmt))


def create_group_campaign(store_ids: list[int], data: CampaignInput, *, actor: Actor,
                          now: datetime) -> GroupCampaign:
    """Save a draft campaign for several stores: one draft campaign a store, the same rules and offer (the gift's
    stock is each store's). Raises NotFound (a store's staff), CampaignError."""
    _group_level(actor)
    wanted = sorted(set(store_ids))
    stores = list(db.session.scalars(sa.select(Store.id).where(Store.id.in_(wanted), Store.active)
                                     .order_by(Store.id))) if wanted else []
    if len(stores) < 2 or stores != wanted:
        raise CampaignError(_l("Choose at least two of the group's stores."), field="stores")
    group = GroupCampaign(name=data.name.strip(), season=data.season, starts_on=data.starts_on, ends_on=data.ends_on,
                          state=DRAFT, seed=0, created_by_id=actor.user_id, created_at=now, updated_at=now)
    db.session.add(group)
    db.session.flush()
    count_drafts([new_campaign(store_id, replace(data), actor=actor, now=now, group_campaign_id=group.id)
                  for store_id in stores], now=now)
    audit.record("member_group_campaign_created", group, actor=actor, store_id=None,
                 entity_type="member_group_campaigns", changes={"name": group.name, "stores": len(stores)})
    group_id = group.id
    db.session.commit()
    return get_group_campaign(group_id, actor=actor)[0]


def count_group_campaign(group_id: int, *, actor: Actor, now: datetime) -> GroupCampaign:
    """Count each store's target of a draft group campaign again, now, and keep the counts; commit. Raises
    NotFound, CampaignLaunched."""
    _group_level(actor)
    group = get_for_update(GroupCampaign, group_id)  # a launch meanwhile waits, or has already happened
    if group is None:
        raise NotFound()
    if group.state != DRAFT:
        raise CampaignLaunched(_l("The campaign is launched already."))
    count_drafts(store_campaigns(group.id, lock=True), now=now)
    db.session.commit()
    return group


def store_seed(group_seed: int, store_id: int) -> int:
    """A store's holdout seed from the group's (recorded on the store's campaign too)."""
    return (group_seed + store_id) % SEED_RANGE


def launch_group_campaign(group_id: int, *, actor: Actor, now: datetime, seed: int | None = None) -> GroupCampaign:
    """Launch every store's campaign in one transaction, stores in id order (each its own target, holdout and
    invitations); a store where nobody may be invited is launched with nobody. Raises NotFound, CampaignLaunched,
    CampaignError, EmptyTarget (nobody may be invited in any store: each store's counts in the message)."""
    _group_level(actor)
    group = get_for_update(GroupCampaign, group_id)
    if group is None:
        raise NotFound()
    if group.state != DRAFT:
        raise CampaignLaunched(_l("The campaign is launched already."))
    group.seed = seed if seed is not None else secrets.randbits(62)
    campaigns = store_campaigns(group.id, lock=True)
    for campaign in campaigns:
        launch(campaign, actor=actor, now=now, seed=store_seed(group.seed, campaign.store_id), allow_empty=True)
    if not any(campaign.invited or campaign.held_out for campaign in campaigns):
        codes = dict(db.session.execute(sa.select(Store.id, Store.code).where(
            Store.id.in_([campaign.store_id for campaign in campaigns]))).all())
        counts = "; ".join(str(_l("%(store)s: %(matched)s match, %(no_consent)s without consent, %(capped)s at the "
                                  "monthly limit", store=codes.get(c.store_id, c.store_id), matched=c.matched,
                                  no_consent=c.no_consent, capped=c.capped)) for c in campaigns)
        raise EmptyTarget(_l("The campaign's target is empty in every store: %(counts)s.", counts=counts))
    group.state, group.launched_at, group.launched_by_id, group.updated_at = LAUNCHED, now, actor.user_id, now
    invited, held_out = sum(c.invited for c in campaigns), sum(c.held_out for c in campaigns)
    audit.record("member_group_campaign_launched", group, actor=actor, store_id=None,
                 entity_type="member_group_campaigns", changes={"invited": invited, "held_out": held_out})
    db.session.commit()
    return get_group_campaign(group_id, actor=actor)[0]
