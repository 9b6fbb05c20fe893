"""Reminders pages, the vehicle page's record forms, /api/v1/reminders and the CLI: the wiring a person uses.

The rules behind them are tested on the services (test_services.py, test_scan.py).
"""
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from dealer.customers.models import Vehicle
from dealer.extensions import db
from dealer.reminders import rules
from dealer.reminders.models import (
    BOOKED,
    CALLED,
    DONE,
    INSPECTION,
    INSURANCE,
    MAINTENANCE,
    OPEN,
    InsuranceRenewal,
    MaintenanceInterval,
    Reminder,
    ReminderOptOut,
)
from dealer.sms.models import SmsMessage
from tests.factories import CustomerFactory, UserFactory, VehicleFactory
from tests.helpers import bearer, count, fresh, login, persist, text

TODAY = date(2026, 11, 23)  # the stores' day at NOW, for the rows the tests make
# The views pass the real clock to the services, which refuse dates after the store's today: record recent ones.
RECENT = datetime.now(ZoneInfo("Asia/Shanghai")).date() - timedelta(days=3)


def alerts(response, category: str) -> list[str]:
    return re.findall(rf'class="alert alert-{category}[^"]*"[^>]*>\s*([^<]*)', text(response))


def add_reminder(vehicle, *, kind=INSURANCE, due=TODAY + timedelta(days=20), lead=30, state=OPEN) -> Reminder:
    reminder = Reminder(store_id=vehicle.store_id, vehicle_id=vehicle.id, customer_id=vehicle.owner_id,
                        advisor_id=vehicle.owner.advisor_id, kind=kind, due_date=due, lead_days=lead,
                        created_on=TODAY, state=state, note="")
    db.session.add(reminder)
    db.session.flush()
    return reminder


@pytest.fixture()
def book(db_session, store, other_store, staff):
    """Open reminders of the advisor's customer, of a colleague's customer and of another store's."""
    colleague = UserFactory(username="advisor2-sz", roles=["service_advisor"], store=store)
    mine = VehicleFactory(owner=CustomerFactory(store=store, name="欧阳娜娜", advisor_id=staff["service_advisor"].id),
                          plate="粤B8C6K9", plate_reversed="9K6C8B粤")
    theirs = VehicleFactory(owner=CustomerFactory(store=store, name="司马光", advisor_id=colleague.id),
                            plate="粤B77777", plate_reversed="77777B粤")
    elsewhere = VehicleFactory(owner=CustomerFactory(store=other_store, name="诸葛亮"),
                               plate="粤A55555", plate_reversed="55555A粤")
    made = {"mine": add_reminder(mine, kind=INSPECTION, due=TODAY + timedelta(days=7), lead=7),
            "mine_booked": add_reminder(mine, kind=MAINTENANCE, state=BOOKED),
            "theirs": add_reminder(theirs), "elsewhere": add_reminder(elsewhere)}
    persist()
    return made


# -- the call list -------------------------------------------------------------------------------------

def test_reminders_page_shows_the_advisors_own_open_reminders(advisor_client, book):
    page = advisor_client.get("/reminders/")
    assert page.status_code == 200
    assert "粤B8C6K9" in text(page) and "欧阳娜娜" in text(page)
    assert "粤B77777" not in text(page) and "粤A55555" not in text(page)
    assert text(page).count(f'/reminders/{book["mine"].id}/mark') == 1
    assert f'/reminders/{book["mine_booked"].id}/mark' not in text(page)


def test_reminders_page_whole_store_shows_colleagues_reminders_not_another_stores(advisor_client, book):
    page = advisor_client.get("/reminders/?all=1")
    assert "粤B8C6K9" in text(page) and "粤B77777" in text(page)
    assert "粤A55555" not in text(page)


