"""Reminders services: due dates kept current as vehicles change, recording what was done, the call list.

The due-date rules themselves are pinned in test_rules.py; these tests check that the services feed them
the right inputs, store the answers on the vehicle and end the reminders the event makes moot.
"""
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from dealer.actors import SYSTEM
from dealer.customers import services as customers
from dealer.customers.models import Vehicle
from dealer.customers.services import CustomerInput, VehicleInput
from dealer.customers.validators import vin_check_digit
from dealer.errors import NotFound
from dealer.extensions import db
from dealer.reminders import services
from dealer.reminders.models import (
    BOOKED,
    CALLED,
    CANCELLED,
    DONE,
    INSPECTION,
    INSURANCE,
    MAINTENANCE,
    NOT_INTERESTED,
    OPEN,
    InsuranceRenewal,
    MaintenanceInterval,
    Reminder,
    ReminderOptOut,
)
from dealer.sms.models import QUEUED, SENT, SmsMessage
from tests.factories import CustomerFactory, UserFactory, VehicleFactory
from tests.helpers import NOW, actor, audit_entries, count, fresh

SHANGHAI = ZoneInfo("Asia/Shanghai")
VIN = "LFV3A23C9J3012345"


def at(day: date, hour: int = 10) -> datetime:
    """The aware UTC moment of `hour` o'clock on `day` at the store (Asia/Shanghai)."""
    return datetime.combine(day, time(hour), SHANGHAI).astimezone(timezone.utc)


def reminders_of(vehicle, kind=None) -> list[Reminder]:
    stmt = sa.select(Reminder).where(Reminder.vehicle_id == vehicle.id).order_by(Reminder.lead_days.desc())
    if kind:
        stmt = stmt.where(Reminder.kind == kind)
    return list(db.session.scalars(stmt))


@pytest.fixture()
def owner(ctx, store, advisor, staff):
    return customers.create_customer(CustomerInput(name="张伟", mobile="13812345678",
                                                   advisor_id=staff["service_advisor"].id),
                                     store_id=store.id, actor=advisor, now=at(date(2020, 1, 1)))


def a_vin(serial: int) -> str:
    """A VIN with the right check digit (the 9th character), different for each serial."""
    body = f"LFV3A23C_J30{serial:05d}"
    return body.replace("_", vin_check_digit(body.replace("_", "0")))


def register(owner, who, *, now, plate="粤B12345", vin=VIN, **extra) -> Vehicle:
    return customers.add_vehicle(owner.id, VehicleInput(plate=plate, vin=vin, **extra), actor=who, now=now)


# -- due dates follow the vehicle ------------------------------------------------------------------

def test_add_vehicle_private_car_registered_2020_03_15_is_due_on_site_2026_03_31(owner, advisor):
    vehicle = register(owner, advisor, registration_date=date(2020, 3, 15), now=at(date(2025, 6, 1)))
    row = fresh(Vehicle, vehicle.id)
    # Year 2 and 4 were sticker-only and have passed; year 6 is the first on-site inspection.
    assert (row.next_inspection_due, row.next_inspection_on_site) == (date(2026, 3, 31), True)


def test_add_vehicle_private_car_registered_2022_is_due_for_the_sticker_only(owner, advisor):
    vehicle = register(owner, advisor, registration_date=date(2022, 3, 15), now=at(date(2025, 6, 1)))
    row = fresh(Vehicle, vehicle.id)
    assert (row.next_inspection_due, row.next_inspection_on_site) == (date(2026, 3, 31), False)


def test_add_vehicle_commercial_car_over_5_years_is_due_every_6_months(owner, advisor):
    vehicle = register(owner, advisor, registration_date=date(2020, 3, 15), use="commercial",
                       now=at(date(2025, 6, 1)))
    row = fresh(Vehicle, vehicle.id)
    assert (row.next_inspection_due, row.next_inspection_on_site) == (date(2025, 9, 30), True)


