"""Rescue pages and API: the wiring a dispatcher and an integration use; the crew's page by its link."""
import io
import re
import uuid

import pytest
import sqlalchemy as sa

from dealer.extensions import db
from dealer.rescue import services
from dealer.rescue.models import RescueCall, RescueUnit
from tests.factories import CustomerFactory, UserFactory, VehicleFactory
from tests.helpers import NOW, actor, assert_error, bearer, count, fresh, login, persist, text
from tests.repair.builders import TINY_PNG
from tests.rescue.builders import NANSHAN, take_call, unit


@pytest.fixture()
def desk(client, staff):
    login(client, staff["rescue_dispatcher"])
    return client


def _intake(**fields):
    return {"intake_key": uuid.uuid4().hex, "caller_phone": "", "coordinate_system": "wgs84", "area": "town",
            "fault_type": "", "drivable": "", **fields}


def test_dispatcher_home_shows_the_rescue_board_not_coming_soon(desk):
    page = text(desk.get("/"))
    assert 'data-testid="home-rescue"' in page and 'data-testid="coming"' not in page
    assert 'data-testid="nav-rescue"' in page


def test_autosave_without_a_phone_saves_nothing_then_the_phone_opens_the_call(desk, ctx, store):
    owner = CustomerFactory(store=store, mobile="13812345678", mobile_last4="5678", name="王先生")
    car = VehicleFactory(owner=owner, store=store, plate="粤B12345", plate_reversed="54321B粤")
    persist()
    form = _intake(address="宝安大道")
    assert "来电号码" in text(desk.post("/rescue/intake", data=form)) and count(RescueCall) == 0
    page = text(desk.post("/rescue/intake", data={**form, "caller_phone": "13812345678"}))
    call = db.session.scalar(sa.select(RescueCall))
    assert call.customer_id == owner.id and call.address == "宝安大道"
    assert f'data-testid="vehicle-{car.id}"' in page and 'hx-swap-oob="true"' in page
    desk.post("/rescue/intake", data={**form, "caller_phone": "13812345678", "vehicle_id": str(car.id),
                                      "latitude": "22.540796", "longitude": "113.917176", "coordinate_system": "gcj02",
                                      "injuries": "y"})
    call = fresh(RescueCall, call.id)
    assert count(RescueCall) == 1 and call.vehicle_id == car.id and call.injuries
    assert call.latitude_wgs84 == pytest.approx(22.543847, abs=1e-5)


def test_autosave_swaps_the_callers_panel_only_when_the_caller_changed(desk, ctx, store):
    """Re-drawing it on every save undid the car the dispatcher was choosing while a save was on its way."""
    owner = CustomerFactory(store=store, mobile="13812345678", mobile_last4="5678")
    VehicleFactory(owner=owner, store=store)
    persist()
    form = _intake(caller_phone="13812345678")
    assert 'id="intake-customer" hx-swap-oob' in text(desk.post("/rescue/intake", data=form))
    again = text(desk.post("/rescue/intake", data={**form, "shown_customer": str(owner.id), "address": "宝安"}))
    assert 'id="intake-customer"' not in again and 'data-testid="saved"' in again


def test_autosave_coordinates_out_of_range_say_so_and_save_nothing(desk, store):
    page = text(desk.post("/rescue/intake", data=_intake(caller_phone="13812345678", latitude="95",
                                                         longitude="113")))
    assert 'data-testid="intake-error"' in page and count(RescueCall) == 0


def test_call_page_dispatch_shows_the_crew_link_and_the_crew_page_marks_arrival(desk, app, ctx, store):
    van = unit(store, "救援1号", NANSHAN)
    persist()
    desk.post("/rescue/intake", data=_intake(caller_phone="07552778123", address="宝安大道", latitude="22.5553",
                                             longitude="113.8838", fault_type="no_start"))
    call = db.session.scalar(sa.select(RescueCall))
    page = text(desk.get(f"/rescue/calls/{call.id}"))
    assert f'data-testid="candidate-unit:{van.id}"' in page
    response = desk.post(f"/rescue/calls/{call.id}/dispatch", data={"responder": f"unit:{van.id}"},
                         follow_redirects=True)
    link = re.search(r"http://localhost(/rescue/crew/[\w-]+)", text(response)).group(1)
    assert fresh(RescueUnit, van.id).status == "on_job"
    crew = app.test_client()
    page = crew.get(link)
    assert page.status_code == 200 and 'href="tel:07552778123"' in text(page) and "uri.amap.com" in text(page)
    crew.post(link + "/steps", data={"step": "on_scene", "photo": (io.BytesIO(TINY_PNG), "a.png")},
              content_type="multipart/form-data")
    assert fresh(RescueCall, call.id).state == "on_scene"
    desk.post(f"/rescue/calls/{call.id}/cancel", data={"reason": "车主自行离开"})
    assert fresh(RescueCall, call.id).state == "cancelled"
    expired = crew.get(link)
    assert expired.status_code == 410 and 'data-testid="crew-expired"' in text(expired)
    assert crew.post(link + "/position", json={"latitude": 22.5, "longitude": 113.9}).status_code == 410


