"""Customers and vehicles: the business rules, called directly, on both databases."""
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from dealer.audit.models import AuditEntry
from dealer.customers import services
from dealer.customers.models import Customer, OdometerReading, Vehicle, VehicleOwnership
from dealer.customers.services import CustomerInput, VehicleInput
from dealer.customers.validators import InvalidValue
from dealer.errors import Forbidden, NotFound, ValidationFailed
from dealer.extensions import db
from dealer.sms.models import QUEUED, SENDING, SENT, SmsMessage
from dealer.sms.outbox import enqueue
from tests.factories import CustomerFactory, UserFactory, VehicleFactory
from tests.helpers import NOW, actor, audit_entries, count, loaded

FAW_VW_VIN = "LFV3A23C9J3012345"
ISO_EXAMPLE_VIN = "1M8GDM9AXKP042788"
LATER = NOW + timedelta(hours=3)


@pytest.fixture()
def other_advisor(other_store):
    return actor(UserFactory(username="advisor-gz", roles=["service_advisor"], store=other_store))


def open_customer(store, who, *, name="张伟", mobile="13812345678", **extra) -> Customer:
    return services.create_customer(CustomerInput(name=name, mobile=mobile, **extra), store_id=store.id,
                                    actor=who, now=NOW)


def register(customer, who, *, plate="粤B12345", vin=FAW_VW_VIN, now=NOW, **extra) -> Vehicle:
    return services.add_vehicle(customer.id, VehicleInput(plate=plate, vin=vin, **extra), actor=who, now=now)


def reading(vehicle, who, km, day, **extra):
    return services.record_odometer(vehicle.id, km=km, read_on=day, actor=who, now=NOW, **extra)


# -- customers ---------------------------------------------------------------------------------

def test_create_customer_opens_the_file_and_audits_it(ctx, store, advisor, staff):
    customer = open_customer(store, advisor, name="  张  伟 ", mobile="+86 138-1234-5678",
                             phone2="010 1234 5678", notes=" 老客户 ", advisor_id=staff["service_advisor"].id)

    row = db.session.get(Customer, customer.id)
    assert (row.store_id, row.name, row.mobile, row.mobile_last4) == (store.id, "张 伟", "13812345678", "5678")
    assert (row.phone2, row.notes, row.advisor_id) == ("01012345678", "老客户", staff["service_advisor"].id)
    assert row.marketing_consent is False and row.marketing_consent_at is None
    [entry] = audit_entries("customer_created")
    assert (entry.entity_type, entry.entity_id, entry.store_id) == ("customers", customer.id, store.id)
    assert entry.actor_id == staff["service_advisor"].id
    assert entry.changes == {"name": "张 伟", "marketing_consent": False}


def test_create_customer_with_marketing_consent_records_when(ctx, store, advisor):
    customer = open_customer(store, advisor, marketing_consent=True)
    assert customer.marketing_consent is True
    assert customer.marketing_consent_at == NOW


def test_create_customer_same_mobile_in_same_store_is_mobile_taken(ctx, store, advisor):
    open_customer(store, advisor, mobile="13812345678")
    with pytest.raises(services.MobileTaken) as caught:
        open_customer(store, advisor, name="李娜", mobile="138 1234 5678")
    assert caught.value.code == "customers.mobile_taken"
    assert caught.value.field == "mobile"
    assert count(Customer) == 1
    assert len(audit_entries("customer_created")) == 1


def test_create_customer_same_mobile_in_another_store_is_allowed(ctx, store, other_store, advisor,
                                                                 other_advisor):
    first = open_customer(store, advisor, mobile="13812345678")
    second = open_customer(other_store, other_advisor, mobile="13812345678")
    assert first.id != second.id
    assert count(Customer, Customer.mobile == "13812345678") == 2


@pytest.mark.parametrize("mobile", ["1381234567", "12012345678", "not a phone"])
def test_create_customer_bad_mobile_is_invalid_value_and_writes_nothing(ctx, store, advisor, mobile):
    with pytest.raises(InvalidValue) as caught:
        open_customer(store, advisor, mobile=mobile)
    assert caught.value.code == "invalid_value"
    assert caught.value.field == "mobile"
    assert count(Customer) == 0
    assert count(AuditEntry) == 0


