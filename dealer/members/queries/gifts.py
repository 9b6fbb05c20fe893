"""The campaign gifts an owner may be handed (活动礼品), for the customer file's panel: one query."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from dealer.extensions import db
from dealer.members.models import INVITED, LAUNCHED, Campaign, CampaignGift, CampaignTarget


@dataclass(frozen=True)
class GiftOffer:
    campaign_id: int
    campaign_name: str
    gift_name: str
    left: int  # gifts left in the campaign's stock
    given_at: datetime | None  # when this owner's gift was handed over, None while not


def gift_offers(store_id: int, customer_id: int, today: date) -> list[GiftOffer]:
    """The campaigns running today that invited the owner and give a gift, with whether theirs was handed over."""
    rows = db.session.execute(
        sa.select(Campaign.id, Campaign.name, Campaign.gift_name, Campaign.gift_stock - Campaign.gifts_given,
                  CampaignGift.given_at)
        .select_from(CampaignTarget)
        .join(Campaign, sa.and_(Campaign.store_id == CampaignTarget.store_id, Campaign.id == CampaignTarget.campaign_id))
        .outerjoin(CampaignGift, sa.and_(CampaignGift.store_id == CampaignTarget.store_id,
                                         CampaignGift.campaign_id == CampaignTarget.campaign_id,
                                         CampaignGift.customer_id == CampaignTarget.customer_id))
        .where(CampaignTarget.store_id == store_id, CampaignTarget.customer_id == customer_id,
               CampaignTarget.target_group == INVITED, Campaign.state == LAUNCHED, Campaign.gift_name != "",
               Campaign.starts_on <= today, Campaign.ends_on >= today)
        .order_by(Campaign.starts_on, Campaign.id).limit(10))
    return [GiftOffer(*row) for row in rows]