def test_board_lists_open_calls_and_says_loudly_when_nobody_can_go(desk, ctx, store):
    desk.post("/rescue/intake", data=_intake(caller_phone="13812345678"))
    live = text(desk.get("/rescue/live"))
    assert 'data-testid="no-responder"' in live and "已接警" in live
    unit(store, "救援1号", NANSHAN)
    persist()
    assert 'data-testid="no-responder"' not in text(desk.get("/rescue/live"))
    assert 'hx-trigger="every 5s"' in text(desk.get("/rescue/"))


# -- API --------------------------------------------------------------------------------------------

@pytest.fixture()
def headers(ctx, staff):
    return bearer(staff["rescue_dispatcher"])


def test_api_create_dispatch_status_and_list(client, headers, ctx, store):
    van = unit(store, "救援1号", NANSHAN)
    persist()
    created = client.post("/api/v1/rescue-calls", headers=headers, json={
        "caller_phone": "13812345678", "latitude": 22.5553, "longitude": 113.8838, "coordinate_system": "wgs84",
        "fault_type": "flat_tyre", "injuries": True})
    assert created.status_code == 201, created.get_json()
    call = created.get_json()
    assert call["priority"] == 1 and call["events"][0]["kind"] == "received"
    refused = client.post(f"/api/v1/rescue-calls/{call['id']}/dispatch", headers=headers,
                          json={"responder": f"unit:{van.id}"})
    assert_error(refused, 409, "rescue.guard_not_recorded", fields=["told_emergency"])
    client.post(f"/api/v1/rescue-calls/{call['id']}/status", headers=headers, json={"state": "told_emergency"})
    sent = client.post(f"/api/v1/rescue-calls/{call['id']}/dispatch", headers=headers,
                       json={"responder": f"unit:{van.id}"})
    assert sent.status_code == 200 and "/rescue/crew/" in sent.get_json()["crew_link"]
    for _ in range(2):
        moved = client.post(f"/api/v1/rescue-calls/{call['id']}/status", headers=headers, json={"state": "on_scene"})
    assert [e["kind"] for e in moved.get_json()["events"]].count("on_scene") == 1
    assert [c["id"] for c in client.get("/api/v1/rescue-calls", headers=headers).get_json()["items"]] == [call["id"]]
    units = client.get("/api/v1/rescue-units", headers=headers).get_json()["items"]
    assert units[0]["status"] == "on_job" and units[0]["current_call_id"] == call["id"]


def test_api_unit_report_converts_gcj02_and_refuses_a_bad_status(client, headers, ctx, store):
    van = unit(store, "救援1号", None)
    persist()
    reported = client.post(f"/api/v1/rescue-units/{van.id}/reports", headers=headers,
                           json={"latitude": 22.540796131694766, "longitude": 113.9171764808363,
                                 "coordinate_system": "gcj02", "status": "off_shift"})
    body = reported.get_json()
    assert body["latitude_wgs84"] == pytest.approx(22.543847, abs=1e-6) and body["status"] == "off_shift"
    assert_error(client.post(f"/api/v1/rescue-units/{van.id}/reports", headers=headers, json={"status": "on_job"}),
                 422, "validation_failed", fields=["status"])


def test_api_of_another_store_is_not_found(client, ctx, store, other_store, staff):
    stranger = bearer(UserFactory(username="gz-dispatcher", roles=["rescue_dispatcher"], store=other_store))
    created = client.post("/api/v1/rescue-calls", headers=bearer(staff["rescue_dispatcher"]),
                          json={"caller_phone": "13812345678"}).get_json()
    assert client.get(f"/api/v1/rescue-calls/{created['id']}", headers=stranger).status_code == 404


def test_api_and_call_page_tell_the_owner_signed_at_hand_over(client, headers, app, ctx, store, staff, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    dispatcher = actor(staff["rescue_dispatcher"])
    van = unit(store, "救援1号", NANSHAN)
    sent = services.dispatch_call(take_call(store, dispatcher).id, responder=f"unit:{van.id}", actor=dispatcher,
                                  now=NOW, crew_link=lambda token: token)[1]
    services.crew_step(sent, "on_scene", photo=None, folder=str(tmp_path), now=NOW)
    call = services.crew_step(sent, "completed", photo=None, folder=str(tmp_path), now=NOW, signature=TINY_PNG)
    persist()
    body = client.get(f"/api/v1/rescue-calls/{call.id}", headers=headers).get_json()
    assert body["has_signature"] is True and body["owner_absent_reason"] == ""
    login(client, staff["rescue_dispatcher"])
    assert 'data-testid="call-signature"' in text(client.get(f"/rescue/calls/{call.id}"))
    image = client.get(f"/rescue/calls/{call.id}/signature")
    assert image.status_code == 200 and image.data == TINY_PNG and image.mimetype == "image/png"