@pytest.mark.parametrize("changes, field", [
    ({"name": "   "}, "name"),
    ({"name": "张" * 41}, "name"),
    ({"phone2": "12345"}, "phone2"),
    ({"birthday": date(2026, 11, 24)}, "birthday"),
])
def test_create_customer_invalid_details_are_refused_per_field(ctx, store, advisor, changes, field):
    data = {"name": "张伟", "mobile": "13812345678", **changes}
    with pytest.raises(InvalidValue) as caught:
        services.create_customer(CustomerInput(**data), store_id=store.id, actor=advisor, now=NOW)
    assert caught.value.field == field
    assert count(Customer) == 0


def test_create_customer_advisor_must_be_an_advisor_of_this_store(ctx, store, advisor, staff, other_advisor):
    for wrong in (staff["technician"].id, other_advisor.user_id, 999_999):
        with pytest.raises(InvalidValue) as caught:
            open_customer(store, advisor, advisor_id=wrong)
        assert caught.value.field == "advisor_id"
    assert count(Customer) == 0


def test_create_customer_in_another_store_is_forbidden(ctx, other_store, advisor):
    with pytest.raises(Forbidden) as caught:
        open_customer(other_store, advisor)
    assert caught.value.code == "forbidden"
    assert count(Customer) == 0


def test_create_customer_group_level_may_open_a_file_in_any_store(ctx, store, other_store, group):
    assert open_customer(other_store, group).store_id == other_store.id
    with pytest.raises(InvalidValue) as caught:
        services.create_customer(CustomerInput(name="张伟", mobile="13812345678"), store_id=987_654,
                                 actor=group, now=NOW)
    assert caught.value.field == "store_id"


def test_update_customer_changes_the_file_and_audits_the_change(ctx, store, advisor):
    customer = open_customer(store, advisor, mobile="13812345678", notes="旧备注")
    services.update_customer(customer.id, CustomerInput(name="张伟", mobile="13987654321", notes="新备注",
                                                        birthday=date(1985, 5, 1)), actor=advisor, now=LATER)

    row = db.session.get(Customer, customer.id)
    assert (row.mobile, row.mobile_last4, row.notes, row.birthday) == (
        "13987654321", "4321", "新备注", date(1985, 5, 1))
    [entry] = audit_entries("customer_updated")
    assert entry.changes["mobile"] == ["13812345678", "13987654321"]
    assert "notes" not in entry.changes  # free text stays out of the audit log


def test_update_customer_mobile_readdresses_their_queued_messages_only(ctx, store, other_store, advisor):
    customer = open_customer(store, advisor, mobile="13812345678")
    other = open_customer(store, advisor, name="李娜", mobile="13900001111")

    def message(who, state, phone=None):
        sms = enqueue("car_ready", store_id=store.id, phone=phone or who.mobile, now=NOW, customer=who,
                      params={"name": who.name, "plate": "粤B12345", "store_phone": "0755-27781234"})
        db.session.flush()
        sms.state = state
        return sms.id

    queued, sending, sent = (message(customer, state) for state in (QUEUED, SENDING, SENT))
    elsewhere = message(customer, QUEUED, phone="13700002222")  # sent to another number on purpose
    others = message(other, QUEUED)
    db.session.commit()

    services.update_customer(customer.id, CustomerInput(name="张伟", mobile="13987654321"), actor=advisor, now=LATER)

    phones = dict(db.session.execute(sa.select(SmsMessage.id, SmsMessage.phone)).all())
    assert phones == {queued: "13987654321", sending: "13812345678", sent: "13812345678",
                      elsewhere: "13700002222", others: "13900001111"}


def test_update_customer_without_changes_writes_no_audit_entry(ctx, store, advisor):
    customer = open_customer(store, advisor)
    services.update_customer(customer.id, CustomerInput(name="张伟", mobile="13812345678"), actor=advisor,
                             now=LATER)
    assert audit_entries("customer_updated") == []


def test_update_customer_to_a_mobile_taken_in_the_store_is_mobile_taken(ctx, store, advisor):
    open_customer(store, advisor, name="李娜", mobile="13900001111")
    customer = open_customer(store, advisor, mobile="13812345678")
    with pytest.raises(services.MobileTaken):
        services.update_customer(customer.id, CustomerInput(name="张伟", mobile="13900001111"), actor=advisor,
                                 now=LATER)
    # No rollback here: a view that puts the error on its form carries on with the same session.
    assert db.session.get(Customer, customer.id).mobile == "13812345678"
    assert count(Customer, Customer.mobile == "13900001111") == 1