def test_add_vehicle_without_dates_has_no_due_dates(owner, advisor):
    vehicle = register(owner, advisor, now=at(date(2025, 6, 1)))
    row = fresh(Vehicle, vehicle.id)
    assert (row.next_inspection_due, row.next_maintenance_due) == (None, None)


def test_add_vehicle_new_car_is_due_at_5000_km_from_purchase_at_the_default_daily_km(owner, advisor):
    vehicle = register(owner, advisor, purchase_date=date(2025, 5, 20), registration_date=date(2025, 5, 25),
                       now=at(date(2025, 6, 1)))
    # From 0 km on the purchase date, 5,000 km at 40 km a day is 125 days: before the 6 months.
    assert fresh(Vehicle, vehicle.id).next_maintenance_due == date(2025, 9, 22)


def test_add_vehicle_with_an_odometer_reading_projects_from_it(owner, advisor):
    vehicle = register(owner, advisor, purchase_date=date(2025, 5, 1), registration_date=date(2025, 5, 5),
                       odometer_km=3100, now=at(date(2025, 6, 1)))
    # 3,100 km in 31 days is 100 km a day: the remaining 1,900 km take 19 days.
    assert fresh(Vehicle, vehicle.id).next_maintenance_due == date(2025, 6, 20)


def test_update_vehicle_registration_date_moves_the_inspection_due(owner, advisor):
    vehicle = register(owner, advisor, registration_date=date(2020, 3, 15), now=at(date(2025, 6, 1)))
    customers.update_vehicle(vehicle.id, VehicleInput(plate="粤B12345", vin=VIN, registration_date=date(2020, 8, 3)),
                             actor=advisor, now=at(date(2025, 6, 2)))
    row = fresh(Vehicle, vehicle.id)
    assert (row.next_inspection_due, row.next_inspection_on_site) == (date(2026, 8, 31), True)


@pytest.fixture()
def serviced(owner, advisor):
    """A car serviced on 2026-06-01 at 20,000 km; without other readings it is assumed to do 40 km a day."""
    vehicle = register(owner, advisor, purchase_date=date(2024, 1, 5), registration_date=date(2024, 1, 10),
                       now=at(date(2026, 5, 1)))
    services.record_maintenance(vehicle.id, serviced_on=date(2026, 6, 1), km=20_000, actor=advisor,
                                now=at(date(2026, 6, 1)))
    return vehicle


def test_record_maintenance_without_readings_projects_the_default_daily_km(serviced):
    # 5,000 km at 40 km a day is 125 days: 2026-10-04, before the 6 months (2026-12-01).
    assert fresh(Vehicle, serviced.id).next_maintenance_due == date(2026, 10, 4)


@pytest.mark.parametrize("km_on_07_01, due", [
    (23_000, date(2026, 7, 21)),   # 100 km a day: the last 2,000 km take 20 days
    (20_300, date(2026, 12, 1)),   # 10 km a day: the 6 months come first
])
def test_record_odometer_moves_the_maintenance_due_with_the_cars_own_km(serviced, advisor, km_on_07_01, due):
    customers.record_odometer(serviced.id, km=km_on_07_01, read_on=date(2026, 7, 1), actor=advisor,
                              now=at(date(2026, 7, 2)))
    assert fresh(Vehicle, serviced.id).next_maintenance_due == due


def test_record_odometer_correction_is_left_out_of_the_projection(serviced, advisor):
    customers.record_odometer(serviced.id, km=23_000, read_on=date(2026, 7, 1), actor=advisor,
                              now=at(date(2026, 7, 2)), is_correction=True, note="仪表更换")
    assert fresh(Vehicle, serviced.id).next_maintenance_due == date(2026, 10, 4)


# -- recording what was done -----------------------------------------------------------------------

