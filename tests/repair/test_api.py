"""/api/v1/repair-orders and /api/v1/labor-operations: the workflow end to end, roles, the one error shape."""
import base64
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from dealer.customers.services import record_odometer
from dealer.extensions import db
from dealer.repair import services
from dealer.repair.models import LaborOperation, RepairLine, RepairOrder
from dealer.repair.services import QC_ITEMS, TRANSITIONS
from tests.factories import UserFactory, VehicleFactory
from tests.helpers import NOW, assert_error, bearer
from tests.repair.builders import TINY_PNG, finished_order

SIGNATURE = "data:image/png;base64," + base64.b64encode(TINY_PNG).decode()
BY_PHONE = {"method": "phone", "approver_name": "张伟", "phone": "13812345678"}
ALL_CHECKED = dict.fromkeys(QC_ITEMS, True)


def promise(hours: int = 4) -> str:
    """A promised time in the future of the real clock (the API takes the time from it)."""
    return (datetime.now(timezone.utc) + timedelta(hours=hours)).isoformat()


def open_order(api, shop, concerns=("保养", "刹车有异响"), **extra):
    extra.setdefault("despite_open_order", True)  # tests open several orders on one car on purpose
    response = api("post", "/api/v1/repair-orders", json={
        "vehicle_id": shop.vehicle.id, "concerns": list(concerns), "promised_at": promise(), "kind": "maintenance",
        "odometer_km": 30_500, "fuel_eighths": 4, "damage_notes": "左前门划痕", **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def add_line(api, order, job_index=0, **line):
    job_id = order["jobs"][job_index]["id"]
    response = api("post", f"/api/v1/repair-orders/{order['id']}/jobs/{job_id}/lines", json=line)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def act(api, order_id, action, role="service_advisor", status=200, **body):
    response = api("post", f"/api/v1/repair-orders/{order_id}/transitions", role, json={"action": action, **body})
    assert response.status_code == status, response.get_json()
    return response.get_json()


def job_act(api, order_id, job_id, action, role="service_advisor", **body):
    response = api("post", f"/api/v1/repair-orders/{order_id}/jobs/{job_id}/transitions", role,
                   json={"action": action, **body})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def get(api, order_id, role="service_advisor"):
    response = api("get", f"/api/v1/repair-orders/{order_id}", role)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


# -- the whole workflow ----------------------------------------------------------------------------

def test_api_runs_an_order_from_check_in_to_delivery(api, shop, staff):
    order = open_order(api, shop)
    assert (order["state"], order["number"][:3], order["odometer_km"], order["fuel_eighths"]) == (
        "open", "RO-", 30_500, 4)
    assert [job["concern"] for job in order["jobs"]] == ["保养", "刹车有异响"]
    assert order["advisor_id"] == staff["service_advisor"].id
    assert order["allowed_actions"] == ["submit_estimate", "cancel"]

    labor = add_line(api, order, kind="labor", operation_id=shop.oil_service.id)
    oil = add_line(api, order, kind="parts", part_id=shop.oil.id, quantity=4000)
    filter_line = add_line(api, order, kind="parts", part_id=shop.filter.id, quantity=1000)
    brakes = add_line(api, order, 1, kind="labor", operation_id=shop.brakes.id, manual_discount_bp=500)
    assert (labor["hours"], labor["rate_fen"], labor["amount_fen"]) == (50, 12_000, 6_000)
    assert (oil["quantity"], oil["unit_price_fen"], oil["amount_fen"], oil["genuine"]) == (4000, 6800, 27_200, True)
    assert (brakes["amount_fen"], brakes["discount_fen"], brakes["discount_source"]) == (14_400, 720, "manual")

    patched = api("patch", f"/api/v1/repair-orders/{order['id']}/lines/{oil['id']}", json={"quantity": 4500})
    assert patched.status_code == 200 and patched.get_json()["amount_fen"] == 30_600
    removed = api("delete", f"/api/v1/repair-orders/{order['id']}/lines/{filter_line['id']}")
    assert removed.status_code == 204

    estimate = get(api, order["id"])["totals"]
    # 60.00 labor + 306.00 oil + 144.00 - 7.20 brakes = 502.80, VAT 13% inside it
    assert (estimate["basis"], estimate["total_fen"], estimate["labor_fen"], estimate["parts_fen"]) == (
        "estimate", 50_280, 19_680, 30_600)
    assert estimate["net_fen"] + estimate["vat_fen"] == 50_280 and estimate["net_fen"] == 44_496
    assert estimate["by_payer"]["customer"] == {"amount_fen": 51_000, "discount_fen": 720, "net_fen": 50_280}

    act(api, order["id"], "submit_estimate")
    approved = act(api, order["id"], "approve_estimate", approval={
        "method": "signature", "approver_name": "张伟", "signature": SIGNATURE})
    assert approved["state"] == "approved" and approved["approved_total_fen"] == 50_280
    [approval] = approved["approvals"]
    assert (approval["subject"], approval["method"], approval["signed"], approval["amount_fen"]) == (
        "estimate", "signature", True, 50_280)
    assert "signature_png" not in approval

    technician = shop.technician_user.id
    for job in approved["jobs"]:
        assigned = job_act(api, order["id"], job["id"], "assign", technician_ids=[technician])
        assert assigned["technician_ids"] == [technician]
    act(api, order["id"], "dispatch")
    oil_line = db.session.get(RepairLine, oil["id"])
    services.issue_to_line(oil_line.id, quantity=4500, actor=shop.clerk, now=NOW)  # at the parts counter
    for job in approved["jobs"]:
        job_act(api, order["id"], job["id"], "clock_on", "technician")
        done = job_act(api, order["id"], job["id"], "mark_done", "technician")
        assert done["work"] == "done"

    act(api, order["id"], "request_quality_check", "technician")
    failed = act(api, order["id"], "fail_quality_check", "service_advisor", qc={"reason": "路试刹车仍有异响"})
    assert failed["state"] == "in_progress" and failed["quality_checks"][0]["passed"] is False
    for job in approved["jobs"]:
        job_act(api, order["id"], job["id"], "mark_done", "technician")
    act(api, order["id"], "request_quality_check", "technician")
    ready = act(api, order["id"], "pass_quality_check", "service_advisor", qc={"checklist": ALL_CHECKED})
    assert ready["state"] == "ready" and ready["ready_at"] and ready["late"] is False

    settled = act(api, order["id"], "settle", "cashier", payments=[
        {"method": "wechat_pay", "amount_fen": 30_000, "reference": "4200001234202611230001"},
        {"method": "cash", "amount_fen": 20_280}])
    assert settled["state"] == "settled" and settled["customer_total_fen"] == 50_280
    assert [(p["method"], p["amount_fen"]) for p in settled["payments"]] == [("wechat_pay", 30_000),
                                                                             ("cash", 20_280)]
    assert settled["totals"]["basis"] == "settled" and settled["totals"]["total_fen"] == 50_280
    assert (settled["vat_rate_bp"], settled["net_fen"] + settled["vat_fen"]) == (1300, 50_280)

    delivered = act(api, order["id"], "deliver")
    assert delivered["state"] == "delivered" and delivered["allowed_actions"] == []
    assert [e["action"] for e in delivered["events"] if e["from_state"] != e["to_state"]] == [
        "open", "submit_estimate", "approve_estimate", "dispatch", "request_quality_check", "fail_quality_check",
        "request_quality_check", "pass_quality_check", "settle", "deliver"]
    assert all(e["actor_name"] for e in delivered["events"])


def test_api_accepts_every_workflow_action(api, shop):
    order = open_order(api, shop)

    for action in TRANSITIONS:
        response = api("post", f"/api/v1/repair-orders/{order['id']}/transitions", "manager",
                       json={"action": action})
        assert response.status_code in (200, 409, 422), (action, response.get_json())
        assert "action" not in response.get_json().get("error", {}).get("fields", {}), action


def test_api_cancel_with_reason(api, shop):
    order = open_order(api, shop)

    cancelled = act(api, order["id"], "cancel", reason="客户临时有事，改天再来")

    assert cancelled["state"] == "cancelled" and cancelled["cancel_reason"] == "客户临时有事，改天再来"


def test_api_extra_work_is_approved_by_phone_and_raises_the_limit(api, shop):
    order = open_order(api, shop, concerns=["保养"])
    add_line(api, order, kind="labor", operation_id=shop.oil_service.id)
    act(api, order["id"], "submit_estimate")
    act(api, order["id"], "approve_estimate", approval=BY_PHONE)

    finding = api("post", f"/api/v1/repair-orders/{order['id']}/jobs", "technician",
                  json={"concern": "前刹车片磨损到极限", "finding": True})
    assert finding.status_code == 201 and finding.get_json()["approval"] == "pending"
    order = get(api, order["id"])
    add_line(api, order, 1, kind="labor", operation_id=shop.brakes.id)
    assert get(api, order["id"])["totals"]["pending_fen"] == 14_400

    approved = act(api, order["id"], "approve_extra_work", job_ids=[finding.get_json()["id"]], approval=BY_PHONE)

    assert approved["approved_total_fen"] == 6_000 + 14_400
    assert [a["subject"] for a in approved["approvals"]] == ["estimate", "extra_work"]
    assert approved["approvals"][1]["phone"] == "13812345678"  # advisors call owners: the number whole


def test_api_approval_phone_is_masked_for_the_cashier(api, shop):
    order = open_order(api, shop, concerns=["保养"])
    add_line(api, order, kind="labor", operation_id=shop.oil_service.id)
    act(api, order["id"], "submit_estimate")
    act(api, order["id"], "approve_estimate", approval=BY_PHONE)

    assert get(api, order["id"], "cashier")["approvals"][0]["phone"] == "138****5678"


def test_api_list_orders_with_filters(api, shop, other_store, tokens):
    first = open_order(api, shop, concerns=["保养"])
    second = open_order(api, shop, concerns=["空调不凉"])
    act(api, second["id"], "cancel", reason="不修了")
    other_car = VehicleFactory(owner__store=shop.store, store=shop.store)
    db.session.commit()

    everything = api("get", "/api/v1/repair-orders").get_json()
    open_only = api("get", "/api/v1/repair-orders?state=open&state=estimated").get_json()
    by_vehicle = api("get", f"/api/v1/repair-orders?vehicle_id={other_car.id}").get_json()
    today = datetime.now(timezone(timedelta(hours=8))).date().isoformat()
    on_day = api("get", f"/api/v1/repair-orders?opened_on={today}").get_json()
    bad_state = api("get", "/api/v1/repair-orders?state=lost")

    assert [o["id"] for o in everything["items"]] == [second["id"], first["id"]] and everything["total"] == 2
    assert everything["items"][0]["plate"] == shop.vehicle.plate
    assert [o["id"] for o in open_only["items"]] == [first["id"]]
    assert by_vehicle["items"] == []
    assert on_day["total"] == 2
    assert_error(bad_state, 422, "validation_failed", fields=["state.0"])  # the first ?state= value


# -- errors: status and shape ------------------------------------------------------------------------

def test_api_without_a_token_is_401(client, shop):
    db.session.commit()
    for method, url in (("get", "/api/v1/repair-orders"), ("post", "/api/v1/repair-orders"),
                        ("get", "/api/v1/repair-orders/1"), ("post", "/api/v1/repair-orders/1/transitions"),
                        ("get", "/api/v1/labor-operations")):
        assert_error(client.open(url, method=method.upper(), json={}), 401, "unauthorized")


@pytest.mark.parametrize("role, method, url", [
    ("parts_clerk", "post", "/api/v1/repair-orders"),
    ("cashier", "post", "/api/v1/repair-orders"),
    ("rescue_dispatcher", "get", "/api/v1/repair-orders"),
    ("technician", "get", "/api/v1/labor-operations"),
    ("service_advisor", "post", "/api/v1/labor-operations"),
])
def test_api_wrong_role_is_403(api, role, method, url):
    assert_error(api(method, url, role, json={}), 403, "forbidden")


def test_api_action_the_role_may_not_take_is_403_and_changes_nothing(api, shop):
    order = open_order(api, shop)
    add_line(api, order, kind="labor", operation_id=shop.oil_service.id)

    assert_error(api("post", f"/api/v1/repair-orders/{order['id']}/transitions", "cashier",
                     json={"action": "submit_estimate"}), 403, "forbidden")
    assert_error(api("post", f"/api/v1/repair-orders/{order['id']}/transitions", "technician",
                     json={"action": "cancel", "reason": "x"}), 403, "forbidden")
    assert_error(api("post", f"/api/v1/repair-orders/{order['id']}/jobs", "technician",
                     json={"concern": "顺便洗车"}), 403, "forbidden")
    assert_error(api("post", f"/api/v1/repair-orders/{order['id']}/jobs/{order['jobs'][0]['id']}/transitions",
                     "technician", json={"action": "assign", "technician_ids": []}), 403, "forbidden")
    assert get(api, order["id"])["state"] == "open"


def test_api_a_job_not_assigned_to_the_technician_is_forbidden(api, shop):
    order = open_order(api, shop, concerns=("保养",))
    add_line(api, order, kind="labor", operation_id=shop.oil_service.id)
    act(api, order["id"], "submit_estimate")
    act(api, order["id"], "approve_estimate", approval=BY_PHONE)
    job_id = order["jobs"][0]["id"]
    another = UserFactory(username="tech2", roles=["technician"], store=shop.store)
    db.session.commit()
    job_act(api, order["id"], job_id, "assign", technician_ids=[another.id])
    act(api, order["id"], "dispatch")
    refused = api("post", f"/api/v1/repair-orders/{order['id']}/jobs/{job_id}/transitions", "technician",
                  json={"action": "clock_on"})
    assert_error(refused, 403, "repair.not_assigned")
    assert get(api, order["id"])["jobs"][0]["work"] == "waiting"


def test_api_order_of_another_store_is_404(api, client, shop, other_store, group_manager):
    theirs = VehicleFactory(owner__store=other_store, store=other_store)
    group = bearer(group_manager)
    db.session.commit()
    body = {"vehicle_id": theirs.id, "concerns": ["保养"], "promised_at": promise()}

    assert_error(api("post", "/api/v1/repair-orders", json=body), 404, "not_found")
    opened = client.post("/api/v1/repair-orders", headers=group, json=body)  # the group sees every store
    assert opened.status_code == 201, opened.get_json()
    order_id = opened.get_json()["id"]
    assert_error(api("get", f"/api/v1/repair-orders/{order_id}"), 404, "not_found")
    assert_error(api("post", f"/api/v1/repair-orders/{order_id}/transitions", json={"action": "cancel",
                                                                                  "reason": "x"}),
                 404, "not_found")
    assert_error(api("get", "/api/v1/repair-orders/999999"), 404, "not_found")
    assert [o["id"] for o in api("get", "/api/v1/repair-orders").get_json()["items"]] == []


def test_api_job_and_line_must_belong_to_the_order(api, shop):
    first = open_order(api, shop, concerns=["保养"])
    second = open_order(api, shop, concerns=["洗车"])
    line = add_line(api, first, kind="labor", operation_id=shop.oil_service.id)

    wrong_job = api("post", f"/api/v1/repair-orders/{second['id']}/jobs/{first['jobs'][0]['id']}/lines",
                    json={"kind": "labor", "operation_id": shop.oil_service.id})
    wrong_line = api("patch", f"/api/v1/repair-orders/{second['id']}/lines/{line['id']}", json={"hours": 100})
    wrong_delete = api("delete", f"/api/v1/repair-orders/{second['id']}/lines/{line['id']}")

    assert_error(wrong_job, 404, "not_found")
    assert_error(wrong_line, 404, "not_found")
    assert_error(wrong_delete, 404, "not_found")
    db.session.expire_all()
    assert db.session.get(RepairLine, line["id"]).hours == 50


def test_api_illegal_transition_is_409(api, shop):
    order = open_order(api, shop)

    error = assert_error(api("post", f"/api/v1/repair-orders/{order['id']}/transitions",
                             json={"action": "deliver"}), 409, "repair.illegal_transition")

    assert error["message"]


def test_api_changing_an_approved_job_is_409(api, shop):
    order = open_order(api, shop, concerns=["保养"])
    line = add_line(api, order, kind="labor", operation_id=shop.oil_service.id)
    act(api, order["id"], "submit_estimate")
    act(api, order["id"], "approve_estimate", approval=BY_PHONE)

    assert_error(api("patch", f"/api/v1/repair-orders/{order['id']}/lines/{line['id']}", json={"hours": 200}),
                 409, "repair.job_locked")
    assert_error(api("post", f"/api/v1/repair-orders/{order['id']}/jobs/{order['jobs'][0]['id']}/lines",
                     json={"kind": "parts", "part_id": shop.oil.id, "quantity": 1000}), 409, "repair.job_locked")


def test_api_discount_above_the_limit_needs_a_manager(api, shop):
    order = open_order(api, shop, concerns=["保养"])
    job_id = order["jobs"][0]["id"]
    line = {"kind": "labor", "operation_id": shop.oil_service.id, "manual_discount_bp": 2000}

    refused = api("post", f"/api/v1/repair-orders/{order['id']}/jobs/{job_id}/lines", json=line)
    allowed = api("post", f"/api/v1/repair-orders/{order['id']}/jobs/{job_id}/lines", "manager", json=line)

    assert_error(refused, 403, "repair.discount_needs_manager", fields=["manual_discount_bp"])
    assert allowed.status_code == 201 and allowed.get_json()["discount_fen"] == 1_200


@pytest.mark.parametrize("body, code, fields", [
    ({"concerns": ["保养"], "promised_at": "2030-01-01T10:00:00"}, "validation_failed", ["promised_at"]),
    ({"concerns": [], "promised_at": None}, "validation_failed", ["concerns", "promised_at"]),
    ({"concerns": ["保养"], "promised_at": "2020-01-01T10:00:00+08:00"}, "repair.invalid", ["promised_at"]),
    ({"concerns": ["保养"], "promised_at": "in a while"}, "validation_failed", ["promised_at"]),
    ({"concerns": ["保养"], "kind": "tuning"}, "validation_failed", ["kind"]),
    ({"concerns": ["保养"], "odometer_km": 100}, "customers.odometer_backwards", ["km"]),
])
def test_api_create_order_invalid_input_is_422(api, shop, body, code, fields):
    record_odometer(shop.vehicle.id, km=30_000, read_on=datetime.now(timezone.utc).date() - timedelta(days=1),
                    actor=shop.advisor, now=datetime.now(timezone.utc))
    body = {"vehicle_id": shop.vehicle.id, "promised_at": promise(), **body}
    if body.get("promised_at") is None:
        body.pop("promised_at")

    assert_error(api("post", "/api/v1/repair-orders", json=body), 422, code, fields=fields)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RepairOrder)) == 0


