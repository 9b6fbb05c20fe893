"""/api/v1/customers and /api/v1/vehicles: bearer tokens, the one error shape, masking, search."""
import pytest

from dealer.customers.models import Customer, OdometerReading, Vehicle
from dealer.extensions import db
from tests.factories import CustomerFactory, VehicleFactory
from tests.helpers import assert_error, bearer, count, fresh, loaded, login

VIN = "LFV3A23C9J3012345"


@pytest.fixture()
def owner(ctx, store):
    customer = CustomerFactory(store=store, name="欧阳娜娜", mobile="13812345678", mobile_last4="5678")
    VehicleFactory(owner=customer, plate="粤B8C6K9", plate_reversed="9K6C8B粤", vin=VIN, vin_reversed=VIN[::-1])
    db.session.commit()  # keep the rows when an error response rolls the session back
    return loaded(customer, "vehicles")


# -- authentication ----------------------------------------------------------------------------

@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer"},
                                     {"Authorization": "Bearer dlr_not-a-token"},
                                     {"Authorization": "Basic dXNlcjpwYXNz"}])
def test_api_without_a_valid_token_is_401(client, staff, headers):
    response = client.get("/api/v1/customers", headers=headers)
    assert_error(response, 401, "unauthorized")
    assert response.content_type.startswith("application/json")


def test_api_session_cookie_is_not_enough(client, staff):
    login(client, staff["service_advisor"])
    assert_error(client.get("/api/v1/customers"), 401, "unauthorized")


# -- customers ---------------------------------------------------------------------------------