@pytest.fixture()
def due_vehicle(owner, advisor):
    """Registered 2020-03-15: inspection due 2026-03-31 (on site); insurance and maintenance due then too.

    Scanned on 2026-03-01 (the 30-day reminders) and 2026-03-24 (the 7-day ones), each with its SMS queued.
    """
    vehicle = register(owner, advisor, registration_date=date(2020, 3, 15), insurance_expiry=date(2026, 3, 31),
                       now=at(date(2026, 2, 1)))
    vehicle.next_maintenance_due = date(2026, 3, 31)
    db.session.commit()
    services.scan(day=date(2026, 3, 1), now=at(date(2026, 3, 1), 2))
    services.scan(day=date(2026, 3, 24), now=at(date(2026, 3, 24), 2))
    assert {(r.kind, r.lead_days) for r in reminders_of(vehicle)} == {
        (INSPECTION, 30), (INSPECTION, 7), (INSURANCE, 30), (INSURANCE, 7), (MAINTENANCE, 7)}
    return vehicle


def message_states(reminders) -> list[str]:
    return [db.session.get(SmsMessage, r.message_id).state for r in reminders]


def test_record_inspection_moves_the_due_date_and_closes_open_inspection_reminders(due_vehicle, advisor):
    called = reminders_of(due_vehicle, INSPECTION)[0]
    services.mark_reminder(called.id, state=CALLED, note="", actor=advisor, now=at(date(2026, 3, 2)))

    services.record_inspection(due_vehicle.id, inspected_on=date(2026, 3, 25), actor=advisor,
                               now=at(date(2026, 3, 26)))

    row = fresh(Vehicle, due_vehicle.id)
    assert row.last_inspection_date == date(2026, 3, 25)
    assert (row.next_inspection_due, row.next_inspection_on_site) == (date(2028, 3, 31), False)
    inspection = reminders_of(due_vehicle, INSPECTION)
    assert [r.state for r in inspection] == [DONE, DONE]
    assert message_states(inspection) == ["cancelled", "cancelled"]
    others = reminders_of(due_vehicle, INSURANCE) + reminders_of(due_vehicle, MAINTENANCE)
    assert {r.state for r in others} == {OPEN}
    assert set(message_states(others)) == {QUEUED}


def test_record_inspection_leaves_an_sms_already_sent_alone(due_vehicle, advisor):
    first = reminders_of(due_vehicle, INSPECTION)[0]
    db.session.get(SmsMessage, first.message_id).state = SENT
    db.session.commit()
    services.record_inspection(due_vehicle.id, inspected_on=date(2026, 3, 25), actor=advisor,
                               now=at(date(2026, 3, 26)))
    assert message_states(reminders_of(due_vehicle, INSPECTION)) == [SENT, "cancelled"]


def test_record_inspection_in_the_future_is_refused(due_vehicle, advisor):
    with pytest.raises(services.InvalidReminder) as caught:
        services.record_inspection(due_vehicle.id, inspected_on=date(2026, 3, 27), actor=advisor,
                                   now=at(date(2026, 3, 26)))
    assert (caught.value.code, caught.value.field) == ("reminders.invalid", "inspected_on")
    db.session.rollback()
    assert fresh(Vehicle, due_vehicle.id).last_inspection_date is None
    assert {r.state for r in reminders_of(due_vehicle, INSPECTION)} == {OPEN}


def test_record_inspection_of_another_stores_vehicle_is_not_found(due_vehicle, other_store):
    stranger = actor(UserFactory(username="advisor-gz", roles=["service_advisor"], store=other_store))
    with pytest.raises(NotFound):
        services.record_inspection(due_vehicle.id, inspected_on=date(2026, 3, 25), actor=stranger,
                                   now=at(date(2026, 3, 26)))
    assert fresh(Vehicle, due_vehicle.id).last_inspection_date is None


def test_record_maintenance_counts_the_next_from_it_and_closes_maintenance_reminders(due_vehicle, advisor):
    services.record_maintenance(due_vehicle.id, serviced_on=date(2026, 3, 25), km=None, actor=advisor,
                                now=at(date(2026, 3, 26)))
    row = fresh(Vehicle, due_vehicle.id)
    assert (row.last_maintenance_date, row.last_maintenance_km) == (date(2026, 3, 25), None)
    assert row.next_maintenance_due == date(2026, 9, 25)  # by time only: the km at the service is unknown
    [maintenance] = reminders_of(due_vehicle, MAINTENANCE)
    assert maintenance.state == DONE and message_states([maintenance]) == ["cancelled"]
    assert {r.state for r in reminders_of(due_vehicle, INSPECTION)} == {OPEN}