def test_update_customer_marketing_consent_timestamp_follows_the_toggle(ctx, store, advisor):
    customer = open_customer(store, advisor)
    assert customer.marketing_consent_at is None

    consenting = CustomerInput(name="张伟", mobile="13812345678", marketing_consent=True)
    services.update_customer(customer.id, consenting, actor=advisor, now=LATER)
    assert db.session.get(Customer, customer.id).marketing_consent_at == LATER

    # Saving again without a change keeps the moment consent was given.
    consenting.notes = "x"
    services.update_customer(customer.id, consenting, actor=advisor, now=LATER + timedelta(days=1))
    assert db.session.get(Customer, customer.id).marketing_consent_at == LATER

    withdrawn = LATER + timedelta(days=2)
    services.update_customer(customer.id, CustomerInput(name="张伟", mobile="13812345678"), actor=advisor,
                             now=withdrawn)
    row = db.session.get(Customer, customer.id)
    assert (row.marketing_consent, row.marketing_consent_at) == (False, withdrawn)
    assert audit_entries("customer_updated")[-1].changes["marketing_consent"] == [True, False]


def test_delete_customer_removes_a_file_without_vehicles_and_audits_it(ctx, store, staff):
    manager = actor(staff["manager"])
    customer = open_customer(store, manager)
    services.delete_customer(customer.id, actor=manager)
    assert count(Customer) == 0
    [entry] = audit_entries("customer_deleted")
    assert (entry.entity_id, entry.changes["mobile"]) == (customer.id, "13812345678")


def test_delete_customer_with_vehicles_is_refused(ctx, store, advisor):
    customer = open_customer(store, advisor)
    register(customer, advisor)
    with pytest.raises(services.CustomerHasVehicles) as caught:
        services.delete_customer(customer.id, actor=advisor)
    assert caught.value.code == "customers.has_vehicles"
    assert count(Customer) == 1


def test_delete_customer_who_owned_a_vehicle_before_is_refused(ctx, store, advisor):
    seller = open_customer(store, advisor)
    buyer = open_customer(store, advisor, name="李娜", mobile="13900001111")
    vehicle = register(seller, advisor)
    services.transfer_vehicle(vehicle.id, new_owner_id=buyer.id, actor=advisor, now=LATER)
    with pytest.raises(services.CustomerHasVehicles):
        services.delete_customer(seller.id, actor=advisor)
    assert db.session.get(Customer, seller.id) is not None


# -- vehicles ----------------------------------------------------------------------------------

def test_add_vehicle_registers_it_with_ownership_and_first_reading(ctx, store, advisor):
    customer = open_customer(store, advisor)
    vehicle = register(customer, advisor, plate="粤b·d12345", vin=FAW_VW_VIN.lower(), brand=" 一汽-大众 ",
                       model="ID.4 CROZZ", model_year=2024, engine_number="ea211abc", seats=5,
                       odometer_km=12_000)

    row = db.session.get(Vehicle, vehicle.id)
    assert (row.store_id, row.owner_id, row.plate, row.vin) == (store.id, customer.id, "粤BD12345", FAW_VW_VIN)
    assert (row.plate_reversed, row.vin_reversed) == ("54321DB粤", FAW_VW_VIN[::-1])
    assert (row.brand, row.engine_number, row.odometer_km) == ("一汽-大众", "EA211ABC", 12_000)
    [ownership] = db.session.scalars(sa.select(VehicleOwnership)).all()
    assert (ownership.customer_id, ownership.started_at, ownership.ended_at) == (customer.id, NOW, None)
    [first] = db.session.scalars(sa.select(OdometerReading)).all()
    assert (first.vehicle_id, first.km, first.is_correction, first.recorded_by_id) == (
        vehicle.id, 12_000, False, advisor.user_id)
    [entry] = audit_entries("vehicle_created")
    assert entry.changes == {"plate": "粤BD12345", "vin": FAW_VW_VIN, "owner_id": customer.id}


def test_add_vehicle_without_odometer_records_no_reading(ctx, store, advisor):
    vehicle = register(open_customer(store, advisor), advisor)
    assert vehicle.odometer_km is None
    assert count(OdometerReading) == 0


def test_add_vehicle_first_reading_is_dated_in_the_stores_time_zone(ctx, store, advisor):
    # 20:00 UTC on the 23rd is already 04:00 on the 24th in Shanghai, where the store is.
    late_evening_utc = datetime(2026, 11, 23, 20, 0, tzinfo=timezone.utc)
    vehicle = register(open_customer(store, advisor), advisor, odometer_km=5_000, now=late_evening_utc)
    assert vehicle.readings[0].read_on == date(2026, 11, 24)


