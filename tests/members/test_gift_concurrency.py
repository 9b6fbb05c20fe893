"""A campaign's gift at several desks at once (PostgreSQL, each desk in its own thread and connection): twenty
desks handing over the last gift to twenty owners, and twenty desks handing over one owner's gift: exactly one
succeeds each time, and the count matches the rows."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from dealer.actors import ROLES
from dealer.customers.models import Customer
from dealer.extensions import db
from dealer.members import services
from dealer.members.errors import GiftAlreadyGiven, GiftOutOfStock
from dealer.members.models import Campaign, CampaignGift, CampaignTarget, MemberSettings
from tests.concurrency import at_once
from tests.factories import CustomerFactory, StoreFactory, UserFactory, VehicleFactory
from tests.helpers import NOW
from tests.repair.builders import build_shop

pytestmark = pytest.mark.postgres_only

DESKS = 20


def _campaign(stock: int):
    """A launched campaign with a gift of `stock`, over DESKS invited owners (nobody held out), committed."""
    store = StoreFactory(code="SZ01")
    staff = {role: UserFactory(username=f"{role}-1", roles=[role], store=store) for role in ROLES}
    shop = build_shop(store, staff)
    db.session.add(MemberSettings(store_id=store.id, points_per_yuan=100, max_points_share_bp=5000, holdout_bp=0,
                                  marketing_per_month=9, at_risk_months=6, lost_months=12))
    db.session.execute(sa.update(Customer).where(Customer.id == shop.vehicle.owner_id).values(marketing_consent=True))
    for _ in range(DESKS - 1):
        VehicleFactory(owner=CustomerFactory(store=store, marketing_consent=True), store=store)
    db.session.commit()
    draft = services.create_campaign(store.id, services.CampaignInput(
        name="春季关爱活动", season="spring", starts_on=date(2026, 11, 20), ends_on=date(2027, 1, 31),
        gift_name="车载香薰", gift_stock=stock), actor=shop.manager, now=NOW)
    launched = services.launch_campaign(draft.id, actor=shop.manager, now=NOW, seed=3)
    owners = db.session.scalars(sa.select(CampaignTarget.customer_id).where(
        CampaignTarget.campaign_id == launched.id).order_by(CampaignTarget.customer_id)).all()
    assert len(owners) == DESKS
    return shop, launched.id, owners


def _outcome(results, refused):
    assert all(isinstance(r, (CampaignGift, refused)) for r in results), results
    return sum(isinstance(r, CampaignGift) for r in results)


def test_twenty_desks_handing_over_the_last_gift_at_once_one_succeeds(app, shared_db):
    shop, campaign_id, owners = _campaign(stock=1)

    def hand_over(customer_id):
        return lambda: services.hand_over_gift(campaign_id, customer_id, actor=shop.advisor, now=NOW)

    assert _outcome(at_once(app, *(hand_over(owner) for owner in owners)), GiftOutOfStock) == 1
    db.session.expire_all()
    assert db.session.scalar(sa.select(Campaign.gifts_given).where(Campaign.id == campaign_id)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CampaignGift)) == 1


def test_twenty_desks_handing_over_one_owners_gift_at_once_one_succeeds(app, shared_db):
    shop, campaign_id, owners = _campaign(stock=DESKS)

    def hand_over():
        return services.hand_over_gift(campaign_id, owners[0], actor=shop.advisor, now=NOW)

    assert _outcome(at_once(app, *([hand_over] * DESKS)), GiftAlreadyGiven) == 1
    db.session.expire_all()
    assert db.session.scalar(sa.select(Campaign.gifts_given).where(Campaign.id == campaign_id)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CampaignGift)) == 1
