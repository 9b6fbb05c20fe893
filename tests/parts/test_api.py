"""/api/v1/parts: search, stock figures in integers, create, receipts, low stock; the one error shape."""
import pytest

from dealer.extensions import db
from dealer.parts.models import Part, StockMove
from tests.factories import PartFactory
from tests.helpers import assert_error, bearer, count


@pytest.fixture()
def clerk_headers(ctx, staff):
    return bearer(staff["parts_clerk"])


@pytest.fixture()
def part(ctx, store):
    part = PartFactory(store=store, part_number="06J115403Q", name="机油滤清器", price_fen=8850, cost_fen=5200,
                       on_hand=3000, reserved=1000, reorder_level=2000)
    db.session.commit()  # keep the row when an error response rolls the session back
    return part


def test_api_search_parts_by_number_prefix(client, part, store, advisor_headers):
    PartFactory(store=store, part_number="5QD698151")
    db.session.commit()

    response = client.get("/api/v1/parts?q=06j 115", headers=advisor_headers)

    assert response.status_code == 200
    body = response.get_json()
    assert [p["part_number"] for p in body["items"]] == ["06J115403Q"] and body["total"] == 1


def test_api_list_parts_pages_the_catalogue(client, part, store, clerk_headers):
    PartFactory(store=store, part_number="5QD698151")
    db.session.commit()
    body = client.get("/api/v1/parts?per_page=1&page=2", headers=clerk_headers).get_json()
    assert (body["total"], body["page"], [p["part_number"] for p in body["items"]]) == (2, 2, ["5QD698151"])


def test_api_get_part_has_stock_figures_in_thousandths_and_money_in_fen(client, part, clerk_headers):
    body = client.get(f"/api/v1/parts/{part.id}", headers=clerk_headers).get_json()
    assert {k: body[k] for k in ("part_number", "price_fen", "cost_fen", "genuine", "on_hand", "reserved",
                                 "available", "reorder_level")} == {
        "part_number": "06J115403Q", "price_fen": 8850, "cost_fen": 5200, "genuine": True, "on_hand": 3000,
        "reserved": 1000, "available": 2000, "reorder_level": 2000}


def test_api_get_part_hides_the_cost_from_roles_that_do_not_keep_stock(client, part, advisor_headers):
    body = client.get(f"/api/v1/parts/{part.id}", headers=advisor_headers).get_json()
    assert body["cost_fen"] is None and body["price_fen"] == 8850


def test_api_get_part_of_another_store_is_404(client, other_store, clerk_headers):
    elsewhere = PartFactory(store=other_store)
    db.session.commit()
    assert_error(client.get(f"/api/v1/parts/{elsewhere.id}", headers=clerk_headers), 404, "not_found")


def test_api_create_part_is_201_normalised_and_genuine_by_default(client, store, clerk_headers):
    response = client.post("/api/v1/parts", headers=clerk_headers, json={
        "part_number": "5qd 698 151", "name": "前刹车片", "unit": "套", "price_fen": 128050,
        "reorder_level": 2000})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["store_id"], body["part_number"], body["genuine"], body["on_hand"], body["cost_fen"]) == (
        store.id, "5QD698151", True, 0, 0)


def test_api_create_part_taken_number_is_409_naming_the_field(client, part, clerk_headers):
    response = client.post("/api/v1/parts", headers=clerk_headers, json={
        "part_number": "06J115403Q", "name": "x", "price_fen": 1})
    assert_error(response, 409, "parts.part_number_taken", fields=["part_number"])
    assert count(Part) == 1


@pytest.mark.parametrize("payload, fields", [
    ({"name": "x", "price_fen": 1}, ["part_number"]),
    ({"part_number": "A1", "name": "x", "price_fen": -1}, ["price_fen"]),
    ({"part_number": "A1", "name": "x", "price_fen": "12.5"}, ["price_fen"]),
    ({"part_number": "A1", "name": "x", "price_fen": 1, "on_hand": 5000}, ["on_hand"]),
])
def test_api_create_part_invalid_input_is_422(client, store, clerk_headers, payload, fields):
    assert_error(client.post("/api/v1/parts", headers=clerk_headers, json=payload), 422, "validation_failed",
                 fields=fields)
    assert count(Part) == 0


