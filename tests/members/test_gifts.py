"""A campaign's gift (活动礼品) counted out of a stock: handed over once per invited owner, never to a held-out
one, recorded with who, when and the order; refused when given already or out of stock; in the results."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from dealer.customers.models import Customer
from dealer.extensions import db
from dealer.members import export, queries, services
from dealer.members.errors import (
    CampaignError,
    GiftAlreadyGiven,
    GiftOutOfStock,
    GiftRefused,
    MembershipError,
)
from dealer.members.models import HOLDOUT, INVITED, Campaign, CampaignGift, CampaignTarget, MemberSettings
from dealer.repair import services as repair
from tests.factories import CustomerFactory, VehicleFactory
from tests.helpers import NOW, audit_entries, count
from tests.repair.builders import finished_order, pay

SPRING = dict(name="春季关爱活动", season="spring", starts_on=date(2026, 11, 20), ends_on=date(2027, 1, 31))


def _launched(shop, *, holdout_bp=0, n=3, **offer):
    """A launched campaign over the shop's owner and n more (all with consent), with this offer."""
    db.session.merge(MemberSettings(store_id=shop.store.id, points_per_yuan=100, max_points_share_bp=5000,
                                    holdout_bp=holdout_bp, marketing_per_month=9, at_risk_months=6, lost_months=12))
    db.session.execute(sa.update(Customer).where(Customer.id == shop.vehicle.owner_id).values(marketing_consent=True))
    for _ in range(n):
        VehicleFactory(owner=CustomerFactory(store=shop.store, marketing_consent=True), store=shop.store)
    db.session.flush()
    draft = services.create_campaign(shop.store.id, services.CampaignInput(**{**SPRING, **offer}), actor=shop.manager,
                                     now=NOW)
    return services.launch_campaign(draft.id, actor=shop.manager, now=NOW, seed=7)


def _group_of(campaign, group):
    return db.session.scalars(sa.select(CampaignTarget.customer_id).where(
        CampaignTarget.campaign_id == campaign.id, CampaignTarget.target_group == group)
        .order_by(CampaignTarget.customer_id)).all()


def test_hand_over_gift_records_who_when_and_the_order_and_counts_the_stock(shop):
    spring = _launched(shop, gift_name="车载香薰", gift_stock=10)
    order = finished_order(shop)
    gift = services.hand_over_gift(spring.id, shop.vehicle.owner_id, order_number=order.number, note="到店领取",
                                   actor=shop.advisor, now=NOW)
    assert (gift.order_id, gift.actor_id, gift.given_at, gift.note) == (order.id, shop.advisor.user_id, NOW, "到店领取")
    assert db.session.get(Campaign, spring.id).gifts_given == 1
    assert [e.changes["gift"] for e in audit_entries("member_campaign_gift_given")] == ["车载香薰"]
    # a visit without an order: recorded with no order
    other = _group_of(spring, INVITED)[-1]
    assert services.hand_over_gift(spring.id, other, actor=shop.cashier, now=NOW).order_id is None
    assert db.session.get(Campaign, spring.id).gifts_given == 2


def test_hand_over_gift_twice_to_one_owner_is_refused_and_changes_nothing(shop):
    spring = _launched(shop, gift_name="车载香薰", gift_stock=10)
    services.hand_over_gift(spring.id, shop.vehicle.owner_id, actor=shop.advisor, now=NOW)
    with pytest.raises(GiftAlreadyGiven) as refused:
        services.hand_over_gift(spring.id, shop.vehicle.owner_id, actor=shop.cashier, now=NOW + timedelta(days=1))
    assert "2026" in str(refused.value.message) and refused.value.code == "members.gift_already_given"
    db.session.rollback()
    assert db.session.get(Campaign, spring.id).gifts_given == 1
    assert count(CampaignGift) == 1


def test_hand_over_gift_out_of_stock_is_refused_and_changes_nothing(shop):
    spring = _launched(shop, gift_name="车载香薰", gift_stock=1)
    first, second = _group_of(spring, INVITED)[:2]
    services.hand_over_gift(spring.id, first, actor=shop.advisor, now=NOW)
    with pytest.raises(GiftOutOfStock) as refused:
        services.hand_over_gift(spring.id, second, actor=shop.advisor, now=NOW)
    assert "1" in str(refused.value.message)
    db.session.rollback()
    assert count(CampaignGift) == 1 and db.session.get(Campaign, spring.id).gifts_given == 1


