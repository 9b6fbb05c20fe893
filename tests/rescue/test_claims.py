"""Accident help (代办理赔): the claim's state machine, its page section, the tow-in order's claim, the API."""
from datetime import timedelta

import pytest

from dealer.extensions import db
from dealer.repair import services as repair_services
from dealer.rescue import queries, services
from dealer.rescue.errors import ClaimWrongMove, RescueError
from dealer.rescue.models import InsuranceClaim
from dealer.rescue.services import ClaimInput
from tests.helpers import NOW, assert_error, audit_entries, bearer, count, login, persist, text
from tests.repair.builders import add_labor, build_shop, open_order
from tests.rescue.builders import NANSHAN, link, take_call, unit

LATER = NOW + timedelta(minutes=30)
PICC = ClaimInput(insurer="中国人保财险", report_number="RDAA202644030000123456", policy_number="PDAA2026440300001")


def test_save_claim_reports_it_once_and_corrects_the_details(ctx, store, dispatcher):
    call = take_call(store, dispatcher, fault_type="accident")
    claim = services.save_claim(call.id, PICC, actor=dispatcher, now=NOW)
    assert (claim.state, claim.reported_at, claim.reported_by) == ("reported", NOW, dispatcher.name)
    again = services.save_claim(call.id, ClaimInput(insurer=" 平安 产险 ", report_number="9001"), actor=dispatcher,
                                now=LATER)
    assert again.id == claim.id and count(InsuranceClaim) == 1
    assert (again.insurer, again.report_number, again.policy_number, again.reported_at) == ("平安 产险", "9001", "",
                                                                                            NOW)
    assert [e.action for e in audit_entries("rescue_claim_reported")] == ["rescue_claim_reported"]


def test_save_claim_refuses_a_call_that_is_no_accident_and_missing_fields(ctx, store, dispatcher):
    flat = take_call(store, dispatcher, fault_type="flat_tyre")
    with pytest.raises(RescueError) as raised:
        services.save_claim(flat.id, PICC, actor=dispatcher, now=NOW)
    assert raised.value.field == "insurer"
    crash = take_call(store, dispatcher, fault_type="accident", phone="13900001111")
    with pytest.raises(RescueError) as raised:
        services.save_claim(crash.id, ClaimInput(insurer="人保", report_number="  "), actor=dispatcher, now=NOW)
    assert raised.value.field == "report_number" and count(InsuranceClaim) == 0


def test_move_claim_through_every_step_with_time_who_and_amounts(ctx, store, dispatcher):
    call = take_call(store, dispatcher, fault_type="accident")
    services.save_claim(call.id, PICC, actor=dispatcher, now=NOW)
    services.move_claim(call.id, "surveyed", actor=dispatcher, now=NOW + timedelta(hours=2))
    services.move_claim(call.id, "approved", amount_fen=320_000, actor=dispatcher, now=NOW + timedelta(days=1))
    claim = services.move_claim(call.id, "paid", amount_fen=318_000, actor=dispatcher, now=NOW + timedelta(days=9))
    assert [(state, at - NOW) for state, at, _by in claim.steps()] == [
        ("reported", timedelta(0)), ("surveyed", timedelta(hours=2)), ("approved", timedelta(days=1)),
        ("paid", timedelta(days=9))]
    assert (claim.approved_fen, claim.paid_fen, claim.paid_by) == (320_000, 318_000, dispatcher.name)
    with pytest.raises(ClaimWrongMove):
        services.move_claim(call.id, "refused", reason="太晚了", actor=dispatcher, now=NOW + timedelta(days=10))


def test_move_claim_double_tap_is_one_step_and_a_skip_is_refused(ctx, store, dispatcher):
    call = take_call(store, dispatcher, fault_type="accident")
    services.save_claim(call.id, PICC, actor=dispatcher, now=NOW)
    with pytest.raises(ClaimWrongMove) as raised:
        services.move_claim(call.id, "paid", amount_fen=100, actor=dispatcher, now=NOW)
    assert "已报案" in str(raised.value.message) or "Reported" in str(raised.value.message)
    first = services.move_claim(call.id, "surveyed", actor=dispatcher, now=NOW + timedelta(hours=1))
    again = services.move_claim(call.id, "surveyed", actor=dispatcher, now=NOW + timedelta(hours=3))
    assert again.surveyed_at == first.surveyed_at == NOW + timedelta(hours=1)
    assert len(audit_entries("rescue_claim_moved")) == 1
    with pytest.raises(RescueError) as raised:
        services.move_claim(call.id, "approved", amount_fen=None, actor=dispatcher, now=NOW)
    assert raised.value.field == "amount" and db.session.get(InsuranceClaim, first.id).state == "surveyed"


def test_move_claim_refused_needs_the_reason_and_ends_the_claim(ctx, store, dispatcher):
    call = take_call(store, dispatcher, fault_type="accident")
    services.save_claim(call.id, PICC, actor=dispatcher, now=NOW)
    with pytest.raises(RescueError):
        services.move_claim(call.id, "refused", reason=" ", actor=dispatcher, now=NOW)
    claim = services.move_claim(call.id, "refused", reason="酒驾，不予赔付", actor=dispatcher, now=LATER)
    assert (claim.state, claim.refusal_reason, claim.refused_at) == ("refused", "酒驾，不予赔付", LATER)
    with pytest.raises(RescueError):
        services.save_claim(call.id, PICC, actor=dispatcher, now=LATER)
    assert services.open_claims_by_state(store.id) == {}


