"""/api/v1/quick-lane, third slice: extra work with its price and time impact and the owner's answer, the day
still in the lane (carry over, close with a reason), the month's figures and the stores side by side. The same
rules as the screens: roles, a stale version refused, clear errors that change nothing."""
from __future__ import annotations

import pytest

from dealer.database import utcnow
from dealer.extensions import db
from dealer.quicklane import services
from dealer.quicklane.models import LaneOrder
from tests.helpers import NOW, assert_error, bearer, persist
from tests.quicklane.builders import minutes, take_key


@pytest.fixture()
def api(client, package, staff):
    tokens = {role: bearer(user) for role, user in staff.items()}
    persist()

    def call(method, url, role="service_advisor", **kwargs):
        return client.open(url, method=method.upper(), headers=tokens[role], **kwargs)
    return call


@pytest.fixture()
def in_bay(shop, package):
    now = utcnow()
    lane = take_key(shop, package, key_tag="K7", now=now)
    lane = services.move(lane.id, to_stage="in_bay", version=1, bay=1, technician_id=shop.technician_user.id,
                         actor=shop.technician, now=now)
    persist()
    return lane


def _brakes(shop, minutes_added=40):
    return {"concern": "前刹车片磨损到限", "minutes": minutes_added, "kind": "labor", "operation_id": shop.brakes.id}


def test_extra_work_is_reported_shown_with_its_price_and_time_and_declined(api, shop, in_bay):
    url = f"/api/v1/quick-lane/orders/{in_bay.id}/extra"
    assert api("get", url, "technician").get_json()["pending"] is None
    reported = api("post", url, "technician", json=_brakes(shop))
    assert reported.status_code == 201, reported.get_json()
    body = api("get", url, "technician").get_json()
    pending = body["pending"]
    assert (pending["concern"], pending["price_fen"], pending["minutes"]) == ("前刹车片磨损到限", 14_400, 40)
    assert pending["new_promised_at"] > body["promised_at"]  # its time impact: later than the promise
    assert [(item["approval"], item["price_fen"]) for item in body["items"]] == [("pending", 14_400)]
    again = api("post", url, "technician", json=_brakes(shop))
    assert_error(again, 422, "quick_lane.invalid")  # one piece waits at a time
    refused = api("post", f"{url}/answer", "technician", json={"approved": False})
    assert refused.status_code == 403  # the desk records the owner's answer
    declined = api("post", f"{url}/answer", json={"approved": False, "reason": "下次再换"})
    assert declined.status_code == 200 and declined.get_json()["stage"] == "in_bay"
    body = api("get", url).get_json()
    assert body["pending"] is None and [item["approval"] for item in body["items"]] == ["declined"]


def test_extra_work_approved_by_phone_takes_the_car_out_of_the_lane(api, shop, in_bay):
    url = f"/api/v1/quick-lane/orders/{in_bay.id}/extra"
    api("post", url, "technician", json=_brakes(shop))
    approved = api("post", f"{url}/answer", "manager", json={
        "approved": True, "method": "phone", "approver_name": "王先生", "phone": "13800138000"})
    assert approved.status_code == 200, approved.get_json()
    body = api("get", url).get_json()
    assert (body["stage"], [item["approval"] for item in body["items"]]) == ("left_lane", ["approved"])
    assert body["new_promised_at"] is not None


@pytest.mark.parametrize(("payload", "status", "field"), [
    ({"kind": "labor", "operation_id": None}, 422, "operation_id"),
    ({"kind": "parts", "operation_id": None, "part_id": 999_999, "quantity": 1000}, 422, "part_id"),
    ({"minutes": 0}, 422, "minutes"),
    ({"concern": "   "}, 422, "concern"),
])
def test_bad_extra_work_is_refused_with_its_field_and_changes_nothing(api, shop, in_bay, payload, status, field):
    response = api("post", f"/api/v1/quick-lane/orders/{in_bay.id}/extra", "technician",
                   json={**_brakes(shop), **payload})
    assert response.status_code == status, response.get_json()
    assert field in str(response.get_json()["error"]["fields"])
    lane = db.session.get(LaneOrder, in_bay.id)
    db.session.refresh(lane)
    assert (lane.extra_job_id, lane.version) == (None, in_bay.version)