def test_api_domain_errors_are_422_with_their_fields(api, shop):
    order = open_order(api, shop, concerns=["保养"])
    url = f"/api/v1/repair-orders/{order['id']}"
    job = f"{url}/jobs/{order['jobs'][0]['id']}/lines"

    assert_error(api("post", job, json={"kind": "labor", "operation_id": 999_999}), 422, "repair.invalid",
                 fields=["operation_id"])
    assert_error(api("post", job, json={"kind": "parts", "part_id": shop.oil.id}), 422, "repair.invalid",
                 fields=["quantity"])
    assert_error(api("post", job, json={"kind": "labor", "hours": 1.5}), 422, "validation_failed", fields=["hours"])
    assert_error(api("post", f"{url}/transitions", json={"action": "submit_estimate"}), 422, "repair.workflow")
    assert_error(api("post", f"{url}/transitions", json={"action": "fly"}), 422, "validation_failed",
                 fields=["action"])

    add_line(api, order, kind="labor", operation_id=shop.oil_service.id)
    act(api, order["id"], "submit_estimate")
    assert_error(api("post", f"{url}/transitions", json={"action": "approve_estimate"}), 422, "validation_failed",
                 fields=["approval"])
    assert_error(api("post", f"{url}/transitions", json={"action": "approve_estimate", "approval": {
        "method": "signature", "approver_name": "张伟", "signature": "data:image/png;base64,bm90IGEgcG5n"}}),
        422, "repair.workflow", fields=["signature"])
    assert get(api, order["id"])["state"] == "estimated"


