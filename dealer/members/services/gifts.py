"""A campaign's gift (活动礼品): counted out of the campaign's stock, handed over once per invited owner.

Both limits are settled by the database, not by reading first: the gift row's key (store, campaign, owner) makes
a second hand-over to the same owner find the first (ON CONFLICT DO NOTHING waits for a concurrent one to commit),
and one conditional UPDATE of the campaign's count (`gifts_given < gift_stock`) lets two desks handing over the
last gift at once succeed once.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from dealer import audit
from dealer.actors import Actor
from dealer.dialect import upsert
from dealer.extensions import db
from dealer.formats import day
from dealer.members.errors import GiftAlreadyGiven, GiftOutOfStock, GiftRefused
from dealer.members.models import HOLDOUT, LAUNCHED, Campaign, CampaignGift, CampaignTarget
from dealer.members.services.campaigns import get_campaign
from dealer.members.services.common import order_of_customer, store_today


def hand_over_gift(campaign_id: int, customer_id: int, *, actor: Actor, now: datetime, order_number: str = "",
                   note: str = "") -> CampaignGift:
    """Record the campaign's gift handed over to an invited owner, on an order of theirs or a visit without one.

    Raises NotFound, GiftRefused (no gift, not running, not invited, held out, no such order), GiftAlreadyGiven,
    GiftOutOfStock.
    """
    campaign = get_campaign(campaign_id, actor=actor)
    store_id = campaign.store_id
    if campaign.state != LAUNCHED or not campaign.gift_name:
        raise GiftRefused(_l("This campaign gives no gift."))
    today = store_today(store_id, now)
    if not campaign.starts_on <= today <= campaign.ends_on:
        raise GiftRefused(_l("The campaign runs from %(start)s to %(end)s: no gift is handed over today.",
                             start=day(campaign.starts_on), end=day(campaign.ends_on)))
    group = db.session.scalar(sa.select(CampaignTarget.target_group).where(
        CampaignTarget.store_id == store_id, CampaignTarget.campaign_id == campaign.id,
        CampaignTarget.customer_id == customer_id))
    if group is None:
        raise GiftRefused(_l("This owner was not invited to the campaign: the gift is for invited owners."))
    if group == HOLDOUT:
        raise GiftRefused(_l("This owner is in the campaign's control group (not invited): the gift is for invited "
                             "owners."))
    order_id = order_of_customer(store_id, customer_id, order_number) if order_number.strip() else None
    inserted = db.session.execute(upsert(CampaignGift).values(
        store_id=store_id, campaign_id=campaign.id, customer_id=customer_id, order_id=order_id,
        note=note.strip()[:200], actor_id=actor.user_id, given_at=now).on_conflict_do_nothing()).rowcount
    if inserted != 1:
        given_at = db.session.scalar(sa.select(CampaignGift.given_at).where(
            CampaignGift.store_id == store_id, CampaignGift.campaign_id == campaign.id,
            CampaignGift.customer_id == customer_id))
        raise GiftAlreadyGiven(_l("This owner's gift (%(gift)s) was handed over already, on %(day)s.",
                                  gift=campaign.gift_name, day=day(store_today(store_id, given_at))))
    if db.session.execute(sa.update(Campaign).where(
            Campaign.store_id == store_id, Campaign.id == campaign.id, Campaign.gifts_given < Campaign.gift_stock)
            .values(gifts_given=Campaign.gifts_given + 1).execution_options(synchronize_session=False)).rowcount != 1:
        raise GiftOutOfStock(_l("The campaign's gifts are all handed over (%(stock)s in stock).",
                                stock=campaign.gift_stock))
    audit.record("member_campaign_gift_given", campaign, actor=actor, store_id=store_id,
                 entity_type="member_campaigns", changes={"gift": campaign.gift_name, "customer_id": customer_id,
                                                          "order": order_number.strip()})
    db.session.commit()
    return db.session.scalars(sa.select(CampaignGift).where(
        CampaignGift.store_id == store_id, CampaignGift.campaign_id == campaign.id,
        CampaignGift.customer_id == customer_id)).one()