@pytest.mark.parametrize("serviced_on, km, field", [
    (date(2026, 3, 27), 30_000, "serviced_on"),
    (date(2026, 3, 25), -1, "km"),
])
def test_record_maintenance_impossible_values_are_refused(due_vehicle, advisor, serviced_on, km, field):
    with pytest.raises(services.InvalidReminder) as caught:
        services.record_maintenance(due_vehicle.id, serviced_on=serviced_on, km=km, actor=advisor,
                                    now=at(date(2026, 3, 26)))
    assert (caught.value.code, caught.value.field) == ("reminders.invalid", field)
    db.session.rollback()
    assert fresh(Vehicle, due_vehicle.id).last_maintenance_date is None
    assert reminders_of(due_vehicle, MAINTENANCE)[0].state == OPEN


def test_record_insurance_renewal_by_the_store_is_audited_and_closes_insurance_reminders(due_vehicle, advisor,
                                                                                         staff):
    renewal = services.record_insurance_renewal(due_vehicle.id, new_expiry=date(2027, 3, 31), by_store=True,
                                                insurer=" 平安保险 ", actor=advisor, now=at(date(2026, 3, 26)))
    row = db.session.get(InsuranceRenewal, renewal.id)
    assert (row.store_id, row.vehicle_id, row.old_expiry, row.new_expiry, row.insurer, row.by_store) == (
        due_vehicle.store_id, due_vehicle.id, date(2026, 3, 31), date(2027, 3, 31), "平安保险", True)
    assert row.recorded_by_id == staff["service_advisor"].id
    assert fresh(Vehicle, due_vehicle.id).insurance_expiry == date(2027, 3, 31)
    [entry] = audit_entries("insurance_renewed")
    assert (entry.entity_type, entry.entity_id, entry.store_id) == ("vehicles", due_vehicle.id, due_vehicle.store_id)
    assert entry.changes == {"insurance_expiry": ["2026-03-31", "2027-03-31"], "by_store": True}
    insurance = reminders_of(due_vehicle, INSURANCE)
    assert [r.state for r in insurance] == [DONE, DONE]
    assert message_states(insurance) == ["cancelled", "cancelled"]
    assert {r.state for r in reminders_of(due_vehicle, INSPECTION)} == {OPEN}


def test_record_insurance_renewal_by_the_owner_and_without_an_earlier_expiry(owner, advisor):
    vehicle = register(owner, advisor, now=at(date(2026, 3, 1)))
    renewal = services.record_insurance_renewal(vehicle.id, new_expiry=date(2027, 1, 1), by_store=False,
                                                insurer="", actor=advisor, now=at(date(2026, 3, 1)))
    row = db.session.get(InsuranceRenewal, renewal.id)
    assert (row.old_expiry, row.new_expiry, row.by_store) == (None, date(2027, 1, 1), False)
    assert audit_entries("insurance_renewed")[0].changes["by_store"] is False


@pytest.mark.parametrize("new_expiry", [date(2026, 3, 31), date(2026, 1, 1)])
def test_record_insurance_renewal_needs_a_later_expiry(due_vehicle, advisor, new_expiry):
    with pytest.raises(services.InvalidReminder) as caught:
        services.record_insurance_renewal(due_vehicle.id, new_expiry=new_expiry, by_store=True, insurer="",
                                          actor=advisor, now=at(date(2026, 3, 26)))
    assert (caught.value.code, caught.value.field) == ("reminders.invalid", "new_expiry")
    db.session.rollback()
    assert fresh(Vehicle, due_vehicle.id).insurance_expiry == date(2026, 3, 31)
    assert count(InsuranceRenewal) == 0
    assert audit_entries("insurance_renewed") == []
    assert {r.state for r in reminders_of(due_vehicle, INSURANCE)} == {OPEN}