def test_api_settle_with_payments_that_do_not_add_up_is_422(api, shop):
    order = finished_order(shop)
    db.session.commit()
    url = f"/api/v1/repair-orders/{order.id}/transitions"

    short = api("post", url, "cashier", json={"action": "settle", "payments": [
        {"method": "cash", "amount_fen": 100}]})
    no_reference = api("post", url, "cashier", json={"action": "settle", "payments": [
        {"method": "alipay", "amount_fen": 100}]})
    zero = api("post", url, "cashier", json={"action": "settle", "payments": [{"method": "cash", "amount_fen": 0}]})

    assert_error(short, 422, "repair.workflow", fields=["payments"])
    assert_error(no_reference, 422, "repair.workflow", fields=["payments.0.reference"])
    assert_error(zero, 422, "validation_failed", fields=["payments.0.amount_fen"])
    assert get(api, order.id)["state"] == "ready"


# -- the labor catalogue -----------------------------------------------------------------------------

def test_api_labor_operations_search_and_list(api, shop):
    found = api("get", "/api/v1/labor-operations?q=brk").get_json()
    by_name = api("get", "/api/v1/labor-operations?q=机油").get_json()
    listing = api("get", "/api/v1/labor-operations").get_json()

    assert [o["code"] for o in found["items"]] == ["BRK-FRONT"]
    assert found["items"][0]["family_hours"] == {"midsize": 150} and found["items"][0]["hours"] == 120
    assert [o["code"] for o in by_name["items"]] == ["MAINT-OIL"]
    assert [o["code"] for o in listing["items"]] == ["BRK-FRONT", "MAINT-OIL"] and listing["total"] == 2