def test_add_vehicle_same_plate_in_the_store_is_plate_taken(ctx, store, advisor):
    customer = open_customer(store, advisor)
    register(customer, advisor, plate="粤B12345", vin=FAW_VW_VIN)
    with pytest.raises(services.PlateTaken) as caught:
        register(customer, advisor, plate="粤b 12345", vin=ISO_EXAMPLE_VIN)
    assert (caught.value.code, caught.value.field) == ("customers.plate_taken", "plate")
    assert count(Vehicle) == 1
    assert count(VehicleOwnership) == 1


def test_add_vehicle_same_vin_in_the_store_is_vin_taken(ctx, store, advisor):
    customer = open_customer(store, advisor)
    register(customer, advisor, plate="粤B12345", vin=FAW_VW_VIN)
    with pytest.raises(services.VinTaken) as caught:
        register(customer, advisor, plate="粤B54321", vin=FAW_VW_VIN.lower())
    assert (caught.value.code, caught.value.field) == ("customers.vin_taken", "vin")
    assert count(Vehicle) == 1


def test_add_vehicle_same_plate_and_vin_in_another_store_is_allowed(ctx, store, other_store, advisor,
                                                                  other_advisor):
    register(open_customer(store, advisor), advisor)
    register(open_customer(other_store, other_advisor), other_advisor)
    assert count(Vehicle, Vehicle.plate == "粤B12345") == 2


@pytest.mark.parametrize("changes, field", [
    ({"plate": "港A12345"}, "plate"),
    ({"vin": FAW_VW_VIN[:-1] + "6"}, "vin"),
    ({"vin": "LFV3A23C9J30I2345"}, "vin"),
    ({"use": "racing"}, "use"),
    ({"model_year": 1900}, "model_year"),
    ({"seats": 0}, "seats"),
    ({"registration_date": date(2099, 1, 1)}, "registration_date"),
])
def test_add_vehicle_invalid_details_are_refused_per_field(ctx, store, advisor, changes, field):
    customer = open_customer(store, advisor)
    data = {"plate": "粤B12345", "vin": FAW_VW_VIN, **changes}
    with pytest.raises(InvalidValue) as caught:
        services.add_vehicle(customer.id, VehicleInput(**data), actor=advisor, now=NOW)
    assert caught.value.field == field
    assert count(Vehicle) == 0


def test_update_vehicle_changes_plate_and_search_keys(ctx, store, advisor):
    vehicle = register(open_customer(store, advisor), advisor)
    services.update_vehicle(vehicle.id, VehicleInput(plate="粤B56789", vin=FAW_VW_VIN, colour="白色"), now=NOW,
                            actor=advisor)
    row = db.session.get(Vehicle, vehicle.id)
    assert (row.plate, row.plate_reversed, row.colour) == ("粤B56789", "98765B粤", "白色")
    assert audit_entries("vehicle_updated")[0].changes["plate"] == ["粤B12345", "粤B56789"]
    assert [h.vehicle.id for h in services.search("6789", actor=advisor)] == [vehicle.id]
    assert services.search("2345", actor=advisor) == []


def test_update_vehicle_to_another_vehicles_plate_is_plate_taken(ctx, store, advisor):
    customer = open_customer(store, advisor)
    register(customer, advisor, plate="粤B12345", vin=FAW_VW_VIN)
    second = register(customer, advisor, plate="粤B54321", vin=ISO_EXAMPLE_VIN)
    with pytest.raises(services.PlateTaken):
        services.update_vehicle(second.id, VehicleInput(plate="粤B12345", vin=ISO_EXAMPLE_VIN), actor=advisor,
                                now=NOW)
    assert db.session.get(Vehicle, second.id).plate == "粤B54321"
    assert count(Vehicle, Vehicle.plate == "粤B12345") == 1


# -- odometer ----------------------------------------------------------------------------------

@pytest.fixture()
def vehicle(ctx, store, advisor):
    return register(open_customer(store, advisor), advisor)


def test_record_odometer_adds_readings_and_keeps_the_latest_on_the_vehicle(vehicle, advisor):
    reading(vehicle, advisor, 10_000, date(2026, 1, 10))
    reading(vehicle, advisor, 10_000, date(2026, 3, 10))  # standing still is not going backwards
    reading(vehicle, advisor, 15_000, date(2026, 6, 10))
    assert db.session.get(Vehicle, vehicle.id).odometer_km == 15_000
    assert [r.km for r in db.session.get(Vehicle, vehicle.id).readings] == [15_000, 10_000, 10_000]