def test_api_create_part_with_a_bad_number_is_the_services_422(client, store, clerk_headers):
    response = client.post("/api/v1/parts", headers=clerk_headers, json={"part_number": "A#1", "name": "x",
                                                                        "price_fen": 1})
    assert_error(response, 422, "parts.invalid", fields=["part_number"])


def test_api_create_part_is_refused_to_the_workshop(client, staff):
    response = client.post("/api/v1/parts", headers=bearer(staff["technician"]), json={
        "part_number": "A1", "name": "x", "price_fen": 1})
    assert_error(response, 403, "forbidden")


def test_api_receipt_is_201_with_the_stock_move(client, part, clerk_headers):
    response = client.post(f"/api/v1/parts/{part.id}/receipts", headers=clerk_headers, json={
        "quantity": 12000, "unit_cost_fen": 4150, "reference": "DN2026112301"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert [body[k] for k in ("kind", "quantity", "on_hand_after", "unit_cost_fen", "reference")] == [
        "receipt", 12000, 15000, 4150, "DN2026112301"]
    assert count(StockMove) == 1


@pytest.mark.parametrize("payload, fields", [
    ({"quantity": 0, "unit_cost_fen": 1, "reference": "DN1"}, ["quantity"]),
    ({"quantity": 1000, "unit_cost_fen": 1}, ["reference"]),
    ({"quantity": 1.5, "unit_cost_fen": 1, "reference": "DN1"}, ["quantity"]),
])
def test_api_receipt_invalid_input_is_422(client, part, clerk_headers, payload, fields):
    response = client.post(f"/api/v1/parts/{part.id}/receipts", headers=clerk_headers, json=payload)
    assert_error(response, 422, "validation_failed", fields=fields)
    assert count(StockMove) == 0


def test_api_receipt_blank_reference_is_the_services_422(client, part, clerk_headers):
    response = client.post(f"/api/v1/parts/{part.id}/receipts", headers=clerk_headers, json={
        "quantity": 1000, "unit_cost_fen": 1, "reference": "   "})
    assert_error(response, 422, "parts.invalid", fields=["reference"])


def test_api_receipt_for_a_part_of_another_store_is_404(client, other_store, clerk_headers):
    elsewhere = PartFactory(store=other_store)
    db.session.commit()
    response = client.post(f"/api/v1/parts/{elsewhere.id}/receipts", headers=clerk_headers, json={
        "quantity": 1000, "unit_cost_fen": 1, "reference": "DN1"})
    assert_error(response, 404, "not_found")


def test_api_low_stock_lists_shortages_first(client, part, store, clerk_headers, advisor_headers):
    PartFactory(store=store, part_number="SHORT", on_hand=0, reserved=1000)
    PartFactory(store=store, part_number="PLENTY", on_hand=9000, reorder_level=1000)
    db.session.commit()

    response = client.get("/api/v1/parts/low-stock", headers=clerk_headers)

    assert [p["part_number"] for p in response.get_json()] == ["SHORT", "06J115403Q"]
    assert response.get_json()[0]["available"] == -1000
    assert_error(client.get("/api/v1/parts/low-stock", headers=advisor_headers), 403, "forbidden")


def test_openapi_document_describes_the_parts_routes_and_units(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert {"/api/v1/parts", "/api/v1/parts/{part_id}", "/api/v1/parts/{part_id}/receipts",
            "/api/v1/parts/low-stock"} <= set(document["paths"])
    part = document["components"]["schemas"]["PartOut"]["properties"]
    assert "thousandths" in part["on_hand"]["description"].lower()
    assert "fen" in part["price_fen"]["description"]