def test_extra_work_of_a_waiting_car_and_an_answer_with_nothing_pending_are_refused(api, shop, package):
    lane = take_key(shop, package, key_tag="K3", now=utcnow())
    persist()
    url = f"/api/v1/quick-lane/orders/{lane.id}/extra"
    assert_error(api("post", url, json=_brakes(shop)), 422, "quick_lane.invalid")
    assert_error(api("post", f"{url}/answer", json={"approved": True}), 422, "quick_lane.invalid")


def test_the_day_lists_the_cars_left_and_the_manager_carries_over_or_closes(api, shop, package):
    first = take_key(shop, package, key_tag="A", now=utcnow())
    second = take_key(shop, package, key_tag="B", now=utcnow())
    persist()
    day = api("get", "/api/v1/quick-lane/day", "manager").get_json()
    assert ([car["key_tag"] for car in day["cars"]], day["closed"]) == (["A", "B"], False)
    assert api("get", "/api/v1/quick-lane/day").status_code == 403  # the manager's
    assert api("post", f"/api/v1/quick-lane/orders/{first.id}/carry-over", json={"version": 1}).status_code == 403
    carried = api("post", f"/api/v1/quick-lane/orders/{first.id}/carry-over", "manager",
                  json={"version": 1, "reason": "等配件"})
    assert carried.status_code == 200 and carried.get_json()["carried_over_at"]
    stale = api("post", f"/api/v1/quick-lane/orders/{first.id}/close", "manager", json={"version": 1, "reason": "x"})
    assert_error(stale, 422, "quick_lane.invalid", fields=["version"])
    no_reason = api("post", f"/api/v1/quick-lane/orders/{second.id}/close", "manager", json={"version": 1})
    assert_error(no_reason, 422, "quick_lane.invalid", fields=["reason"])
    closed = api("post", f"/api/v1/quick-lane/orders/{second.id}/close", "manager",
                 json={"version": 1, "reason": "车主改天再来"})
    assert closed.get_json()["stage"] == "closed"
    day = api("get", "/api/v1/quick-lane/day", "manager").get_json()
    assert ([car["key_tag"] for car in day["cars"]], day["closed"]) == (["A"], True)


def test_the_months_figures_as_json(api, shop, package):
    lane = take_key(shop, package, key_tag="A", now=NOW)
    lane.ready_at, lane.stage = minutes(40), "ready"
    persist()
    body = api("get", "/api/v1/quick-lane/figures?month=2026-11", "manager").get_json()
    assert (body["month"], body["store_id"], body["total"]["cars"], body["total"]["median_minutes"],
            body["total"]["kept_pct"]) == ("2026-11", shop.store.id, 1, 40, 100)
    assert [row["label"] for row in body["by_day"]] == ["2026-11-23"]
    assert api("get", "/api/v1/quick-lane/figures", "technician").status_code == 403
    for month in ("2026-13", "0001-01", "11-2026"):
        response = api("get", f"/api/v1/quick-lane/figures?month={month}", "manager")
        assert response.status_code == 422, month


def test_the_stores_side_by_side_as_json(client, group_manager, shop, package):
    lane = take_key(shop, package, key_tag="A", now=NOW)
    lane.ready_at, lane.stage = minutes(50), "ready"
    persist()
    body = client.get("/api/v1/quick-lane/figures/stores?month=2026-11", headers=bearer(group_manager)).get_json()
    assert [(row["rank"], row["store_code"], row["figures"]["cars"], row["figures"]["kept_pct"])
            for row in body["stores"]] == [(1, "SZ01", 1, 0)]
    refused = client.get("/api/v1/quick-lane/figures/stores?month=0001-01", headers=bearer(group_manager))
    assert_error(refused, 422, "quick_lane.invalid", fields=["month"])
