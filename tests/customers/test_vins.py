"""A car filed before its VIN is known (车架号待补录, booked online): filed by plate and model, passed by the VIN
search, shown as waiting on the customer's pages, refused a repair order, reminded by its plate; its VIN filled in
once, validated and unique in the store. On both databases."""
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from dealer.customers import services, vins
from dealer.customers.errors import PlateTaken, VinTaken
from dealer.customers.models import Vehicle
from dealer.customers.validators import InvalidValue
from dealer.extensions import db
from dealer.reminders.models import INSURANCE, Reminder
from dealer.reminders.services import scan
from dealer.repair.errors import RepairError
from dealer.repair.models import RepairOrder
from dealer.repair.services import OrderInput, open_order
from tests.factories import CustomerFactory, VehicleFactory
from tests.helpers import NOW, audit_entries, bearer, count, persist, text

VIN = "LFV3A23C9J3012345"
OTHER_VIN = "1M8GDM9AXKP042788"


@pytest.fixture()
def waiting(store, advisor):
    """A customer's car filed without its VIN, as a booking files it."""
    customer = CustomerFactory(store=store, name="欧阳娜娜", mobile="13812345678", mobile_last4="5678")
    persist()
    car = vins.file_vehicle_without_vin(customer.id, plate="粤b8c6k9", model="速腾", source="online_booking",
                                        actor=advisor, now=NOW)
    persist()
    return car


def test_file_vehicle_without_vin_files_the_plate_and_model_marked_by_its_source(ctx, waiting):
    car = db.session.get(Vehicle, waiting.id)
    assert (car.plate, car.plate_reversed, car.model, car.vin, car.vin_reversed, car.source) == (
        "粤B8C6K9", "9K6C8B粤", "速腾", None, None, "online_booking")
    [entry] = audit_entries("vehicle_filed_without_vin")
    assert entry.changes == {"plate": "粤B8C6K9", "model": "速腾", "owner_id": car.owner_id, "source": "online_booking"}


def test_two_cars_may_wait_for_their_vin_in_one_store(ctx, store, advisor, waiting):
    customer = CustomerFactory(store=store)
    persist()
    second = vins.file_vehicle_without_vin(customer.id, plate="粤B00001", model="", source="online_booking",
                                           actor=advisor, now=NOW)
    persist()  # the unique key is on the VINs given: two NULLs do not collide
    assert count(Vehicle, Vehicle.vin.is_(None)) == 2 and second.id != waiting.id


def test_file_vehicle_without_vin_refuses_a_plate_of_the_store_naming_its_car(ctx, store, advisor, waiting):
    customer = CustomerFactory(store=store)
    persist()
    with pytest.raises(PlateTaken) as refused:
        vins.file_vehicle_without_vin(customer.id, plate="粤B8C6K9", model="", source="online_booking",
                                      actor=advisor, now=NOW)
    assert refused.value.params["vehicle_id"] == waiting.id


def test_fill_in_vin_validates_it_and_keeps_it_with_its_reversed_key(ctx, advisor, waiting):
    vins.fill_in_vin(waiting.id, VIN.lower(), actor=advisor, now=NOW)
    persist()
    car = db.session.get(Vehicle, waiting.id)
    assert (car.vin, car.vin_reversed) == (VIN, VIN[::-1])
    assert audit_entries("vehicle_updated")[-1].changes == {"vin": [None, VIN]}
    with pytest.raises(InvalidValue):  # once given, the VIN is corrected on the vehicle's own form
        vins.fill_in_vin(waiting.id, OTHER_VIN, actor=advisor, now=NOW)


def test_fill_in_vin_with_a_wrong_check_digit_is_refused(ctx, advisor, waiting):
    wrong = VIN[:8] + "0" + VIN[9:]
    with pytest.raises(InvalidValue) as refused:
        vins.fill_in_vin(waiting.id, wrong, actor=advisor, now=NOW)
    assert refused.value.field == "vin" and "校验位" in str(refused.value.message)


def test_fill_in_vin_of_another_car_of_the_store_is_refused_naming_it(ctx, store, advisor, waiting):
    other = VehicleFactory(owner=CustomerFactory(store=store), vin=VIN, vin_reversed=VIN[::-1])
    persist()
    with pytest.raises(VinTaken) as refused:
        vins.fill_in_vin(waiting.id, VIN, actor=advisor, now=NOW)
    assert (refused.value.field, refused.value.params["vehicle_id"]) == ("vin", other.id)
    db.session.rollback()
    assert db.session.get(Vehicle, waiting.id).vin is None


def test_the_same_vin_in_another_store_is_fine(ctx, other_store, advisor, waiting):
    VehicleFactory(owner=CustomerFactory(store=other_store), vin=VIN, vin_reversed=VIN[::-1])
    persist()
    assert vins.fill_in_vin(waiting.id, VIN, actor=advisor, now=NOW).vin == VIN