def test_open_claims_by_state_counts_the_open_ones(ctx, store, dispatcher):
    for phone, to in (("13900000001", None), ("13900000002", "surveyed"), ("13900000003", "surveyed")):
        call = take_call(store, dispatcher, fault_type="accident", phone=phone)
        services.save_claim(call.id, PICC, actor=dispatcher, now=NOW)
        if to:
            services.move_claim(call.id, to, actor=dispatcher, now=LATER)
    assert services.open_claims_by_state(store.id) == {"reported": 1, "surveyed": 2}


def _tow_in_order(store, staff, dispatcher):
    """An accident towed in: its repair order opened, with one insurance-paid labor line (0.5 h at 120 yuan)."""
    shop = build_shop(store, staff)
    van = unit(store, "救援1号", NANSHAN)
    call = take_call(store, dispatcher, fault_type="accident", tow_needed=True, vehicle_id=shop.vehicle.id)
    services.dispatch_call(call.id, responder=f"unit:{van.id}", actor=dispatcher, now=NOW, crew_link=link)
    for step in ("on_scene", "towing", "completed"):
        call = services.advance_call(call.id, step, actor=dispatcher, now=LATER)

    order = repair_services.get_order(call.repair_order_id, actor=shop.advisor)
    add_labor(shop, order.jobs[0], payer="insurance")
    return shop, call


def test_insurance_paid_total_is_read_from_the_tow_in_order(ctx, store, staff, dispatcher):
    shop, call = _tow_in_order(store, staff, dispatcher)
    assert queries.insurance_paid_fen(call.repair_order_id, actor=dispatcher) == 6000
    assert queries.insurance_paid_fen(None, actor=dispatcher) is None


def test_call_page_and_tow_in_order_show_the_claim(client, ctx, store, staff, dispatcher):
    shop, call = _tow_in_order(store, staff, dispatcher)
    services.save_claim(call.id, PICC, actor=dispatcher, now=NOW)
    persist()
    login(client, staff["rescue_dispatcher"])
    page = text(client.get(f"/rescue/calls/{call.id}"))
    assert 'data-testid="claim"' in page and "RDAA202644030000123456" in page
    assert 'data-testid="claim-insurance-total"' in page and "60.00" in page
    client.post(f"/rescue/calls/{call.id}/claim/surveyed", data={})
    client.post(f"/rescue/calls/{call.id}/claim/approved", data={"amount": "3,200.50"})
    assert db.session.get(InsuranceClaim, services.claim_of(call.id, actor=dispatcher).id).approved_fen == 320_050
    refused = text(client.post(f"/rescue/calls/{call.id}/claim/surveyed", data={}, follow_redirects=True))
    assert 'data-testid="claim-state"' in refused and "已定损核准" in refused
    client.post("/logout")
    login(client, staff["service_advisor"])
    order_page = text(client.get(f"/repair/orders/{call.repair_order_id}"))
    assert 'data-testid="order-claim"' in order_page and "已定损核准" in order_page and "60.00" in order_page
    assert client.get(f"/rescue/calls/{call.id}/claim").status_code == 200
    client.post(f"/rescue/calls/{call.id}/claim/paid", data={"amount": "3200"})
    assert services.claim_of(call.id, actor=dispatcher).paid_fen == 320_000


def test_order_page_of_a_front_desk_order_has_no_claim(client, ctx, store, staff):

    order = open_order(build_shop(store, staff), "做保养")
    persist()
    login(client, staff["service_advisor"])
    assert 'data-testid="order-claim"' not in text(client.get(f"/repair/orders/{order.id}"))


def test_api_claim_put_get_and_state(client, ctx, store, staff, dispatcher):
    call = take_call(store, dispatcher, fault_type="accident")
    headers = bearer(staff["rescue_dispatcher"])
    base = f"/api/v1/rescue-calls/{call.id}/claim"
    assert client.get(base, headers=headers).status_code == 404
    saved = client.put(base, headers=headers, json={"insurer": "人保", "report_number": "R1"})
    assert saved.status_code == 200 and saved.get_json()["state"] == "reported"
    assert_error(client.post(base + "/state", headers=headers, json={"state": "paid", "amount_fen": 1}), 409,
                 "rescue.claim_wrong_move", fields=["state"])
    for _ in range(2):
        moved = client.post(base + "/state", headers=headers, json={"state": "surveyed"})
    assert moved.status_code == 200 and moved.get_json()["state"] == "surveyed"
    body = client.get(base, headers=headers).get_json()
    assert body["surveyed_by"] == dispatcher.name and body["insurance_paid_fen"] is None


def test_figures_page_counts_the_open_claims_per_state(client, ctx, store, staff, dispatcher):
    for phone in ("13900000001", "13900000002"):
        call = take_call(store, dispatcher, fault_type="accident", phone=phone)
        services.save_claim(call.id, PICC, actor=dispatcher, now=NOW)
    services.move_claim(call.id, "surveyed", actor=dispatcher, now=LATER)
    persist()
    login(client, staff["rescue_dispatcher"])
    page = text(client.get("/rescue/figures"))
    assert "已报案: 1" in page and "已查勘: 1" in page and "已定损核准: 0" in page


def test_api_claim_refuses_an_amount_that_is_not_a_whole_number_of_fen(client, ctx, store, staff, dispatcher):
    call = take_call(store, dispatcher, fault_type="accident")
    services.save_claim(call.id, PICC, actor=dispatcher, now=NOW)
    services.move_claim(call.id, "surveyed", actor=dispatcher, now=NOW)
    headers = bearer(staff["rescue_dispatcher"])
    for amount in ("320000", 3200.5, True):
        assert_error(client.post(f"/api/v1/rescue-calls/{call.id}/claim/state", headers=headers,
                                 json={"state": "approved", "amount_fen": amount}), 422, "validation_failed",
                     fields=["amount_fen"])
    assert services.claim_of(call.id, actor=dispatcher).state == "surveyed"