# -- opting out ------------------------------------------------------------------------------------

def test_transfer_vehicle_hands_standing_reminders_and_queued_sms_to_the_new_owner(due_vehicle, owner, advisor,
                                                                                    store, staff):
    colleague = UserFactory(username="advisor-2", roles=["service_advisor"], store=store)
    buyer = customers.create_customer(CustomerInput(name="李娜", mobile="13900001111", advisor_id=colleague.id),
                                      store_id=store.id, actor=advisor, now=at(date(2026, 3, 20)))
    inspection_30, inspection_7 = reminders_of(due_vehicle, INSPECTION)
    services.mark_reminder(inspection_30.id, state=CALLED, note="车主说月底去", actor=advisor, now=at(date(2026, 3, 2)))
    db.session.get(SmsMessage, inspection_30.message_id).state = SENT  # told already: stays as it was
    services.record_maintenance(due_vehicle.id, serviced_on=date(2026, 3, 25), km=None, actor=advisor,
                                now=at(date(2026, 3, 25)))  # a finished reminder stays the old owner's

    customers.transfer_vehicle(due_vehicle.id, new_owner_id=buyer.id, actor=advisor, now=at(date(2026, 3, 26)))

    db.session.expire_all()
    standing = reminders_of(due_vehicle, INSPECTION) + reminders_of(due_vehicle, INSURANCE)
    assert {(r.customer_id, r.advisor_id, r.state, r.note) for r in standing} == {(buyer.id, colleague.id, OPEN, "")}
    [done] = reminders_of(due_vehicle, MAINTENANCE)
    assert (done.customer_id, done.state) == (owner.id, DONE)
    messages = {r.id: db.session.get(SmsMessage, r.message_id) for r in standing}
    sent = messages.pop(inspection_30.id)
    assert (sent.state, sent.phone, sent.customer_id) == (SENT, "13812345678", owner.id)
    assert {(m.state, m.phone, m.customer_id, m.params["name"]) for m in messages.values()} == {
        (QUEUED, "13900001111", buyer.id, "李娜")}
    assert count(SmsMessage, SmsMessage.phone == "13812345678", SmsMessage.state == QUEUED) == 0


def test_transfer_vehicle_to_an_owner_refusing_service_sms_cancels_the_queued_ones(due_vehicle, advisor, store):
    buyer = CustomerFactory(store=store, mobile="13900002222", service_sms_opt_out=True)
    db.session.commit()

    customers.transfer_vehicle(due_vehicle.id, new_owner_id=buyer.id, actor=advisor, now=at(date(2026, 3, 26)))

    db.session.expire_all()
    standing = reminders_of(due_vehicle)
    assert {(r.customer_id, r.state) for r in standing} == {(buyer.id, OPEN)}
    assert set(message_states(standing)) == {"cancelled"}
    assert count(SmsMessage, SmsMessage.state == QUEUED) == 0


def test_opt_out_of_reminders_cancels_the_open_ones_of_that_kind_once(due_vehicle, owner, advisor):
    for _ in range(2):
        services.opt_out_of_reminders(owner.id, kind=INSURANCE, actor=advisor, now=at(date(2026, 3, 26)))
    [opt_out] = db.session.scalars(sa.select(ReminderOptOut)).all()
    assert (opt_out.store_id, opt_out.customer_id, opt_out.kind) == (owner.store_id, owner.id, INSURANCE)
    assert len(audit_entries("reminder_opt_out")) == 1
    insurance = reminders_of(due_vehicle, INSURANCE)
    assert [r.state for r in insurance] == [CANCELLED, CANCELLED]
    assert message_states(insurance) == ["cancelled", "cancelled"]
    assert {r.state for r in reminders_of(due_vehicle, INSPECTION)} == {OPEN}