def test_record_odometer_backwards_is_refused(vehicle, advisor):
    reading(vehicle, advisor, 20_000, date(2026, 5, 1))
    with pytest.raises(services.OdometerWentBackwards) as caught:
        reading(vehicle, advisor, 19_999, date(2026, 6, 1))
    assert (caught.value.code, caught.value.field, caught.value.status) == (
        "customers.odometer_backwards", "km", 422)
    assert count(OdometerReading) == 1
    assert db.session.get(Vehicle, vehicle.id).odometer_km == 20_000


def test_record_odometer_lower_on_the_same_day_is_refused(vehicle, advisor):
    reading(vehicle, advisor, 20_000, date(2026, 5, 1))
    with pytest.raises(services.OdometerWentBackwards):
        reading(vehicle, advisor, 19_000, date(2026, 5, 1))


def test_record_odometer_correction_with_a_note_may_go_backwards_and_is_audited(vehicle, advisor):
    reading(vehicle, advisor, 200_000, date(2026, 5, 1))  # a typo: one zero too many
    corrected = reading(vehicle, advisor, 20_500, date(2026, 6, 1), is_correction=True, note=" 上次多输了一个0 ")

    assert (corrected.is_correction, corrected.note) == (True, "上次多输了一个0")
    assert db.session.get(Vehicle, vehicle.id).odometer_km == 20_500
    [entry] = audit_entries("odometer_corrected")
    assert (entry.entity_type, entry.entity_id) == ("vehicles", vehicle.id)
    assert entry.changes == {"km": [200_000, 20_500], "note": "上次多输了一个0"}
    # After the correction, readings continue from the corrected value.
    reading(vehicle, advisor, 21_000, date(2026, 7, 1))
    assert db.session.get(Vehicle, vehicle.id).odometer_km == 21_000


def test_record_odometer_correction_without_a_note_is_refused(vehicle, advisor):
    reading(vehicle, advisor, 20_000, date(2026, 5, 1))
    with pytest.raises(InvalidValue) as caught:
        reading(vehicle, advisor, 2_000, date(2026, 6, 1), is_correction=True, note="   ")
    assert caught.value.field == "note"
    assert count(OdometerReading) == 1
    assert audit_entries("odometer_corrected") == []


def test_record_odometer_between_two_readings_must_fit_between_them(vehicle, advisor):
    reading(vehicle, advisor, 10_000, date(2026, 1, 1))
    reading(vehicle, advisor, 20_000, date(2026, 3, 1))

    with pytest.raises(services.OdometerWentBackwards):
        reading(vehicle, advisor, 25_000, date(2026, 2, 1))  # more than what was read later
    with pytest.raises(services.OdometerWentBackwards):
        reading(vehicle, advisor, 9_000, date(2026, 2, 1))   # less than what was read before
    reading(vehicle, advisor, 15_000, date(2026, 2, 1))

    row = db.session.get(Vehicle, vehicle.id)
    assert row.odometer_km == 20_000  # a late-entered old reading does not replace the latest
    assert [(r.read_on.month, r.km) for r in row.readings] == [(3, 20_000), (2, 15_000), (1, 10_000)]


def test_record_odometer_before_every_reading_must_not_exceed_the_first(vehicle, advisor):
    reading(vehicle, advisor, 10_000, date(2026, 3, 1))
    with pytest.raises(services.OdometerWentBackwards):
        reading(vehicle, advisor, 10_001, date(2026, 1, 1))
    reading(vehicle, advisor, 8_000, date(2026, 1, 1))
    assert db.session.get(Vehicle, vehicle.id).odometer_km == 10_000


@pytest.mark.parametrize("km, day, field", [(-1, date(2026, 1, 1), "km"), (3_000_001, date(2026, 1, 1), "km"),
                                            (1_000, date(2026, 11, 24), "read_on")])
def test_record_odometer_impossible_values_are_refused(vehicle, advisor, km, day, field):
    with pytest.raises(InvalidValue) as caught:
        reading(vehicle, advisor, km, day)
    assert caught.value.field == field
    assert count(OdometerReading) == 0


def test_record_odometer_today_in_the_stores_time_zone_is_not_the_future(vehicle, advisor):
    shanghai_morning = datetime(2026, 11, 23, 20, 0, tzinfo=timezone.utc)  # 04:00 on the 24th in Shanghai
    services.record_odometer(vehicle.id, km=1_000, read_on=date(2026, 11, 24), actor=advisor,
                             now=shanghai_morning)
    with pytest.raises(InvalidValue):
        services.record_odometer(vehicle.id, km=1_100, read_on=date(2026, 11, 25), actor=advisor,
                                 now=shanghai_morning)