def test_api_create_customer_is_201_with_the_file(client, store, advisor_headers):
    response = client.post("/api/v1/customers", headers=advisor_headers, json={
        "name": "张伟", "mobile": "+86 138 1234 5678", "marketing_consent": True, "birthday": "1985-05-01"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["store_id"], body["name"], body["mobile"], body["marketing_consent"]) == (
        store.id, "张伟", "13812345678", True)
    assert body["birthday"] == "1985-05-01" and body["vehicles"] == []
    assert fresh(Customer, body["id"]).mobile == "13812345678"


def test_api_create_customer_invalid_mobile_is_422_with_the_field(client, advisor_headers):
    response = client.post("/api/v1/customers", headers=advisor_headers,
                           json={"name": "张伟", "mobile": "1381234"})
    error = assert_error(response, 422, "invalid_value", fields=["mobile"])
    assert error["fields"]["mobile"] and isinstance(error["fields"]["mobile"][0], str)
    assert count(Customer) == 0


def test_api_create_customer_missing_fields_is_422_listing_them(client, advisor_headers):
    response = client.post("/api/v1/customers", headers=advisor_headers, json={"notes": "x"})
    assert_error(response, 422, "validation_failed", fields=["name", "mobile"])


def test_api_create_customer_duplicate_mobile_is_409(client, advisor_headers, owner):
    response = client.post("/api/v1/customers", headers=advisor_headers,
                           json={"name": "张伟", "mobile": "13812345678"})
    assert_error(response, 409, "customers.mobile_taken", fields=["mobile"])
    assert count(Customer) == 1


def test_api_create_customer_in_another_store_is_403(client, advisor_headers, other_store):
    response = client.post("/api/v1/customers", headers=advisor_headers, json={
        "name": "张伟", "mobile": "13812345678", "store_id": other_store.id})
    assert_error(response, 403, "forbidden")
    assert count(Customer) == 0


def test_api_update_customer_replaces_the_details(client, advisor_headers, owner):
    response = client.put(f"/api/v1/customers/{owner.id}", headers=advisor_headers,
                          json={"name": "欧阳娜娜", "mobile": "13900001111", "notes": "改号"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["mobile"] == "13900001111"
    assert fresh(Customer, owner.id).notes == "改号"


def test_api_get_customer_of_another_store_is_404(client, advisor_headers, other_store):
    stranger = CustomerFactory(store=other_store)
    db.session.commit()
    assert_error(client.get(f"/api/v1/customers/{stranger.id}", headers=advisor_headers), 404, "not_found")
    assert_error(client.get("/api/v1/customers/999999", headers=advisor_headers), 404, "not_found")


def test_api_list_customers_is_scoped_and_searchable(client, advisor_headers, owner, other_store):
    CustomerFactory(store=other_store, mobile="13700005678", mobile_last4="5678")
    db.session.commit()
    listing = client.get("/api/v1/customers", headers=advisor_headers).get_json()
    assert [c["id"] for c in listing["items"]] == [owner.id] and listing["total"] == 1
    found = client.get("/api/v1/customers?q=5678", headers=advisor_headers).get_json()
    assert [c["id"] for c in found["items"]] == [owner.id]


# -- vehicles ----------------------------------------------------------------------------------

def test_api_vehicles_search_by_last_four_of_plate(client, advisor_headers, owner):
    response = client.get("/api/v1/vehicles?q=c6k9", headers=advisor_headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 1
    [vehicle] = body["items"]
    assert (vehicle["plate"], vehicle["vin"], vehicle["owner_id"]) == ("粤B8C6K9", VIN, owner.id)
    assert vehicle["owner"] == {"id": owner.id, "name": "欧阳娜娜", "mobile": "13812345678"}


def test_api_vehicles_search_without_q_or_hits_is_empty(client, advisor_headers, owner):
    assert client.get("/api/v1/vehicles", headers=advisor_headers).get_json() == {"items": [], "total": 0}
    assert client.get("/api/v1/vehicles?q=ZZZZ99", headers=advisor_headers).get_json()["items"] == []


def test_api_create_vehicle_is_201_and_wrong_vin_is_422(client, advisor_headers, owner):
    response = client.post("/api/v1/vehicles", headers=advisor_headers, json={
        "customer_id": owner.id, "plate": "粤BD12345", "vin": "1M8GDM9AXKP042788", "odometer_km": 3000})
    assert response.status_code == 201, response.get_json()
    assert (response.get_json()["plate"], response.get_json()["odometer_km"]) == ("粤BD12345", 3000)

    response = client.post("/api/v1/vehicles", headers=advisor_headers, json={
        "customer_id": owner.id, "plate": "粤BD54321", "vin": "1M8GDM9A0KP042788"})
    assert_error(response, 422, "invalid_value", fields=["vin"])
    assert count(Vehicle) == 2


def test_api_create_vehicle_taken_plate_is_409(client, advisor_headers, owner):
    response = client.post("/api/v1/vehicles", headers=advisor_headers, json={
        "customer_id": owner.id, "plate": "粤b8c6k9", "vin": "1M8GDM9AXKP042788"})
    assert_error(response, 409, "customers.plate_taken", fields=["plate"])


def test_api_create_vehicle_reports_every_wrong_field_at_once(client, advisor_headers, owner):
    """Issue 12: the API too names the bad plate and the VIN's wrong check digit in one answer."""
    response = client.post("/api/v1/vehicles", headers=advisor_headers, json={
        "customer_id": owner.id, "plate": "港A12345", "vin": VIN[:-1] + "6", "seats": 0})
    assert_error(response, 422, "validation_failed", fields=["plate", "seats", "vin"])
    assert count(Vehicle) == 1


def test_api_vehicle_model_family_is_a_code_of_the_list(client, advisor_headers, owner):
    response = client.post("/api/v1/vehicles", headers=advisor_headers, json={
        "customer_id": owner.id, "plate": "粤BD54321", "vin": "LFV2A21K8A3000001", "model_family": "SUV车型"})
    assert_error(response, 422, "validation_failed", fields=["model_family"])
    response = client.post("/api/v1/vehicles", headers=advisor_headers, json={
        "customer_id": owner.id, "plate": "粤BD54321", "vin": "LFV2A21K8A3000001", "model_family": "ev"})
    assert response.status_code == 201 and response.get_json()["model_family"] == "ev"


def test_api_record_odometer_and_refuse_going_backwards(client, advisor_headers, owner):
    url = f"/api/v1/vehicles/{owner.vehicles[0].id}/odometer"
    response = client.post(url, headers=advisor_headers, json={"km": 20000, "read_on": "2026-05-01"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["km"] == 20000
    response = client.post(url, headers=advisor_headers, json={"km": 19000, "read_on": "2026-06-01"})
    assert_error(response, 422, "customers.odometer_backwards", fields=["km"])
    response = client.post(url, headers=advisor_headers, json={"km": 19000, "read_on": "2026-06-01",
                                                               "is_correction": True, "note": "仪表更换"})
    assert response.status_code == 201
    assert count(OdometerReading) == 2


# -- roles -------------------------------------------------------------------------------------

def test_api_technician_sees_masked_mobiles(client, ctx, staff, owner):
    headers = bearer(staff["technician"])
    body = client.get(f"/api/v1/customers/{owner.id}", headers=headers).get_json()
    assert body["mobile"] == "138****5678"
    [vehicle] = client.get("/api/v1/vehicles?q=5678", headers=headers).get_json()["items"]
    assert vehicle["owner"]["mobile"] == "138****5678"
    listing = client.get("/api/v1/customers", headers=headers).get_data(as_text=True)
    assert "13812345678" not in listing


def test_api_technician_cannot_write_customers_or_vehicles(client, ctx, staff, owner):
    headers = bearer(staff["technician"])
    response = client.post("/api/v1/customers", headers=headers, json={"name": "张伟", "mobile": "13900001111"})
    assert_error(response, 403, "forbidden")
    response = client.post("/api/v1/vehicles", headers=headers, json={
        "customer_id": owner.id, "plate": "粤BD12345", "vin": "1M8GDM9AXKP042788"})
    assert_error(response, 403, "forbidden")
    assert count(Customer) == 1 and count(Vehicle) == 1


def test_api_parts_clerk_cannot_read_customers(client, ctx, staff, owner):
    headers = bearer(staff["parts_clerk"])
    assert_error(client.get("/api/v1/customers", headers=headers), 403, "forbidden")
    assert_error(client.get("/api/v1/vehicles?q=5678", headers=headers), 403, "forbidden")


def test_api_service_sms_choice_is_recorded_and_shown(client, advisor_headers, owner):
    assert client.get(f"/api/v1/customers/{owner.id}", headers=advisor_headers).get_json()["service_sms_opt_out"] is False

    response = client.put(f"/api/v1/customers/{owner.id}/service-sms", headers=advisor_headers,
                          json={"opted_out": True})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["service_sms_opt_out"] is True
    assert fresh(Customer, owner.id).service_sms_opt_out is True
    assert_error(client.put(f"/api/v1/customers/{owner.id}/service-sms", headers=advisor_headers, json={}),
                 422, "validation_failed", fields=["opted_out"])


def test_api_service_sms_choice_is_refused_to_a_technician(client, ctx, staff, owner):
    response = client.put(f"/api/v1/customers/{owner.id}/service-sms", headers=bearer(staff["technician"]),
                          json={"opted_out": True})
    assert response.status_code == 403
    assert fresh(Customer, owner.id).service_sms_opt_out is False
