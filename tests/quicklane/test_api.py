"""/api/v1/quick-lane: packages, opening with a package, stage changes with the version, the board."""
from __future__ import annotations

import pytest

from dealer.database import utcnow
from dealer.extensions import db
from dealer.quicklane import services
from dealer.quicklane.errors import IllegalStage
from dealer.quicklane.models import LaneOrder
from tests.factories import UserFactory
from tests.helpers import assert_error, bearer, persist
from tests.quicklane.builders import new_car, settle, take_key


@pytest.fixture()
def api(client, package, staff):
    tokens = {role: bearer(user) for role, user in staff.items()}
    persist()

    def call(method, url, role="service_advisor", **kwargs):
        return client.open(url, method=method.upper(), headers=tokens[role], **kwargs)
    return call


def test_list_packages_gives_items_and_minutes(api, package):
    body = api("get", "/api/v1/quick-lane/packages").get_json()
    assert [(p["code"], p["price_fen"], p["bay_minutes"], len(p["items"])) for p in body["items"]] == [
        ("Q5K", 39_900, 30, 3)]


def test_open_and_move_through_every_stage(api, shop, package, staff):
    car = new_car(shop)
    persist()
    # The API runs at the real clock: a promise from long ago is refused with the one the lane can keep now.
    response = api("post", "/api/v1/quick-lane/orders", json={
        "vehicle_id": car.id, "package_id": package.id, "key_tag": "K9", "promised_at": "2020-01-01T10:00:00+08:00"})
    error = assert_error(response, 409, "quick_lane.promise_moved", fields=["promised_at"])
    assert error["message"]
    later = _quoted_now(shop, package)
    response = api("post", "/api/v1/quick-lane/orders", json={
        "vehicle_id": car.id, "package_id": package.id, "key_tag": "K9", "promised_at": later.isoformat()})
    assert response.status_code == 201, response.get_json()
    lane = response.get_json()
    assert (lane["stage"], lane["version"], lane["plate"]) == ("waiting", 1, car.plate)
    steps = [("in_bay", "technician", {"bay": 1, "technician_id": staff["technician"].id}),
             ("washing", "technician", {}), ("ready", "service_advisor", {}), ("handed_over", "service_advisor", {})]
    version = 1
    for stage, role, extra in steps:
        if stage == "handed_over":
            settle(shop, db.session.get(LaneOrder, lane["id"]), now=utcnow())
            persist()
        moved = api("post", f"/api/v1/quick-lane/orders/{lane['id']}/stage", role,
                    json={"to_stage": stage, "version": version, **extra})
        assert moved.status_code == 200, moved.get_json()
        version = moved.get_json()["version"]
        assert moved.get_json()["stage"] == stage
    stale = api("post", f"/api/v1/quick-lane/orders/{lane['id']}/stage", json={"to_stage": "ready", "version": 1})
    assert_error(stale, 409, "quick_lane.stale", fields=["version"])


@pytest.mark.parametrize("stage", ["closed", "left_lane", "waiting"])
def test_a_stage_no_tap_moves_to_is_refused_with_a_message(api, shop, package, stage):
    lane = take_key(shop, package, key_tag="K8", now=utcnow())
    persist()

    refused = api("post", f"/api/v1/quick-lane/orders/{lane.id}/stage", json={"to_stage": stage, "version": 1})

    assert_error(refused, 422, "validation_failed", fields=["to_stage"])
    assert db.session.get(LaneOrder, lane.id).stage == "waiting"
    with pytest.raises(IllegalStage):  # and the service refuses it, whoever calls it
        services.move(lane.id, to_stage=stage, version=1, actor=shop.advisor, now=utcnow())


def _quoted_now(shop, package):
    return services.quote(shop.store.id, package.id, actor=shop.advisor, now=utcnow()).promised_at


def test_board_shows_estimates_and_flags(api, shop, package):
    take_key(shop, package)
    persist()
    body = api("get", "/api/v1/quick-lane/board", "technician").get_json()
    assert body["bays"] == 2 and body["technicians"] == 1 and len(body["cars"]) == 1
    car = body["cars"][0]
    # NOW was long ago: the car is late by the real clock, and flagged
    assert car["late"] and car["at_risk"] and car["order"]["key_tag"] == "K1"


def test_another_stores_car_is_not_found(client, shop, package, other_store):
    lane = take_key(shop, package)
    headers = bearer(UserFactory(roles=["service_advisor"], store=other_store))
    response = client.post(f"/api/v1/quick-lane/orders/{lane.id}/stage", headers=headers,
                           json={"to_stage": "in_bay", "version": 1, "bay": 1})
    assert_error(response, 404, "not_found")


def test_a_group_manager_names_the_store(client, group_manager, shop, package):
    headers = bearer(group_manager)
    assert_error(client.get("/api/v1/quick-lane/board", headers=headers), 422, "quick_lane.invalid",
                 fields=["store_id"])
    assert client.get(f"/api/v1/quick-lane/board?store_id={shop.store.id}", headers=headers).status_code == 200