# -- change of owner ---------------------------------------------------------------------------

def test_transfer_vehicle_closes_the_old_ownership_opens_a_new_one_and_keeps_history(ctx, store, advisor):
    seller = open_customer(store, advisor, name="张伟", mobile="13812345678")
    buyer = open_customer(store, advisor, name="李娜", mobile="13900001111")
    vehicle = register(seller, advisor)

    services.transfer_vehicle(vehicle.id, new_owner_id=buyer.id, actor=advisor, now=LATER)

    assert db.session.get(Vehicle, vehicle.id).owner_id == buyer.id
    history = db.session.scalars(sa.select(VehicleOwnership).order_by(VehicleOwnership.id)).all()
    assert [(o.customer_id, o.started_at, o.ended_at) for o in history] == [
        (seller.id, NOW, LATER), (buyer.id, LATER, None)]
    assert [o.customer_id for o in db.session.get(Vehicle, vehicle.id).ownerships] == [buyer.id, seller.id]
    assert loaded(seller, "vehicles").vehicles == []
    [entry] = audit_entries("vehicle_owner_changed")
    assert entry.changes == {"owner_id": [seller.id, buyer.id]}


def test_transfer_vehicle_to_its_owner_is_refused(ctx, store, advisor):
    owner = open_customer(store, advisor)
    vehicle = register(owner, advisor)
    with pytest.raises(InvalidValue) as caught:
        services.transfer_vehicle(vehicle.id, new_owner_id=owner.id, actor=advisor, now=LATER)
    assert caught.value.field == "new_owner_id"
    assert count(VehicleOwnership) == 1


def test_transfer_vehicle_to_a_customer_of_another_store_is_refused(ctx, store, other_store, group):
    vehicle = register(open_customer(store, group), group)
    stranger = open_customer(other_store, group, name="李娜")
    with pytest.raises(InvalidValue) as caught:
        services.transfer_vehicle(vehicle.id, new_owner_id=stranger.id, actor=group, now=LATER)
    assert caught.value.field == "new_owner_id"
    assert db.session.get(Vehicle, vehicle.id).owner_id != stranger.id


def test_customer_by_mobile_finds_the_new_owner_or_says_not_found(ctx, store, other_store, advisor):
    buyer = open_customer(store, advisor, mobile="13900001111")
    assert services.customer_by_mobile("139 0000 1111", store_id=store.id, actor=advisor).id == buyer.id
    with pytest.raises(services.UnknownMobile) as caught:
        services.customer_by_mobile("13800002222", store_id=store.id, actor=advisor)
    assert (caught.value.code, caught.value.field, caught.value.status) == (
        "customers.unknown_mobile", "new_owner_mobile", 422)  # a typo in a form, not a missing page
    with pytest.raises(Forbidden):
        services.customer_by_mobile("13900001111", store_id=other_store.id, actor=advisor)


# -- store scope -------------------------------------------------------------------------------

@pytest.fixture()
def stranger(ctx, other_store, other_advisor):
    """A customer with a vehicle at the other store, same plate as ours would be."""
    customer = open_customer(other_store, other_advisor, name="张伟", mobile="13812345678")
    register(customer, other_advisor, plate="粤B12345", vin=FAW_VW_VIN)
    return loaded(customer, "vehicles")


def test_store_level_actor_cannot_reach_another_stores_customer(stranger, advisor):
    vehicle_id = stranger.vehicles[0].id
    attempts = [
        lambda: services.get_customer(stranger.id, actor=advisor),
        lambda: services.get_vehicle(vehicle_id, actor=advisor),
        lambda: services.update_customer(stranger.id, CustomerInput(name="改名", mobile="13812345678"),
                                         actor=advisor, now=LATER),
        lambda: services.delete_customer(stranger.id, actor=advisor),
        lambda: register(stranger, advisor, plate="粤B99999", vin=ISO_EXAMPLE_VIN),
        lambda: services.update_vehicle(vehicle_id, VehicleInput(plate="粤B99999", vin=FAW_VW_VIN),
                                        actor=advisor, now=NOW),
        lambda: reading(stranger.vehicles[0], advisor, 1_000, date(2026, 1, 1)),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound) as caught:
            attempt()
        assert caught.value.code == "not_found"
        assert caught.value.status == 404
    db.session.expire_all()
    row = db.session.get(Customer, stranger.id)
    assert row.name == "张伟" and len(row.vehicles) == 1 and count(OdometerReading) == 0