def test_opt_out_of_reminders_unknown_kind_or_other_store_is_refused(owner, other_store):
    with pytest.raises(services.InvalidReminder) as caught:
        services.opt_out_of_reminders(owner.id, kind="birthday", actor=SYSTEM, now=NOW)
    assert caught.value.code == "reminders.invalid"
    stranger = actor(UserFactory(username="advisor-gz", roles=["service_advisor"], store=other_store))
    with pytest.raises(NotFound):
        services.opt_out_of_reminders(owner.id, kind=INSURANCE, actor=stranger, now=NOW)
    assert count(ReminderOptOut) == 0


# -- maintenance intervals -------------------------------------------------------------------------

@pytest.fixture()
def fleet(owner, advisor):
    """Three cars bought 2026-01-10 with no readings: two compact cars (速腾 Sagitar), one mid-size (迈腾 Magotan).

    At the default 40 km a day, 5,000 km come after 125 days (2026-05-15), 10,000 km after 250 (2026-09-17).
    """
    made = {}
    cars = (("粤B10001", "compact"), ("粤B10002", "compact"), ("粤B10003", "midsize"))
    for serial, (plate, family) in enumerate(cars):
        vin = a_vin(serial)
        made[plate] = register(owner, advisor, plate=plate, vin=vin, model_family=family,
                               purchase_date=date(2026, 1, 10), now=at(date(2026, 2, 1)))
    assert {v.next_maintenance_due for v in made.values()} == {date(2026, 5, 15)}
    return made


def test_save_interval_recomputes_the_familys_vehicles_only(fleet, store, staff):
    manager = actor(staff["manager"])
    changed = services.save_interval(store.id, model_family=" compact ", months=3, km=10_000, actor=manager,
                                     now=at(date(2026, 2, 2)))
    assert changed == 2
    due = {plate: fresh(Vehicle, v.id).next_maintenance_due for plate, v in fleet.items()}
    assert due == {"粤B10001": date(2026, 4, 10), "粤B10002": date(2026, 4, 10), "粤B10003": date(2026, 5, 15)}
    [row] = db.session.scalars(sa.select(MaintenanceInterval)).all()
    assert (row.store_id, row.model_family, row.months, row.km) == (store.id, "compact", 3, 10_000)
    [entry] = audit_entries("maintenance_interval_set")
    assert (entry.entity_type, entry.entity_id, entry.store_id) == ("maintenance_intervals", row.id, store.id)
    assert entry.changes == {"model_family": "compact", "months": 3, "km": 10_000}


def test_save_interval_default_row_applies_to_families_without_their_own(fleet, store, staff):
    manager = actor(staff["manager"])
    services.save_interval(store.id, model_family="compact", months=3, km=10_000, actor=manager, now=at(date(2026, 2, 2)))
    changed = services.save_interval(store.id, model_family="", months=12, km=10_000, actor=manager,
                                     now=at(date(2026, 2, 2)))
    assert changed == 3
    due = {plate: fresh(Vehicle, v.id).next_maintenance_due for plate, v in fleet.items()}
    assert due == {"粤B10001": date(2026, 4, 10), "粤B10002": date(2026, 4, 10), "粤B10003": date(2026, 9, 17)}


def test_save_interval_twice_updates_the_same_row(fleet, store, staff):
    manager = actor(staff["manager"])
    for months in (3, 4):
        services.save_interval(store.id, model_family="compact", months=months, km=10_000, actor=manager,
                               now=at(date(2026, 2, 2)))
    assert [(r.months, r.km) for r in db.session.scalars(sa.select(MaintenanceInterval))] == [(4, 10_000)]
    assert fresh(Vehicle, fleet["粤B10001"].id).next_maintenance_due == date(2026, 5, 10)


@pytest.mark.parametrize("months, km", [(0, 5000), (37, 5000), (6, 499), (6, 100_001)])
def test_save_interval_out_of_range_is_refused(fleet, store, staff, months, km):
    with pytest.raises(services.InvalidReminder) as caught:
        services.save_interval(store.id, model_family="compact", months=months, km=km, actor=actor(staff["manager"]),
                               now=at(date(2026, 2, 2)))
    assert caught.value.code == "reminders.invalid"
    assert count(MaintenanceInterval) == 0