def test_hand_over_gift_to_a_held_out_or_uninvited_owner_is_refused(shop):
    spring = _launched(shop, holdout_bp=5000, n=5, gift_name="车载香薰", gift_stock=10)
    held = _group_of(spring, HOLDOUT)
    assert held
    with pytest.raises(GiftRefused, match="对照组"):
        services.hand_over_gift(spring.id, held[0], actor=shop.advisor, now=NOW)
    stranger = CustomerFactory(store=shop.store)
    db.session.flush()
    with pytest.raises(GiftRefused, match="未受邀"):
        services.hand_over_gift(spring.id, stranger.id, actor=shop.advisor, now=NOW)
    assert count(CampaignGift) == 0


def test_hand_over_gift_is_refused_without_a_gift_outside_the_days_or_on_another_owners_order(shop):
    plain = _launched(shop)
    with pytest.raises(GiftRefused, match="没有礼品"):
        services.hand_over_gift(plain.id, shop.vehicle.owner_id, actor=shop.advisor, now=NOW)
    spring = _launched(shop, n=0, gift_name="车载香薰", gift_stock=10)
    with pytest.raises(GiftRefused, match="活动时间为"):
        services.hand_over_gift(spring.id, shop.vehicle.owner_id, actor=shop.advisor, now=NOW + timedelta(days=90))
    someone = _group_of(spring, INVITED)[-1]
    order = finished_order(shop)  # the shop owner's order, not someone's
    assert someone != shop.vehicle.owner_id
    with pytest.raises(MembershipError) as refused:
        services.hand_over_gift(spring.id, someone, order_number=order.number, actor=shop.advisor, now=NOW)
    assert refused.value.field == "order_number"
    assert count(CampaignGift) == 0


def test_a_campaign_gift_needs_a_name_and_a_stock(shop):
    with pytest.raises(CampaignError) as refused:
        services.create_campaign(shop.store.id, services.CampaignInput(**SPRING, gift_name="香薰"), actor=shop.manager,
                                 now=NOW)
    assert refused.value.field == "gift_stock"
    with pytest.raises(CampaignError) as refused:
        services.create_campaign(shop.store.id, services.CampaignInput(**SPRING, gift_stock=5), actor=shop.manager,
                                 now=NOW)
    assert refused.value.field == "gift_name"


def test_gifts_handed_over_appear_in_the_results_and_the_export(shop):
    spring = _launched(shop, gift_name="车载香薰", gift_stock=10)
    services.hand_over_gift(spring.id, shop.vehicle.owner_id, actor=shop.advisor, now=NOW)
    order = finished_order(shop)
    repair.settle(order.id, pay(order, (order.approved_total_fen, "cash")), actor=shop.cashier, now=NOW)
    results = queries.campaign_results(db.session.get(Campaign, spring.id))
    assert results.campaign.gifts_given == 1
    rows = list(queries.export_rows(results.campaign))
    assert sum(1 for row in rows if row[5] is not None) == 1
    assert export.campaign_workbook(results)[:2] == b"PK"


def test_the_customer_panel_offers_the_gift_until_it_is_handed_over(shop):
    spring = _launched(shop, gift_name="车载香薰", gift_stock=10)
    today = date(2026, 12, 6)
    offers = queries.gift_offers(shop.store.id, shop.vehicle.owner_id, today)
    assert [(o.campaign_id, o.gift_name, o.left, o.given_at) for o in offers] == [(spring.id, "车载香薰", 10, None)]
    services.hand_over_gift(spring.id, shop.vehicle.owner_id, actor=shop.advisor, now=NOW)
    (offer,) = queries.gift_offers(shop.store.id, shop.vehicle.owner_id, today)
    assert (offer.left, offer.given_at) == (9, NOW)
    assert queries.gift_offers(shop.store.id, shop.vehicle.owner_id, date(2027, 2, 1)) == []


def test_the_desk_hands_over_a_gift_from_the_customer_file_and_a_second_try_is_refused(shop, advisor_client):
    spring = _launched(shop, gift_name="车载香薰", gift_stock=10)
    owner = shop.vehicle.owner_id
    page = advisor_client.get(f"/customers/{owner}")
    assert 'data-testid="gift-form"' in page.text and "车载香薰" in page.text
    given = advisor_client.post(f"/members/campaigns/{spring.id}/gifts/{owner}", data={"order_number": ""})
    assert given.status_code == 302 and given.headers["Location"].endswith(f"/customers/{owner}")
    assert 'data-testid="member-gift-given"' in advisor_client.get(f"/customers/{owner}").text
    again = advisor_client.post(f"/members/campaigns/{spring.id}/gifts/{owner}", data={"order_number": ""},
                                follow_redirects=True)
    assert "已于" in again.text and count(CampaignGift) == 1
    db.session.expire_all()
    assert db.session.get(Campaign, spring.id).gifts_given == 1