def test_transfer_vehicle_to_or_from_another_store_is_not_found(stranger, store, advisor):
    ours = open_customer(store, advisor, name="李娜", mobile="13900001111")
    our_vehicle = register(ours, advisor, plate="粤B77777", vin=ISO_EXAMPLE_VIN)
    with pytest.raises(NotFound):
        services.transfer_vehicle(stranger.vehicles[0].id, new_owner_id=ours.id, actor=advisor, now=LATER)
    with pytest.raises(NotFound):
        services.transfer_vehicle(our_vehicle.id, new_owner_id=stranger.id, actor=advisor, now=LATER)
    assert count(VehicleOwnership, VehicleOwnership.ended_at.is_not(None)) == 0


def test_search_never_returns_another_stores_rows(stranger, store, advisor):
    ours = open_customer(store, advisor, name="张伟", mobile="13812345678")
    ours_vehicle = register(ours, advisor, plate="粤B12345", vin=FAW_VW_VIN)
    for query in ("粤B12345", "2345", "粤B", "13812345678", "5678", FAW_VW_VIN, "012345", "张"):
        hits = services.search(query, actor=advisor)
        assert {h.customer.store_id for h in hits} == {ours.store_id}, query
        assert [h.vehicle.id for h in hits] == [ours_vehicle.id], query


def test_list_customers_is_scoped_to_the_store(stranger, store, advisor, group):
    ours = open_customer(store, advisor, name="李娜", mobile="13900001111")
    assert [c.id for c in services.list_customers(actor=advisor).items] == [ours.id]
    assert {c.id for c in services.list_customers(actor=group).items} == {ours.id, stranger.id}


def test_group_level_actor_sees_both_stores(stranger, store, advisor, group):
    ours = open_customer(store, advisor, name="张伟", mobile="13812345678")
    register(ours, advisor, plate="粤B12345", vin=FAW_VW_VIN)
    assert services.get_customer(stranger.id, actor=group).id == stranger.id
    hits = services.search("2345", actor=group)
    assert sorted(h.customer.id for h in hits) == sorted([ours.id, stranger.id])
    assert {h.vehicle.store_id for h in hits} == {ours.store_id, stranger.store_id}


# -- the front-desk search ---------------------------------------------------------------------

@pytest.fixture()
def desk(ctx, store, advisor):
    """Three customers: 欧阳娜娜 with two cars, 张伟 with one, 王芳 with none yet."""
    ouyang = open_customer(store, advisor, name="欧阳娜娜", mobile="13812345678")
    zhang = open_customer(store, advisor, name="张伟", mobile="13987650000")
    wang = open_customer(store, advisor, name="王芳", mobile="15000001111")
    return {
        "ouyang": ouyang, "zhang": zhang, "wang": wang,
        "sagitar": register(ouyang, advisor, plate="粤B8C6K9", vin=FAW_VW_VIN),
        "id4": register(ouyang, advisor, plate="粤BD54321", vin="LFV2A21K8A3000001"),
        "golf": register(zhang, advisor, plate="京A12345", vin=ISO_EXAMPLE_VIN),
    }


def found(query, who):
    hits = services.search(query, actor=who)
    return [(h.customer.name, h.vehicle.plate if h.vehicle else None) for h in hits]


@pytest.mark.parametrize("query, expected", [
    ("粤B8C6K9", [("欧阳娜娜", "粤B8C6K9")]),                              # full plate
    ("8C6K9", [("欧阳娜娜", "粤B8C6K9")]),                                 # plate suffix
    ("C6K9", [("欧阳娜娜", "粤B8C6K9")]),                                  # last 4 characters
    ("4321", [("欧阳娜娜", "粤BD54321")]),                                 # last 4 of a new-energy plate
    ("京A", [("张伟", "京A12345")]),                                       # plate prefix
    ("粤b", [("欧阳娜娜", "粤B8C6K9"), ("欧阳娜娜", "粤BD54321")]),       # prefix, lowercase
    (" 粤b 8c6k9 ", [("欧阳娜娜", "粤B8C6K9")]),                          # lowercase, spaced
    ("c6k9", [("欧阳娜娜", "粤B8C6K9")]),
    ("13987650000", [("张伟", "京A12345")]),                               # full mobile
    ("139 8765 0000", [("张伟", "京A12345")]),
    ("+86 139-8765-0000", [("张伟", "京A12345")]),
    ("5678", [("欧阳娜娜", "粤B8C6K9"), ("欧阳娜娜", "粤BD54321")]),       # last 4 of mobile, both cars
    ("1111", [("王芳", None)]),                                            # a customer without a car yet
    (ISO_EXAMPLE_VIN, [("张伟", "京A12345")]),                             # full VIN
    (ISO_EXAMPLE_VIN.lower(), [("张伟", "京A12345")]),
    ("042788", [("张伟", "京A12345")]),                                    # last 6 of VIN
    ("3000001", [("欧阳娜娜", "粤BD54321")]),                              # last 7 of VIN
    ("欧阳", [("欧阳娜娜", "粤B8C6K9"), ("欧阳娜娜", "粤BD54321")]),       # name prefix
    ("张", [("张伟", "京A12345")]),
    ("王芳", [("王芳", None)]),
])
def test_search_finds_by_plate_mobile_vin_or_name(desk, advisor, query, expected):
    assert found(query, advisor) == expected


