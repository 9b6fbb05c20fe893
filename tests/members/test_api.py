"""/api/v1/members: join, a member with tier, balances and ledgers; the stored-value card's top-ups and refunds."""
from __future__ import annotations

import pytest

from dealer.extensions import db
from tests.factories import CustomerFactory, UserFactory
from tests.helpers import assert_error, bearer


@pytest.fixture()
def call(client, shop, staff, ctx):
    tokens = {role: bearer(user) for role, user in staff.items()}
    db.session.commit()

    def request(method, url, role="service_advisor", **kwargs):
        return client.open(url, method=method.upper(), headers=tokens[role], **kwargs)
    return request


def test_join_then_get_with_tier_balances_and_ledgers(call, shop):
    joined = call("post", "/api/v1/members", json={"customer_id": shop.vehicle.owner_id})
    assert joined.status_code == 201
    body = joined.get_json()
    assert body["tier"]["name"] == "普卡" and body["points_balance"] == 0 and body["card_ledger"] == []
    topped = call("post", f"/api/v1/members/{body['id']}/stored-value/top-ups", "cashier", json={
        "paid_fen": 100_000, "bonus_fen": 10_000, "method": "alipay", "reference": "ALI-9"})
    assert topped.status_code == 200 and topped.get_json()["card_balance_fen"] == 110_000
    got = call("get", f"/api/v1/members/{body['id']}").get_json()
    assert got["card_ledger"][0] == {**got["card_ledger"][0], "kind": "top_up", "paid_fen": 100_000,
                                     "bonus_fen": 10_000, "reference": "ALI-9"}
    refunded = call("post", f"/api/v1/members/{body['id']}/stored-value/refunds", "cashier", json={
        "method": "cash"})
    assert refunded.get_json()["card_balance_fen"] == 0 and refunded.get_json()["card_ledger"][0]["paid_fen"] == -100_000


def test_joining_twice_is_a_conflict(call, shop):
    call("post", "/api/v1/members", json={"customer_id": shop.vehicle.owner_id})
    assert_error(call("post", "/api/v1/members", json={"customer_id": shop.vehicle.owner_id}), 409,
                 "members.already_member")


def test_a_top_up_without_its_reference_is_refused_and_changes_nothing(call, shop):
    member = call("post", "/api/v1/members", json={"customer_id": shop.vehicle.owner_id}).get_json()
    assert_error(call("post", f"/api/v1/members/{member['id']}/stored-value/top-ups", "cashier", json={
        "paid_fen": 100, "method": "wechat_pay"}), 422, "members.invalid", fields=["reference"])
    assert call("get", f"/api/v1/members/{member['id']}").get_json()["card_ledger"] == []


def test_an_advisor_may_not_top_up_and_another_store_sees_no_member(call, client, shop, other_store):
    member = call("post", "/api/v1/members", json={"customer_id": shop.vehicle.owner_id}).get_json()
    assert call("post", f"/api/v1/members/{member['id']}/stored-value/top-ups", json={
        "paid_fen": 100, "method": "cash"}).status_code == 403
    stranger = bearer(UserFactory(roles=["service_advisor"], store=other_store))
    outsider = CustomerFactory(store=other_store)
    db.session.commit()
    assert_error(client.get(f"/api/v1/members/{member['id']}", headers=stranger), 404, "not_found")
    assert_error(client.post("/api/v1/members", headers=stranger, json={"customer_id": shop.vehicle.owner_id}),
                 404, "not_found")
    assert client.post("/api/v1/members", headers=stranger, json={"customer_id": outsider.id}).status_code == 201


def test_each_card_action_has_its_own_endpoint_and_schema(call, client, shop):
    member = call("post", "/api/v1/members", json={"customer_id": shop.vehicle.owner_id}).get_json()
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/members/{member_id}/stored-value/top-ups" in paths
    assert "/api/v1/members/{member_id}/stored-value/refunds" in paths
    assert "/api/v1/members/{member_id}/stored-value" not in paths
    # a refund needs no amount; a top-up without its amount is refused by the schema
    assert_error(call("post", f"/api/v1/members/{member['id']}/stored-value/top-ups", "cashier",
                      json={"method": "cash"}), 422, "validation_failed", fields=["paid_fen"])
