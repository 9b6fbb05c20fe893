"""/api/v1/progress/<token>: the owner's progress and per-item decisions by the link's token (no sign-in)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from dealer.booking.models import OnlineDecision
from dealer.extensions import db, limiter
from dealer.repair.models import JOB_APPROVED, RepairJob
from dealer.sms.models import SmsMessage
from tests.helpers import assert_error, count, fresh
from tests.repair.builders import approved_order, build_shop, extra_work_order


@pytest.fixture()
def shop(ctx, store, staff):
    built = build_shop(store, staff)
    db.session.commit()
    limiter.reset()
    return built


def token_of(order) -> str:
    link = db.session.scalar(sa.select(SmsMessage.params).where(SmsMessage.dedupe_key == f"progress:{order.id}"))
    return link["link"].rsplit("/", 1)[1]


def test_get_progress_lists_the_stages_and_the_items_with_their_prices(client, shop):
    order, brakes, cabin_filter = extra_work_order(shop)
    body = client.get(f"/api/v1/progress/{token_of(order)}").get_json()
    assert body["number"] == order.number and body["plate"] == shop.vehicle.plate and body["state"] == "in_progress"
    assert [stage["state"] for stage in body["stages"] if stage["done"]] == ["open", "estimated", "approved",
                                                                             "in_progress"]
    items = {item["job_id"]: item for item in body["pending"]}
    assert set(items) == {brakes.id, cabin_filter.id} and items[brakes.id]["aftermarket"] is True
    assert all(item["price_fen"] > 0 for item in items.values()) and body["decided"] == []
    assert "mobile" not in str(body) and shop.vehicle.owner.mobile not in str(body)


def test_approve_and_decline_items_once_each(client, shop):
    order, brakes, cabin_filter = extra_work_order(shop)
    token = token_of(order)
    first = client.post(f"/api/v1/progress/{token}/items/{brakes.id}/approve")
    again = client.post(f"/api/v1/progress/{token}/items/{brakes.id}/approve")
    assert first.status_code == again.status_code == 200 and first.get_json() == again.get_json()
    assert first.get_json()["decision"] == "approved" and first.get_json()["price_fen"] > 0
    assert client.post(f"/api/v1/progress/{token}/items/{cabin_filter.id}/decline").get_json()["decision"] == "declined"
    assert_error(client.post(f"/api/v1/progress/{token}/items/{brakes.id}/decline"), 409, "booking.item_decided")
    assert fresh(RepairJob, brakes.id).approval == JOB_APPROVED and count(OnlineDecision) == 2


def test_a_wrong_token_or_another_orders_item_is_not_found(client, shop):
    first = approved_order(shop)
    _, brakes, _ = extra_work_order(shop)
    assert_error(client.get("/api/v1/progress/1.not-a-token"), 404, "not_found")
    assert_error(client.get(f"/api/v1/progress/{first.number}"), 404, "not_found")
    assert_error(client.post(f"/api/v1/progress/{token_of(first)}/items/{brakes.id}/approve"), 404, "not_found")
    assert count(OnlineDecision) == 0