@pytest.mark.parametrize("query", ["", "   ", "!!!", "%", "粤B%", "_", "99999999999", "4444", "ZZZZZZ", "娜娜",
                                   "LFV3A23C9J3012346", "2345X"])
def test_search_nonsense_returns_nothing(desk, advisor, query):
    assert services.search(query, actor=advisor) == []


def test_search_result_lists_each_vehicle_once(desk, advisor):
    # "5678" matches the owner's mobile; her cars must not appear twice.
    hits = services.search("5678", actor=advisor)
    assert len({h.vehicle.id for h in hits}) == len(hits) == 2


def test_search_respects_the_limit(ctx, store, advisor):
    owner = CustomerFactory(store=store)
    for n in range(5):
        VehicleFactory(owner=owner, plate=f"粤B1000{n}", plate_reversed=f"{n}0001B粤")
    assert len(services.search("粤B", actor=advisor, limit=3)) == 3


def test_add_vehicle_reports_every_wrong_field_at_once(ctx, store, advisor):
    """Issue 12: a bad plate does not hide the VIN's wrong check digit until the plate is fixed."""
    customer = open_customer(store, advisor)

    with pytest.raises(ValidationFailed) as caught:
        services.add_vehicle(customer.id, VehicleInput(plate="港A12345", vin=FAW_VW_VIN[:-1] + "6", seats=0),
                             actor=advisor, now=NOW)

    assert sorted(caught.value.fields()) == ["plate", "seats", "vin"]
    assert count(Vehicle) == 0


def test_add_vehicle_taken_plate_and_vin_name_the_vehicle_on_file(ctx, store, advisor):
    on_file = register(open_customer(store, advisor), advisor)
    buyer = open_customer(store, advisor, mobile="13900001111")

    with pytest.raises(ValidationFailed) as caught:
        register(buyer, advisor)

    assert sorted(caught.value.fields()) == ["plate", "vin"]
    assert [(type(e).__name__, e.params) for e in caught.value.causes] == [
        ("PlateTaken", {"vehicle_id": on_file.id}), ("VinTaken", {"vehicle_id": on_file.id})]


def test_create_customer_reports_a_taken_mobile_beside_the_other_errors(ctx, store, advisor):
    holder = open_customer(store, advisor)

    with pytest.raises(ValidationFailed) as caught:
        services.create_customer(CustomerInput(name=" ", mobile=holder.mobile, phone2="12"), store_id=store.id,
                                 actor=advisor, now=NOW)

    assert sorted(caught.value.fields()) == ["mobile", "name", "phone2"]
    taken = next(e for e in caught.value.causes if e.field == "mobile")
    assert (taken.code, taken.params) == ("customers.mobile_taken", {"customer_id": holder.id})


def test_vehicle_model_family_is_one_of_the_list_and_a_saved_one_is_kept(ctx, store, advisor):
    """Issue 12: the family decides intervals and flat-rate hours, so it is chosen, never typed."""
    customer = open_customer(store, advisor)
    with pytest.raises(InvalidValue) as caught:
        register(customer, advisor, model_family="速腾")
    assert caught.value.field == "model_family" and count(Vehicle) == 0

    vehicle = register(customer, advisor, model_family="suv")
    db.session.execute(sa.update(Vehicle).where(Vehicle.id == vehicle.id).values(model_family="探岳"))
    db.session.expire_all()  # filed before the list existed: another edit keeps it
    services.update_vehicle(vehicle.id, VehicleInput(plate="粤B12345", vin=FAW_VW_VIN, model_family="探岳",
                                                     colour="白色"), actor=advisor, now=NOW)
    assert db.session.get(Vehicle, vehicle.id).model_family == "探岳"
