"""The satisfaction API: follow-ups and CS's calls, complaints and their steps, as each role, with ApiError."""
from __future__ import annotations

import pytest

from dealer.extensions import db
from dealer.satisfaction.models import Complaint, FeedbackForm
from tests.factories import UserFactory
from tests.helpers import assert_error, bearer, count, persist
from tests.satisfaction.builders import delivered, follow_up_of


@pytest.fixture()
def api(client, staff, shop):
    tokens = {role: bearer(user) for role, user in staff.items()}
    db.session.commit()

    def call(method, url, role="cs_supervisor", **kwargs):
        return client.open(url, method=method.upper(), headers=tokens[role], **kwargs)
    return call


def test_list_and_read_follow_ups_as_an_advisor(api, shop):
    follow_up = follow_up_of(delivered(shop))
    persist()
    listed = api("get", "/api/v1/follow-ups?state=waiting", "service_advisor").get_json()
    assert [item["id"] for item in listed["items"]] == [follow_up.id] and listed["total"] == 1
    one = api("get", f"/api/v1/follow-ups/{follow_up.id}", "technician").get_json()
    assert one["source_number"] == follow_up.source_number and one["calls"] == [] and one["form"] is None


def test_cs_records_a_call_and_an_advisor_is_refused(api, shop):
    follow_up = follow_up_of(delivered(shop))
    persist()
    body = {"purpose": "follow_up", "reached": True, "timeliness": 2, "quality": 1, "attitude": 0}
    assert_error(api("post", f"/api/v1/follow-ups/{follow_up.id}/calls", "service_advisor", json=body), 403,
                 "forbidden")
    created = api("post", f"/api/v1/follow-ups/{follow_up.id}/calls", json=body)
    assert created.status_code == 201 and created.get_json()["reached"] is True
    assert count(FeedbackForm) == 1


def test_a_grade_outside_a_to_e_is_a_field_error(api, shop):
    follow_up = follow_up_of(delivered(shop))
    persist()
    body = {"purpose": "follow_up", "reached": True, "timeliness": 3, "quality": 1, "attitude": 0}
    assert_error(api("post", f"/api/v1/follow-ups/{follow_up.id}/calls", json=body), 422, "validation_failed",
                 fields=["timeliness"])


def test_complaint_intake_and_steps_by_cs_only(api):
    created = api("post", "/api/v1/complaints", json={"channel": "hotline", "category": "cost",
                                                      "description": "结算比报价多了200元"})
    assert created.status_code == 201
    complaint = created.get_json()
    assert_error(api("post", f"/api/v1/complaints/{complaint['id']}/steps", "manager",
                     json={"action": "acknowledge"}), 403, "forbidden")
    paused = api("post", f"/api/v1/complaints/{complaint['id']}/steps", json={"action": "pause", "reason": "等车主"})
    assert paused.status_code == 200 and paused.get_json()["paused_at"] is not None
    assert_error(api("post", f"/api/v1/complaints/{complaint['id']}/steps", json={"action": "close"}), 409,
                 "satisfaction.illegal_step")
    listed = api("get", "/api/v1/complaints?open=true", "service_advisor").get_json()
    assert [item["id"] for item in listed["items"]] == [complaint["id"]]


def test_another_stores_complaint_is_not_found(api, client, other_store):
    complaint = api("post", "/api/v1/complaints", json={"channel": "visit", "category": "attitude",
                                                        "description": "态度差"}).get_json()
    stranger = bearer(UserFactory(username="cs-gz", roles=["cs_supervisor"], store=other_store))
    response = client.get(f"/api/v1/complaints/{complaint['id']}", headers=stranger)
    assert_error(response, 404, "not_found")
    assert db.session.get(Complaint, complaint["id"]).state == "received"