def test_save_interval_for_another_store_is_not_found(fleet, store, other_store):
    manager = actor(UserFactory(username="manager-gz", roles=["manager"], store=other_store))
    with pytest.raises(NotFound):
        services.save_interval(store.id, model_family="compact", months=3, km=10_000, actor=manager,
                               now=at(date(2026, 2, 2)))
    assert count(MaintenanceInterval) == 0
    assert fresh(Vehicle, fleet["粤B10001"].id).next_maintenance_due == date(2026, 5, 15)


def test_save_interval_for_an_unknown_store_or_family_not_on_the_list_is_refused(fleet, group_manager, store):
    with pytest.raises(NotFound):
        services.save_interval(987_654, model_family="compact", months=3, km=10_000, actor=actor(group_manager),
                               now=at(date(2026, 2, 2)))
    with pytest.raises(services.InvalidReminder) as caught:
        services.save_interval(store.id, model_family="速腾", months=3, km=10_000, actor=actor(group_manager),
                               now=at(date(2026, 2, 2)))  # typed in, not a family of the list
    assert caught.value.field == "model_family"
    assert count(MaintenanceInterval) == 0


def test_save_interval_counts_each_vehicle_once_beyond_one_batch(ctx, store, staff):
    # More vehicles than one batch of 1,000, with the due date (an indexed column) moving as they are read.
    owner = CustomerFactory(store=store)
    db.session.execute(sa.insert(Vehicle), [dict(
        store_id=store.id, owner_id=owner.id, plate=f"粤B{i:05d}", plate_reversed=f"粤B{i:05d}"[::-1],
        vin=f"LFV{i:014d}", vin_reversed=f"LFV{i:014d}"[::-1], model_family="compact", purchase_date=date(2026, 1, 10),
        next_maintenance_due=date(2026, 1, 11)) for i in range(1100)])
    db.session.commit()
    changed = services.save_interval(store.id, model_family="compact", months=3, km=10_000,
                                     actor=actor(staff["manager"]), now=at(date(2026, 2, 2)))
    assert changed == 1100
    assert db.session.execute(sa.select(Vehicle.next_maintenance_due, sa.func.count()).group_by(
        Vehicle.next_maintenance_due)).all() == [(date(2026, 4, 10), 1100)]


def test_refresh_all_due_dates_recomputes_one_stores_vehicles_in_batches(ctx, store, other_store):
    vehicles = [VehicleFactory(owner=CustomerFactory(store=s), registration_date=date(2020, 3, 15))
                for s in (store, other_store, store, store)]
    ids = {v.id: v.store_id for v in vehicles}
    store_id = store.id
    db.session.commit()
    counted = services.refresh_all_due_dates(now=at(date(2025, 6, 1)), store_code=store.code, batch_size=2)
    assert counted == 3
    db.session.expire_all()
    due = {vid: db.session.get(Vehicle, vid).next_inspection_due for vid in ids}
    assert due == {vid: (date(2026, 3, 31) if owner_store == store_id else None) for vid, owner_store in ids.items()}


# -- the advisor's call list -----------------------------------------------------------------------

def add_reminder(vehicle, *, kind=INSURANCE, due=date(2026, 12, 1), lead=30, state=OPEN) -> Reminder:
    reminder = Reminder(store_id=vehicle.store_id, vehicle_id=vehicle.id, customer_id=vehicle.owner_id,
                        advisor_id=vehicle.owner.advisor_id, kind=kind, due_date=due, lead_days=lead,
                        created_on=date(2026, 11, 1), state=state, note="")
    db.session.add(reminder)
    db.session.flush()
    return reminder


