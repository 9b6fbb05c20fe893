"""/api/v1/booking and /api/v1/bookings: free times, verification, create (public), get, reschedule, cancel."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from dealer.actors import SYSTEM
from dealer.booking import queries, services
from dealer.booking.models import Booking
from dealer.database import utcnow
from dealer.extensions import db, limiter
from dealer.sms.models import SmsMessage
from tests.factories import StoreFactory, UserFactory
from tests.helpers import assert_error, bearer, count

PHONE = "13812345678"


@pytest.fixture()
def shop(ctx, store):
    services.set_up_store(store.id, actor=SYSTEM)
    limiter.reset()
    return store


def _free(store, kind="maintenance"):
    rules = queries.store_rules(store.id)
    now = utcnow()
    free = queries.free_slots(rules, kind, first=now.astimezone(rules.zone).date() + timedelta(days=1), days=5,
                              now=now)
    return [moment for times in free.values() for moment in times]


def _proof(client, store, phone=PHONE) -> str:
    sent = client.post("/api/v1/booking/verify", json={"action": "send", "store": store.id, "phone": phone})
    assert sent.status_code == 200 and sent.get_json() == {"sent": True, "proof": None}
    code = db.session.scalar(sa.select(SmsMessage.params).where(SmsMessage.phone == phone))["code"]
    checked = client.post("/api/v1/booking/verify", json={"action": "check", "store": store.id, "phone": phone,
                                                          "code": code})
    assert checked.status_code == 200
    return checked.get_json()["proof"]


def _create(client, store, proof, moment, key="api-key-0001"):
    return client.post("/api/v1/bookings", json={
        "store": store.id, "service": "maintenance", "starts_at": moment.isoformat(), "name": "王先生",
        "phone": PHONE, "plate": "粤B12345", "proof": proof, "idempotency_key": key})


def test_slots_list_the_free_times_of_a_day_and_the_next_when_it_is_full(client, shop):
    moment = _free(shop)[0]
    body = client.get(f"/api/v1/booking/slots?store={shop.id}&service=maintenance&date={moment.date()}").get_json()
    assert datetime.fromisoformat(body["times"][0]) == moment and body["next_free"] == []
    assert client.get(f"/api/v1/booking/slots?store=999999&service=maintenance&date={moment.date()}"
                      ).status_code == 404
    assert_error(client.get(f"/api/v1/booking/slots?store={shop.id}&service=nails&date={moment.date()}"), 422,
                 "validation_failed", ["service"])


def test_create_with_a_proof_then_again_with_the_same_key(client, shop):
    moment = _free(shop)[0]
    proof = _proof(client, shop)
    created = _create(client, shop, proof, moment)
    assert created.status_code == 201, created.get_json()
    again = _create(client, shop, proof, moment)
    assert again.get_json()["id"] == created.get_json()["id"] and count(Booking) == 1


def test_create_without_a_valid_proof_is_refused(client, shop):
    assert_error(_create(client, shop, "not-a-proof", _free(shop)[0]), 422, "booking.code_refused", ["verification"])
    assert count(Booking) == 0


def test_a_second_code_within_a_minute_gets_429_with_retry_after(client, shop):
    client.post("/api/v1/booking/verify", json={"action": "send", "store": shop.id, "phone": PHONE})
    again = client.post("/api/v1/booking/verify", json={"action": "send", "store": shop.id, "phone": PHONE})
    assert_error(again, 429, "rate_limited")
    assert int(again.headers["Retry-After"]) >= 1


def test_a_wrong_code_is_refused_with_the_tries_left(client, shop):
    client.post("/api/v1/booking/verify", json={"action": "send", "store": shop.id, "phone": PHONE})
    code = db.session.scalar(sa.select(SmsMessage.params))["code"]
    wrong = f"{(int(code) + 1) % 10 ** 6:06d}"
    error = assert_error(client.post("/api/v1/booking/verify", json={
        "action": "check", "store": shop.id, "phone": PHONE, "code": wrong}), 422, "booking.code_refused", ["code"])
    assert "4" in error["message"]


def test_staff_get_reschedule_and_cancel_a_booking_of_their_store(client, shop, staff):
    moments = _free(shop)
    booking = _create(client, shop, _proof(client, shop), moments[0]).get_json()
    headers = bearer(staff["service_advisor"])
    assert client.get(f"/api/v1/bookings/{booking['id']}", headers=headers).get_json()["code"] == booking["code"]
    moved = client.post(f"/api/v1/bookings/{booking['id']}/reschedule", headers=headers,
                        json={"starts_at": moments[1].isoformat()})
    assert moved.status_code == 200 and datetime.fromisoformat(moved.get_json()["starts_at"]) == moments[1]
    cancelled = client.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=headers)
    assert cancelled.get_json()["state"] == "cancelled"
    assert_error(client.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=headers), 409, "booking.state")
    assert client.get(f"/api/v1/bookings/{booking['id']}").status_code == 401


def test_another_stores_staff_cannot_read_the_booking(client, shop):
    booking = _create(client, shop, _proof(client, shop), _free(shop)[0]).get_json()
    stranger = UserFactory(username="gz-advisor", roles=["service_advisor"], store=StoreFactory(code="GZ01"))
    assert_error(client.get(f"/api/v1/bookings/{booking['id']}", headers=bearer(stranger)), 404, "not_found")


def test_the_public_endpoints_are_rate_limited_per_address(app, client, shop, monkeypatch):
    monkeypatch.setitem(app.config, "BOOKING_PUBLIC_RATE_LIMIT", "2 per minute")
    url = f"/api/v1/booking/slots?store={shop.id}&service=maintenance&date={_free(shop)[0].date()}"
    assert [client.get(url).status_code for _ in range(2)] == [200, 200]
    refused = client.get(url)
    assert_error(refused, 429, "rate_limited")
    assert int(refused.headers["Retry-After"]) >= 1
    limiter.reset()