def test_reminders_page_is_paged_by_50_and_marking_returns_to_the_same_page(advisor_client, book):
    mine = db.session.get(Vehicle, book["mine"].vehicle_id, options=[joinedload(Vehicle.owner)])
    later = [add_reminder(mine, due=TODAY + timedelta(days=30 + n)) for n in range(50)]  # 51 open in all
    persist()
    first, second = text(advisor_client.get("/reminders/")), text(advisor_client.get("/reminders/?page=2"))
    assert first.count('/mark"') + first.count('/mark?') == 50 and "1 / 2" in first
    assert 'href="/reminders/?page=2"' in first
    assert f'/reminders/{later[-1].id}/mark?page=2"' in second and second.count("/mark?page=2") == 1
    assert first.count('name="csrf_token"') >= 50  # every row's form carries the token

    response = advisor_client.post(f"/reminders/{later[-1].id}/mark?page=2", data={"state": CALLED})
    assert response.headers["Location"].endswith("/reminders/?page=2")
    assert fresh(Reminder, later[-1].id).state == CALLED


def test_reminders_page_is_refused_to_a_technician(client, book, staff):
    login(client, staff["technician"])
    assert client.get("/reminders/").status_code == 403


def test_mark_form_records_the_outcome_and_returns_to_the_list(advisor_client, book):
    response = advisor_client.post(f'/reminders/{book["mine"].id}/mark', data={"state": CALLED, "note": "下周二来"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/reminders/")
    row = fresh(Reminder, book["mine"].id)
    assert (row.state, row.note) == (CALLED, "下周二来")
    assert row.last_contact_at is not None

    page = advisor_client.get("/reminders/")
    assert alerts(page, "success") and "下周二来" in text(page)  # a called reminder stays on the list


def test_mark_form_from_the_whole_store_list_goes_back_to_it(advisor_client, book):
    response = advisor_client.post(f'/reminders/{book["theirs"].id}/mark?all=1', data={"state": BOOKED})
    assert response.headers["Location"].endswith("/reminders/?all=1")
    assert fresh(Reminder, book["theirs"].id).state == BOOKED


def test_mark_form_on_a_closed_reminder_flashes_the_error_and_changes_nothing(advisor_client, book):
    book["mine"].state = DONE
    persist()
    response = advisor_client.post(f'/reminders/{book["mine"].id}/mark', data={"state": CALLED, "note": "x"},
                                   follow_redirects=True)
    assert alerts(response, "danger")
    row = fresh(Reminder, book["mine"].id)
    assert (row.state, row.note, row.last_contact_at) == (DONE, "", None)


def test_mark_form_without_an_outcome_flashes_the_error_and_changes_nothing(advisor_client, book):
    response = advisor_client.post(f'/reminders/{book["mine"].id}/mark', data={"note": "x"}, follow_redirects=True)
    assert alerts(response, "danger")
    assert fresh(Reminder, book["mine"].id).state == OPEN


def test_mark_form_on_another_stores_reminder_changes_nothing(advisor_client, book):
    advisor_client.post(f'/reminders/{book["elsewhere"].id}/mark', data={"state": CALLED})
    assert fresh(Reminder, book["elsewhere"].id).state == OPEN


# -- recording on the vehicle page -------------------------------------------------------------------

@pytest.fixture()
def vehicle(book):
    """The advisor's customer's car: registered 2020-03-15, its inspection and insurance reminders open."""
    vehicle = db.session.get(Vehicle, book["mine"].vehicle_id, options=[joinedload(Vehicle.owner)],
                             populate_existing=True)
    vehicle.registration_date = date(2020, 3, 15)
    vehicle.insurance_expiry = TODAY + timedelta(days=20)
    add_reminder(vehicle, kind=INSURANCE, due=vehicle.insurance_expiry)
    persist()
    return vehicle


def test_vehicle_page_has_the_record_forms(advisor_client, vehicle):
    page = text(advisor_client.get(f"/vehicles/{vehicle.id}"))
    for action in ("inspection", "maintenance", "insurance"):
        assert f'action="/reminders/vehicles/{vehicle.id}/{action}"' in page
    assert 'name="inspected_on"' in page and 'name="new_expiry"' in page and 'name="by_store"' in page


def test_record_inspection_form_moves_the_due_date_and_closes_the_reminder(advisor_client, vehicle, book):
    response = advisor_client.post(f"/reminders/vehicles/{vehicle.id}/inspection",
                                   data={"inspected_on": RECENT.isoformat()}, follow_redirects=True)
    assert response.status_code == 200 and alerts(response, "success")
    row = fresh(Vehicle, vehicle.id)
    expected = rules.next_inspection_due(registration_date=date(2020, 3, 15), vehicle_class=rules.SMALL_PASSENGER,
                                         use="private", seats=None, last_inspection_date=RECENT, today=RECENT)
    assert (row.last_inspection_date, row.next_inspection_due) == (RECENT, expected.due_date)
    assert row.next_inspection_due > RECENT
    assert fresh(Reminder, book["mine"].id).state == DONE


@pytest.mark.parametrize("action, data", [
    ("inspection", {"inspected_on": "2026-13-45"}),
    ("inspection", {"inspected_on": ""}),
    ("inspection", {"inspected_on": "2999-01-01"}),  # in the future: the service refuses it
    ("maintenance", {"serviced_on": "yesterday", "km": "30000"}),
    ("maintenance", {"serviced_on": RECENT.isoformat(), "km": "-5"}),
    ("insurance", {"new_expiry": "2027-02-30", "by_store": "y"}),
    ("insurance", {"new_expiry": "2026-11-30", "by_store": "y"}),  # not later than the current expiry
])
def test_record_form_with_a_bad_value_flashes_an_error_and_changes_nothing(advisor_client, vehicle, action, data):
    before = fresh(Vehicle, vehicle.id)
    snapshot = (before.last_inspection_date, before.next_inspection_due, before.last_maintenance_date,
                before.next_maintenance_due, before.insurance_expiry)
    response = advisor_client.post(f"/reminders/vehicles/{vehicle.id}/{action}", data=data)
    assert response.status_code == 302
    page = advisor_client.get(f"/vehicles/{vehicle.id}")
    assert alerts(page, "danger") and not alerts(page, "success")
    after = fresh(Vehicle, vehicle.id)
    assert (after.last_inspection_date, after.next_inspection_due, after.last_maintenance_date,
            after.next_maintenance_due, after.insurance_expiry) == snapshot
    assert count(InsuranceRenewal) == 0
    assert count(Reminder, Reminder.state == OPEN) == 4


def test_record_maintenance_form_records_date_and_km(advisor_client, vehicle):
    response = advisor_client.post(f"/reminders/vehicles/{vehicle.id}/maintenance",
                                   data={"serviced_on": RECENT.isoformat(), "km": "30000"})
    assert response.headers["Location"].endswith(f"/vehicles/{vehicle.id}")
    row = fresh(Vehicle, vehicle.id)
    assert (row.last_maintenance_date, row.last_maintenance_km) == (RECENT, 30_000)
    assert row.next_maintenance_due is not None


@pytest.mark.parametrize("data, by_store", [({"new_expiry": "2027-12-13", "insurer": "平安", "by_store": "y"}, True),
                                           ({"new_expiry": "2027-12-13", "insurer": ""}, False)])
def test_record_insurance_form_records_the_renewal(advisor_client, vehicle, data, by_store):
    response = advisor_client.post(f"/reminders/vehicles/{vehicle.id}/insurance", data=data, follow_redirects=True)
    assert alerts(response, "success")
    [renewal] = db.session.scalars(sa.select(InsuranceRenewal)).all()
    assert (renewal.new_expiry, renewal.by_store, renewal.insurer) == (date(2027, 12, 13), by_store, data["insurer"])
    assert fresh(Vehicle, vehicle.id).insurance_expiry == date(2027, 12, 13)
    assert count(Reminder, Reminder.kind == INSURANCE, Reminder.state == DONE) == 1


def test_opt_out_form_on_the_customer_page_stops_that_kind(advisor_client, vehicle):
    page = text(advisor_client.get(f"/customers/{vehicle.owner_id}"))
    assert f'action="/reminders/customers/{vehicle.owner_id}/opt-out"' in page
    response = advisor_client.post(f"/reminders/customers/{vehicle.owner_id}/opt-out", data={"kind": INSURANCE})
    assert response.headers["Location"].endswith(f"/customers/{vehicle.owner_id}")
    [opt_out] = db.session.scalars(sa.select(ReminderOptOut)).all()
    assert (opt_out.customer_id, opt_out.kind) == (vehicle.owner_id, INSURANCE)
    assert count(Reminder, Reminder.kind == INSURANCE, Reminder.state == "cancelled") == 1


def test_opt_out_form_with_an_unknown_kind_flashes_an_error(advisor_client, vehicle):
    response = advisor_client.post(f"/reminders/customers/{vehicle.owner_id}/opt-out", data={"kind": "birthday"},
                                   follow_redirects=True)
    assert alerts(response, "danger")
    assert count(ReminderOptOut) == 0


def test_intervals_page_saves_a_family_interval_for_the_manager(client, vehicle, staff, store):
    login(client, staff["manager"])
    assert client.get("/reminders/intervals").status_code == 200
    response = client.post("/reminders/intervals", data={"model_family": "suv", "months": "3", "km": "7500"})
    assert response.status_code == 302
    [row] = db.session.scalars(sa.select(MaintenanceInterval)).all()
    assert (row.store_id, row.model_family, row.months, row.km) == (store.id, "suv", 3, 7500)
    assert "<td>SUV</td>" in text(client.get("/reminders/intervals"))  # the family's label, not its code


def test_intervals_page_offers_the_model_families_to_choose_from(client, staff):
    """Issue 12: the family is chosen from the list, in the user's language; one typed in is refused."""
    login(client, staff["manager"])
    page = text(client.get("/reminders/intervals"))
    assert '<select class="form-select" id="model_family" name="model_family">' in page
    assert '<option value="compact">紧凑型轿车</option>' in page
    response = client.post("/reminders/intervals", data={"model_family": "速腾", "months": "3", "km": "7500"})
    assert response.status_code == 200 and count(MaintenanceInterval) == 0


def test_intervals_page_out_of_range_shows_the_field_error(client, staff):
    login(client, staff["manager"])
    response = client.post("/reminders/intervals", data={"model_family": "", "months": "48", "km": "7500"})
    assert response.status_code == 200
    assert re.search(r'name="months"[^>]*is-invalid|is-invalid[^>]*name="months"', text(response))
    assert count(MaintenanceInterval) == 0


# -- the API -------------------------------------------------------------------------------------

def test_api_reminders_lists_the_stores_reminders_soonest_due_first(client, book, staff):
    response = client.get("/api/v1/reminders", headers=bearer(staff["service_advisor"]))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["page"], body["per_page"], body["total"]) == (1, 50, 3)
    assert [item["id"] for item in body["items"]] == [book["mine"].id, book["mine_booked"].id, book["theirs"].id]
    first = body["items"][0]
    assert first == {
        "id": book["mine"].id, "store_id": book["mine"].store_id, "vehicle_id": book["mine"].vehicle_id,
        "customer_id": book["mine"].customer_id, "advisor_id": staff["service_advisor"].id, "plate": "粤B8C6K9",
        "kind": INSPECTION, "due_date": "2026-11-30", "lead_days": 7, "on_site": True, "state": OPEN,
        "message_id": None, "last_contact_at": None, "note": "", "created_on": "2026-11-23"}


@pytest.mark.parametrize("query, expected", [
    ("kind=insurance", ["theirs"]),
    ("state=booked", ["mine_booked"]),
    ("kind=inspection&state=open", ["mine"]),
    ("kind=insurance&state=done", []),
    ("per_page=1&page=2", ["mine_booked"]),
])
def test_api_reminders_filters_and_pages(client, book, staff, query, expected):
    body = client.get(f"/api/v1/reminders?{query}", headers=bearer(staff["service_advisor"])).get_json()
    assert [item["id"] for item in body["items"]] == [book[name].id for name in expected]


def test_api_reminders_group_manager_sees_every_store(client, book, group_manager):
    body = client.get("/api/v1/reminders?kind=insurance", headers=bearer(group_manager)).get_json()
    assert {item["id"] for item in body["items"]} == {book["theirs"].id, book["elsewhere"].id}


@pytest.mark.parametrize("query, field", [("kind=birthday", "kind"), ("state=lost", "state"),
                                          ("per_page=500", "per_page"), ("page=0", "page")])
def test_api_reminders_bad_filter_is_422_with_the_field(client, book, staff, query, field):
    response = client.get(f"/api/v1/reminders?{query}", headers=bearer(staff["service_advisor"]))
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"]["code"] == "validation_failed" and field in body["error"]["fields"]


def test_api_reminders_refuses_a_technician_and_anonymous(client, book, staff):
    assert client.get("/api/v1/reminders", headers=bearer(staff["technician"])).status_code == 403
    assert client.get("/api/v1/reminders").status_code == 401


# -- the command line ----------------------------------------------------------------------------

def test_cli_reminders_scan_prints_counts_and_twice_creates_nothing_new(app, ctx, store):
    for days in (30, 7):
        VehicleFactory(owner=CustomerFactory(store=store), insurance_expiry=TODAY + timedelta(days=days),
                       next_maintenance_due=TODAY + timedelta(days=days))
    persist()
    runner = app.test_cli_runner()

    first = runner.invoke(args=["reminders", "scan", "--date", "2026-11-23"])
    assert first.exit_code == 0, first.output
    assert first.output.strip() == ("2026-11-23: 3 reminders, 3 messages queued "
                                    "(inspection=0, insurance=2, maintenance=1), 0 inspection dates rolled on, "
                                    "in 2 batches")
    assert (count(Reminder), count(SmsMessage)) == (3, 3)

    again = runner.invoke(args=["reminders", "scan", "--date", "2026-11-23"])
    assert again.exit_code == 0, again.output
    assert again.output.startswith("2026-11-23: 0 reminders, 0 messages queued")
    assert (count(Reminder), count(SmsMessage)) == (3, 3)


def test_cli_reminders_scan_refuses_a_malformed_date(app, ctx):
    result = app.test_cli_runner().invoke(args=["reminders", "scan", "--date", "23/11/2026"])
    assert result.exit_code == 2
    assert count(Reminder) == 0


def test_cli_reminders_refresh_recomputes_one_stores_due_dates(app, ctx, store, other_store):
    here = VehicleFactory(owner=CustomerFactory(store=store), registration_date=date(2020, 3, 15))
    there = VehicleFactory(owner=CustomerFactory(store=other_store), registration_date=date(2020, 3, 15))
    ids = (here.id, there.id)
    persist()
    result = app.test_cli_runner().invoke(args=["reminders", "refresh", "--store", "SZ01"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "1 vehicles refreshed"
    # The command uses the real clock: the due date is the rules' answer for the store's today.
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    expected = rules.next_inspection_due(registration_date=date(2020, 3, 15), vehicle_class=rules.SMALL_PASSENGER,
                                         use="private", seats=None, last_inspection_date=None, today=today)
    assert fresh(Vehicle, ids[0]).next_inspection_due == expected.due_date
    assert fresh(Vehicle, ids[1]).next_inspection_due is None
