"""Membership pages: joining from the customer file, the member page with both ledgers, the cashier's top-up
and refund, the manager's tier settings; the statement shows the member's part."""
from __future__ import annotations

import sqlalchemy as sa

from dealer.extensions import db
from dealer.members import services
from dealer.members.models import Member, MemberTier
from dealer.repair import services as repair
from dealer.repair.services import PaymentInput
from tests.helpers import NOW, field_has_error, inputs, login, page_text
from tests.isolation import isolated_client
from tests.repair.builders import finished_order


def signed_in(app, user):
    client = isolated_client(app)
    login(client, user)
    return client


def csrf(client, url) -> str:
    fields = inputs(client.get(url))
    return next(attrs["value"] for name, attrs in fields.items() if name.endswith("csrf_token"))


def test_the_front_desk_joins_a_customer_from_their_file(app, shop, staff):
    customer_id = shop.vehicle.owner_id
    db.session.commit()
    client = signed_in(app, staff["service_advisor"])
    page = client.get(f"/customers/{customer_id}")
    assert "入会" in page_text(page) or "Join" in page_text(page)
    response = client.post(f"/members/join/{customer_id}", data={"csrf_token": csrf(client, f"/customers/{customer_id}")})
    assert response.status_code == 302
    member = db.session.scalar(sa.select(Member).where(Member.customer_id == customer_id))
    assert member is not None and response.headers["Location"].endswith(f"/members/{member.id}")
    text = page_text(client.get(f"/customers/{customer_id}"))
    assert member.number in text and "普卡" in text


def test_the_cashier_tops_up_and_sees_the_ledger(app, shop, staff, member):
    db.session.commit()
    client = signed_in(app, staff["cashier"])
    token = csrf(client, f"/members/{member.id}")
    response = client.post(f"/members/{member.id}/top-up", data={
        "top_up-csrf_token": token, "top_up-paid_fen": "1000", "top_up-bonus_fen": "100",
        "top_up-method": "wechat_pay", "top_up-reference": "WX0001"})
    assert response.status_code == 302
    text = page_text(client.get(f"/members/{member.id}"))
    assert "1,100.00" in text and "WX0001" in text


def test_a_top_up_without_a_reference_is_refused_beside_the_field_and_changes_nothing(app, shop, staff, member):
    db.session.commit()
    client = signed_in(app, staff["cashier"])
    token = csrf(client, f"/members/{member.id}")
    response = client.post(f"/members/{member.id}/top-up", data={
        "top_up-csrf_token": token, "top_up-paid_fen": "1000", "top_up-method": "alipay", "top_up-reference": ""})
    assert response.status_code == 422 and field_has_error(response, "top_up-reference")
    assert db.session.scalar(sa.select(Member.card_paid_fen).where(Member.id == member.id)) == 0


def test_the_manager_saves_a_tier_as_the_stores_own(app, shop, staff, member):
    db.session.commit()
    client = signed_in(app, staff["manager"])
    data = {"tier2-csrf_token": csrf(client, "/members/settings"), "tier2-name": "银卡",
            "tier2-labor_discount_bp": "8", "tier2-parts_discount_bp": "3", "tier2-points_rate_bp": "120",
            "tier2-free_items_per_year": "2", "tier2-free_item_name": "洗车", "tier2-qualifying_spend_fen": "5000"}
    assert client.post("/members/settings/tiers/2", data=data).status_code == 302
    own = db.session.scalars(sa.select(MemberTier).where(MemberTier.store_id == shop.store.id)
                             .order_by(MemberTier.rank)).all()
    assert [tier.labor_discount_bp for tier in own] == [0, 800, 1000, 1500]
    assert db.session.scalar(sa.select(Member.tier_id).where(Member.id == member.id)) == own[0].id


def test_the_statement_shows_the_tier_discount_points_and_card_payment(app, shop, staff, member):
    gold = services.tiers_of(shop.store.id)[2]
    services.override_tier(member.id, gold.id, reason="大客户", until=NOW.date().replace(year=2027),
                           actor=shop.manager, now=NOW)
    services.adjust_points(member.id, 5000, reason="赠送", actor=shop.manager, now=NOW)
    services.top_up(member.id, paid_fen=20_000, method="cash", actor=shop.cashier, now=NOW)
    order = finished_order(shop)
    total = 36600 - 600 - 1530  # 金卡: 10% off labor, 5% off parts
    repair.settle(order.id, [PaymentInput("stored_value", 20_000), PaymentInput("cash", total - 5000 - 20_000)],
                  actor=shop.cashier, now=NOW, points_fen=5000)
    db.session.commit()
    client = signed_in(app, staff["cashier"])
    text = page_text(client.get(f"/repair/orders/{order.id}/statement"))
    assert member.number in text and "金卡" in text
    assert "-21.30" in text  # the tier discount
    assert "5000" in text and "50.00" in text  # points redeemed and what they took off
    assert "200.00" in text  # paid from the card
    earned = (total - 5000) * 15 // 10 // 100
    assert str(earned) in text


def test_a_group_manager_picks_the_store_of_the_settings_and_an_unknown_one_is_not_taken(app, group_manager, store,
                                                                                       other_store):
    db.session.commit()
    client = signed_in(app, group_manager)
    chosen = client.get(f"/members/settings?store={other_store.id}")
    assert chosen.status_code == 200 and f'value="{other_store.id}" selected' in chosen.get_data(as_text=True)
    unknown = client.get("/members/settings?store=99999")
    assert unknown.status_code == 200 and 'selected' in unknown.get_data(as_text=True)
    token = csrf(client, f"/members/settings?store={other_store.id}")
    client.post(f"/members/settings?store={other_store.id}", data={
        "settings-csrf_token": token, "settings-points_per_yuan": "50", "settings-max_points_share_bp": "30"})
    assert services.settings_for(other_store.id).points_per_yuan == 50
    assert services.settings_for(store.id).points_per_yuan == 100