@pytest.fixture()
def book(ctx, store, other_store, staff):
    """Reminders of the store's advisor's customers, of a colleague's, and of another store."""
    me, colleague = staff["service_advisor"], UserFactory(username="advisor2-sz", roles=["service_advisor"],
                                                           store=store)
    mine = VehicleFactory(owner=CustomerFactory(store=store, advisor_id=me.id))
    theirs = VehicleFactory(owner=CustomerFactory(store=store, advisor_id=colleague.id))
    elsewhere = VehicleFactory(owner=CustomerFactory(store=other_store))
    made = {
        "mine_later": add_reminder(mine, due=date(2026, 12, 20)),
        "mine_soon": add_reminder(mine, kind=INSPECTION, due=date(2026, 11, 30), state=CALLED),
        "mine_booked": add_reminder(mine, kind=MAINTENANCE, state=BOOKED),
        "mine_done": add_reminder(mine, due=date(2026, 12, 20), lead=7, state=DONE),
        "mine_long_past": add_reminder(mine, due=date(2026, 10, 1)),
        "theirs": add_reminder(theirs),
        "elsewhere": add_reminder(elsewhere),
    }
    db.session.commit()
    return made


def test_call_list_shows_the_advisors_own_open_reminders_soonest_first(book, advisor):
    listed = services.call_list(actor=advisor, day=date(2026, 11, 23))
    assert [r.id for r in listed] == [book["mine_soon"].id, book["mine_later"].id]


def test_call_list_whole_store_includes_colleagues_customers_but_no_other_store(book, staff):
    manager = actor(staff["manager"])
    listed = {r.id for r in services.call_list(actor=manager, day=date(2026, 11, 23), mine_only=False)}
    assert listed == {book["mine_soon"].id, book["mine_later"].id, book["theirs"].id}


def test_call_list_follows_the_customer_to_their_new_advisor(book, advisor, staff, store):
    newcomer = UserFactory(username="advisor3-sz", roles=["service_advisor"], store=store)
    customer = book["mine_later"].customer
    customers.update_customer(customer.id, CustomerInput(name=customer.name, mobile=customer.mobile,
                                                         advisor_id=newcomer.id), actor=advisor, now=NOW)
    assert services.call_list(actor=advisor, day=date(2026, 11, 23)) == []
    listed = services.call_list(actor=actor(newcomer), day=date(2026, 11, 23))
    assert [r.id for r in listed] == [book["mine_soon"].id, book["mine_later"].id]


@pytest.mark.parametrize("state", [CALLED, BOOKED, NOT_INTERESTED])
def test_mark_reminder_records_the_outcome_note_and_time(book, advisor, state):
    when = at(date(2026, 11, 23), 15)
    services.mark_reminder(book["mine_later"].id, state=state, note="  车主下周来店 ", actor=advisor, now=when)
    row = fresh(Reminder, book["mine_later"].id)
    assert (row.state, row.note, row.last_contact_at) == (state, "车主下周来店", when)


@pytest.mark.parametrize("closed", [DONE, CANCELLED])
def test_mark_reminder_closed_is_refused(book, advisor, closed):
    reminder = book["mine_done"]
    reminder.state = closed
    db.session.commit()
    with pytest.raises(services.InvalidReminder) as caught:
        services.mark_reminder(reminder.id, state=CALLED, note="", actor=advisor, now=NOW)
    assert (caught.value.code, caught.value.field) == ("reminders.invalid", "state")
    db.session.rollback()
    row = fresh(Reminder, reminder.id)
    assert (row.state, row.last_contact_at) == (closed, None)


@pytest.mark.parametrize("state", [OPEN, DONE, "deleted"])
def test_mark_reminder_unknown_outcome_is_refused(book, advisor, state):
    with pytest.raises(services.InvalidReminder) as caught:
        services.mark_reminder(book["mine_later"].id, state=state, note="", actor=advisor, now=NOW)
    assert caught.value.code == "reminders.invalid"
    assert fresh(Reminder, book["mine_later"].id).state == OPEN


def test_mark_reminder_of_another_store_is_not_found(book, advisor):
    with pytest.raises(NotFound) as caught:
        services.mark_reminder(book["elsewhere"].id, state=CALLED, note="", actor=advisor, now=NOW)
    assert caught.value.code == "not_found"
    assert fresh(Reminder, book["elsewhere"].id).state == OPEN