def test_api_labor_operation_create_get_and_update(api, shop):
    created = api("post", "/api/v1/labor-operations", "manager", json={
        "code": "chs-align", "name": "四轮定位", "category": "mechanical", "hours": 100,
        "family_hours": {"suv": 120}})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["code"], body["store_id"], body["family_hours"]) == ("CHS-ALIGN", shop.store.id, {"suv": 120})

    assert api("get", f"/api/v1/labor-operations/{body['id']}").get_json()["name"] == "四轮定位"
    updated = api("put", f"/api/v1/labor-operations/{body['id']}", "manager", json={
        "code": "CHS-ALIGN", "name": "四轮定位（含调整）", "category": "mechanical", "hours": 120, "active": False})
    assert updated.status_code == 200 and updated.get_json()["family_hours"] == {}
    db.session.expire_all()
    assert db.session.get(LaborOperation, body["id"]).active is False


def test_api_labor_operation_errors(api, client, shop, other_store, group_manager):
    taken = api("post", "/api/v1/labor-operations", "manager", json={
        "code": "BRK-FRONT", "name": "重复", "category": "mechanical", "hours": 100})
    bad = api("post", "/api/v1/labor-operations", "manager", json={
        "code": "X", "name": "测试", "category": "welding", "hours": 0})
    elsewhere = api("post", "/api/v1/labor-operations", "manager", json={
        "code": "X", "name": "测试", "category": "body", "hours": 100, "store_id": other_store.id})

    assert_error(taken, 409, "repair.operation_code_taken", fields=["code"])
    assert_error(bad, 422, "validation_failed", fields=["category", "hours"])
    assert_error(elsewhere, 403, "forbidden")
    group = bearer(group_manager)
    db.session.commit()
    unnamed = client.post("/api/v1/labor-operations", headers=group, json={
        "code": "X", "name": "测试", "category": "body", "hours": 100})
    named = client.post("/api/v1/labor-operations", headers=group, json={
        "code": "X", "name": "测试", "category": "body", "hours": 100, "store_id": other_store.id})
    assert_error(unnamed, 422, "validation_failed", fields=["store_id"])
    assert named.status_code == 201 and named.get_json()["store_id"] == other_store.id


def test_api_openapi_document_says_money_is_fen_and_hours_hundredths(client):
    document = client.get("/api/v1/openapi.json").get_json()

    schemas = document["components"]["schemas"]
    line_in = schemas["LineIn"]["properties"]
    assert "hundredths" in line_in["hours"]["description"]
    assert "thousandths" in line_in["quantity"]["description"]
    assert "fen" in schemas["PaymentIn"]["properties"]["amount_fen"]["description"]
    paths = document["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/repair-orders"])
    assert {"patch", "delete"} <= set(paths["/api/v1/repair-orders/{order_id}/lines/{line_id}"])
    assert "post" in paths["/api/v1/repair-orders/{order_id}/transitions"]
    assert {"get", "post"} <= set(paths["/api/v1/labor-operations"])