def test_vehicles_without_vin_names_only_the_waiting_cars_of_the_stores(ctx, store, other_store, waiting):
    known = VehicleFactory(owner=CustomerFactory(store=store))
    persist()
    assert vins.vehicles_without_vin([store.id], [waiting.id, known.id]) == {waiting.id}
    assert vins.vehicles_without_vin([other_store.id], [waiting.id]) == set()


def test_the_vin_search_passes_a_waiting_car_by_and_the_plate_finds_it(ctx, store, advisor, waiting):
    VehicleFactory(owner=CustomerFactory(store=store), vin=VIN, vin_reversed=VIN[::-1])
    persist()
    assert [hit.vehicle.vin for hit in services.search(VIN[-6:], actor=advisor)] == [VIN]
    assert [hit.vehicle.id for hit in services.search("8C6K9", actor=advisor)] == [waiting.id]


def test_a_repair_order_is_refused_on_a_car_without_its_vin(ctx, advisor, waiting):
    with pytest.raises(RepairError) as refused:
        open_order(waiting.id, OrderInput(concerns=["保养"], promised_at=NOW + timedelta(hours=3)), actor=advisor,
                   now=NOW)
    assert refused.value.field == "vin" and "粤B8C6K9" in str(refused.value.message)


def test_the_reminder_scan_reminds_a_waiting_car_by_its_plate(ctx, waiting):
    day = date(2026, 11, 23)
    db.session.execute(sa.update(Vehicle).where(Vehicle.id == waiting.id)
                       .values(insurance_expiry=day + timedelta(days=20)))
    persist()
    scan(day=day, now=NOW)
    assert [(r.vehicle_id, r.kind) for r in db.session.scalars(sa.select(Reminder))] == [(waiting.id, INSURANCE)]


def test_the_customer_pages_show_the_vin_to_be_filled_at_check_in(advisor_client, waiting):
    for page in (f"/customers/{waiting.owner_id}", f"/vehicles/{waiting.id}", "/desk?q=8C6K9"):
        body = text(advisor_client.get(page))
        assert 'data-testid="vin-pending"' in body and "待补录" in body, page
    assert re.search(r'data-testid="vehicle-source">网上预约<', text(advisor_client.get(f"/vehicles/{waiting.id}")))


def test_the_front_desks_order_form_refuses_a_car_without_its_vin_and_opens_nothing(advisor_client, waiting):
    response = advisor_client.post(f"/repair/vehicles/{waiting.id}/orders/new", data={
        "concerns": "保养", "kind": "maintenance", "promised_at": "2031-01-05T17:30"})
    assert response.status_code == 200 and "尚未登记车架号" in text(response) and "行驶证" in text(response)
    assert count(RepairOrder) == 0


def test_the_vehicles_api_gives_a_waiting_cars_vin_as_null(client, staff, waiting):
    response = client.get(f"/api/v1/vehicles/{waiting.id}", headers=bearer(staff["service_advisor"]))
    assert response.status_code == 200 and response.json["vin"] is None and response.json["plate"] == "粤B8C6K9"


def test_the_vehicle_form_saves_a_waiting_car_without_its_vin_until_one_is_set(advisor_client, waiting):
    """Booking 5: the car's own form no longer asks for a VIN the owner has not brought yet; once set it stays."""
    fields = {"plate": "粤B8C6K9", "use": "private", "vehicle_class": "small_passenger", "model": "速腾 1.4T"}
    form = text(advisor_client.get(f"/vehicles/{waiting.id}/edit"))
    assert "车架号待补录" in form and not re.search(r'<input[^>]*name="vin"[^>]*required', form)

    response = advisor_client.post(f"/vehicles/{waiting.id}/edit", data={**fields, "vin": " "})
    db.session.expire_all()
    car = db.session.get(Vehicle, waiting.id)
    assert response.status_code == 302 and (car.model, car.vin) == ("速腾 1.4T", None)

    response = advisor_client.post(f"/vehicles/{waiting.id}/edit", data={**fields, "vin": "LFV3A23C0J3012345"})
    assert response.status_code == 200 and "校验位" in text(response)  # still checked when given
    assert advisor_client.post(f"/vehicles/{waiting.id}/edit", data={**fields, "vin": VIN}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Vehicle, waiting.id).vin == VIN

    response = advisor_client.post(f"/vehicles/{waiting.id}/edit", data={**fields, "vin": ""})
    db.session.expire_all()
    assert response.status_code == 200 and db.session.get(Vehicle, waiting.id).vin == VIN  # once set, required


def test_update_vehicle_keeps_a_waiting_car_without_vin_and_a_set_vin_required(ctx, advisor, waiting):
    services.update_vehicle(waiting.id, services.VehicleInput(plate="粤B8C6K9", vin="", model="速腾"), actor=advisor,
                            now=NOW)
    assert db.session.get(Vehicle, waiting.id).vin is None
    vins.fill_in_vin(waiting.id, VIN, actor=advisor, now=NOW)
    persist()
    with pytest.raises(InvalidValue) as refused:
        services.update_vehicle(waiting.id, services.VehicleInput(plate="粤B8C6K9", vin=""), actor=advisor, now=NOW)
    assert refused.value.field == "vin"
