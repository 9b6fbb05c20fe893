"""The nightly reminder scan: worked examples per kind and lead window, idempotence, consent, quiet hours.

The scan reads the due dates stored on each vehicle, so most vehicles here get them set directly;
the services that compute them are tested in test_services.py.
"""
import json
import threading
import time as clock
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from dealer.customers.models import Vehicle
from dealer.extensions import db
from dealer.reminders import scan as scan_module
from dealer.reminders import services
from dealer.reminders.models import INSPECTION, INSURANCE, MAINTENANCE, OPEN, Reminder, ReminderOptOut
from dealer.reminders.services import scan
from dealer.sms.gateway import LocalSmsGateway
from dealer.sms.models import QUEUED, SENT, SmsMessage, SmsSettings
from dealer.sms.sender import send_due
from tests.concurrency import at_once
from tests.factories import CustomerFactory, StoreFactory, UserFactory, VehicleFactory
from tests.helpers import count

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 23)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """The aware UTC moment of hh:mm on `day` at the store (Asia/Shanghai)."""
    return datetime.combine(day, time(hour, minute), SHANGHAI).astimezone(timezone.utc)


NIGHT = at(DAY, 2)  # the scan runs at 02:00 local, in the quiet hours


def car(store, *, inspection=None, on_site=True, insurance=None, maintenance=None, owner=None, **owner_fields):
    """A vehicle with its due dates set (offsets in days from DAY), owned by `owner` or a new customer."""
    def offset(days):
        return None if days is None else DAY + timedelta(days=days)

    owner = owner or CustomerFactory(store=store, **owner_fields)
    return VehicleFactory(owner=owner, next_inspection_due=offset(inspection), next_inspection_on_site=on_site,
                          insurance_expiry=offset(insurance), next_maintenance_due=offset(maintenance))


def reminders() -> list[Reminder]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Reminder).order_by(Reminder.id)))


def made(vehicles: dict) -> dict:
    """{label: {(kind, lead_days), ...}} of the reminders that exist, for vehicles keyed by label."""
    label_of = {v.id: label for label, v in vehicles.items()}
    found = {label: set() for label in vehicles}
    for r in reminders():
        found[label_of[r.vehicle_id]].add((r.kind, r.lead_days))
    return found


# -- which reminder, when ----------------------------------------------------------------------------

# Default lead times: inspection 30 and 7 days, insurance 30 and 7, maintenance 7.
# A due date in (DAY + 7, DAY + 30] gets the 30-day reminder, one in [DAY, DAY + 7] the 7-day one.
WORKED_EXAMPLES = {
    "insurance in 31 days": (dict(insurance=31), set()),
    "insurance in 30 days": (dict(insurance=30), {(INSURANCE, 30)}),
    "insurance in 20 days, first seen": (dict(insurance=20), {(INSURANCE, 30)}),
    "insurance in 8 days": (dict(insurance=8), {(INSURANCE, 30)}),
    "insurance in 7 days": (dict(insurance=7), {(INSURANCE, 7)}),
    "insurance today": (dict(insurance=0), {(INSURANCE, 7)}),
    "insurance yesterday": (dict(insurance=-1), set()),
    "maintenance in 30 days": (dict(maintenance=30), set()),
    "maintenance in 8 days": (dict(maintenance=8), set()),
    "maintenance in 7 days": (dict(maintenance=7), {(MAINTENANCE, 7)}),
    "maintenance today": (dict(maintenance=0), {(MAINTENANCE, 7)}),
    "maintenance yesterday": (dict(maintenance=-1), set()),
    "inspection in 31 days": (dict(inspection=31), set()),
    "inspection in 30 days": (dict(inspection=30), {(INSPECTION, 30)}),
    "sticker in 7 days": (dict(inspection=7, on_site=False), {(INSPECTION, 7)}),
    "all three in 7 days": (dict(inspection=7, insurance=7, maintenance=7),
                            {(INSPECTION, 7), (INSURANCE, 7), (MAINTENANCE, 7)}),
    "nothing known": (dict(), set()),
}


@pytest.mark.parametrize("batch_size", [50_000, 2])
def test_scan_creates_the_reminder_of_each_lead_window(ctx, store, batch_size):
    vehicles = {label: car(store, **due) for label, (due, _expected) in WORKED_EXAMPLES.items()}
    db.session.commit()

    report = scan(day=DAY, now=NIGHT, batch_size=batch_size)

    assert made(vehicles) == {label: expected for label, (_due, expected) in WORKED_EXAMPLES.items()}
    assert (report.reminders, report.messages) == (12, 12)
    assert report.per_kind == {INSPECTION: 3, INSURANCE: 6, MAINTENANCE: 3}
    # A batch per kind; with 2 vehicles a batch, consecutive due dates holding at most 2 (a date may hold more).
    assert report.batches == (3 if batch_size == 50_000 else 8)
    for r in reminders():
        vehicle = db.session.get(Vehicle, r.vehicle_id)
        due = {INSPECTION: vehicle.next_inspection_due, INSURANCE: vehicle.insurance_expiry,
               MAINTENANCE: vehicle.next_maintenance_due}[r.kind]
        assert (r.store_id, r.customer_id, r.due_date, r.created_on, r.state) == (
            store.id, vehicle.owner_id, due, DAY, OPEN)
        assert r.on_site is (vehicle.next_inspection_on_site if r.kind == INSPECTION else True)


def test_scan_queues_one_unrendered_sms_per_reminder_and_links_it(ctx, store, staff):
    store.phone = "0755-27781234"
    owner = CustomerFactory(store=store, name="张伟", mobile="13812345678", advisor_id=staff["service_advisor"].id)
    on_site = car(store, owner=owner, inspection=30, insurance=7)
    sticker = car(store, inspection=7, on_site=False, maintenance=3)
    db.session.commit()

    scan(day=DAY, now=NIGHT)

    expected_kinds = {(on_site.id, INSPECTION): "inspection_reminder", (on_site.id, INSURANCE): "insurance_reminder",
                      (sticker.id, INSPECTION): "inspection_sticker_reminder",
                      (sticker.id, MAINTENANCE): "maintenance_reminder"}
    rows = reminders()
    assert {(r.vehicle_id, r.kind) for r in rows} == set(expected_kinds)
    for r in rows:
        message = db.session.get(SmsMessage, r.message_id)
        vehicle = db.session.get(Vehicle, r.vehicle_id)
        assert message.kind == expected_kinds[(r.vehicle_id, r.kind)]
        assert (message.store_id, message.customer_id, message.vehicle_id, message.phone) == (
            store.id, vehicle.owner_id, vehicle.id, vehicle.owner.mobile)
        assert (message.category, message.priority, message.state, message.attempts) == ("service", 5, QUEUED, 0)
        assert (message.reminder_id, message.dedupe_key) == (r.id, None)
        assert message.body is None  # the sender writes the words at send time
        assert message.params == {"name": vehicle.owner.name, "plate": vehicle.plate,
                                  "due_date": r.due_date.isoformat(), "store_phone": "0755-27781234"}
        assert len(message.out_id) == 32
    assert {r.advisor_id for r in rows if r.vehicle_id == on_site.id} == {staff["service_advisor"].id}
    assert count(SmsMessage) == 4


def test_scan_twice_the_same_day_creates_nothing_twice(ctx, store):
    for label, (due, _expected) in WORKED_EXAMPLES.items():
        car(store, **due)
    db.session.commit()
    first = scan(day=DAY, now=NIGHT)
    before = (count(Reminder), count(SmsMessage))

    again = scan(day=DAY, now=NIGHT + timedelta(hours=1), batch_size=3)

    assert (again.reminders, again.messages) == (0, 0)
    assert (count(Reminder), count(SmsMessage)) == before == (first.reminders, first.messages)


def test_scan_twice_sends_each_reminder_once(ctx, store):
    car(store, inspection=30, insurance=7, maintenance=7)
    db.session.commit()
    scan(day=DAY, now=NIGHT)
    scan(day=DAY, now=NIGHT)
    per_reminder = db.session.execute(sa.select(SmsMessage.reminder_id, sa.func.count()).group_by(
        SmsMessage.reminder_id)).all()
    assert sorted(reminder_id for reminder_id, _n in per_reminder) == sorted(r.id for r in reminders())
    assert [n for _reminder_id, n in per_reminder] == [1, 1, 1]


def test_scan_the_next_day_creates_only_the_new_ones(ctx, store):
    vehicles = {"insurance in 8 days": car(store, insurance=8), "insurance in 20 days": car(store, insurance=20),
                "insurance in 31 days": car(store, insurance=31), "maintenance in 8 days": car(store, maintenance=8)}
    db.session.commit()
    scan(day=DAY, now=NIGHT)
    first_ids = {r.id for r in reminders()}

    report = scan(day=DAY + timedelta(days=1), now=NIGHT + timedelta(days=1))

    assert (report.reminders, report.messages) == (3, 3)
    assert made(vehicles) == {"insurance in 8 days": {(INSURANCE, 30), (INSURANCE, 7)},
                              "insurance in 20 days": {(INSURANCE, 30)},
                              "insurance in 31 days": {(INSURANCE, 30)},
                              "maintenance in 8 days": {(MAINTENANCE, 7)}}
    new = [r for r in reminders() if r.id not in first_ids]
    assert {r.created_on for r in new} == {DAY + timedelta(days=1)}
    assert all(r.message_id is not None for r in new)
    assert {r.created_on for r in reminders() if r.id in first_ids} == {DAY}


# -- sent once, however the due date moves ----------------------------------------------------------

def test_scan_due_date_moved_a_day_while_the_reminder_stands_sends_nothing_new(ctx, store, staff):
    # An odometer reading at a non-maintenance visit moves the projected maintenance date by a day.
    vehicle = car(store, maintenance=5)
    db.session.commit()
    scan(day=DAY, now=NIGHT)
    [first] = reminders()

    vehicle.next_maintenance_due = DAY + timedelta(days=6)
    db.session.commit()
    report = scan(day=DAY + timedelta(days=1), now=NIGHT + timedelta(days=1))

    assert (report.reminders, report.messages) == (0, 0)
    assert [r.id for r in reminders()] == [first.id]
    assert count(SmsMessage) == 1
    # Called and booked: still the same event.
    services.mark_reminder(first.id, state="booked", note="", actor=staff["service_advisor"].as_actor(),
                           now=NIGHT + timedelta(days=1))
    vehicle.next_maintenance_due = DAY + timedelta(days=4)
    db.session.commit()
    assert scan(day=DAY + timedelta(days=2), now=NIGHT + timedelta(days=2)).reminders == 0


def test_scan_due_date_moved_into_the_shorter_window_still_gets_that_reminder(ctx, store):
    vehicle = car(store, insurance=20)
    db.session.commit()
    scan(day=DAY, now=NIGHT)                                  # the 30-day reminder
    vehicle.insurance_expiry = DAY + timedelta(days=21)       # moved by a day: nothing new
    db.session.commit()
    assert scan(day=DAY + timedelta(days=1), now=NIGHT + timedelta(days=1)).reminders == 0

    report = scan(day=DAY + timedelta(days=14), now=NIGHT + timedelta(days=14))  # 7 days before

    assert report.reminders == report.messages == 1
    assert sorted((r.lead_days, r.due_date) for r in reminders()) == [
        (7, DAY + timedelta(days=21)), (30, DAY + timedelta(days=20))]


def test_scan_after_the_event_ends_the_reminder_a_new_due_date_is_reminded_again(ctx, store, staff):
    vehicle = car(store, maintenance=5)
    db.session.commit()
    scan(day=DAY, now=NIGHT)
    services.record_maintenance(vehicle.id, serviced_on=DAY, km=None, actor=staff["service_advisor"].as_actor(),
                                now=NIGHT + timedelta(hours=8))
    vehicle = db.session.get(Vehicle, vehicle.id)
    vehicle.next_maintenance_due = DAY + timedelta(days=6)   # as if the next one were due so soon
    db.session.commit()

    report = scan(day=DAY + timedelta(days=1), now=NIGHT + timedelta(days=1))

    assert report.reminders == 1
    assert sorted(r.state for r in reminders()) == ["done", "open"]


def test_scan_a_standing_reminder_whose_date_passed_does_not_block_the_next_cycle(ctx, store):
    vehicle = car(store, insurance=3)
    db.session.commit()
    scan(day=DAY, now=NIGHT)
    # The policy was renewed elsewhere and nobody recorded it; the new expiry was typed in later.
    vehicle.insurance_expiry = DAY + timedelta(days=380)
    db.session.commit()

    report = scan(day=DAY + timedelta(days=355), now=NIGHT + timedelta(days=355))

    assert report.reminders == 1
    assert sorted((r.lead_days, r.due_date) for r in reminders()) == [
        (7, DAY + timedelta(days=3)), (30, DAY + timedelta(days=380))]


# -- what a night costs -------------------------------------------------------------------------------

def _statements(run) -> list[str]:
    seen = []

    def record(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()).upper())

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    return seen


def test_scan_writes_each_reminder_once_with_one_statement_per_kind(ctx, store):
    for due in WORKED_EXAMPLES.values():
        car(store, **due[0])
    db.session.commit()

    statements = _statements(lambda: scan(day=DAY, now=NIGHT))

    into_reminders = [s for s in statements if s.startswith("INSERT INTO REMINDERS") or "INSERT INTO REMINDERS" in s]
    # The 30- and 7-day windows of a kind are one statement: 3 per batch, whatever the lead times.
    assert len(into_reminders) == 3
    # Nothing is written twice: no reminder is updated to point at its message.
    assert not [s for s in statements if s.startswith("UPDATE REMINDERS")]
    assert count(Reminder) == count(SmsMessage) == 12


def test_scan_owner_opted_out_of_service_sms_gets_a_reminder_but_no_sms(ctx, store):
    quiet = car(store, insurance=7, service_sms_opt_out=True)
    other = car(store, insurance=7)
    db.session.commit()

    for _ in range(2):
        report = scan(day=DAY, now=NIGHT)

    [reminder] = [r for r in reminders() if r.vehicle_id == quiet.id]
    assert (reminder.state, reminder.message_id) == (OPEN, None)
    assert count(SmsMessage, SmsMessage.customer_id == quiet.owner_id) == 0
    assert count(SmsMessage, SmsMessage.customer_id == other.owner_id) == 1
    assert report.messages == 0


def test_scan_owner_who_asked_for_no_reminders_of_a_kind_gets_none_of_that_kind(ctx, store, staff):
    vehicle = car(store, inspection=7, insurance=7, maintenance=7)
    db.session.commit()
    services.opt_out_of_reminders(vehicle.owner_id, kind=INSURANCE, actor=staff["service_advisor"].as_actor(),
                                  now=NIGHT)
    assert count(ReminderOptOut) == 1

    scan(day=DAY, now=NIGHT)

    assert {r.kind for r in reminders()} == {INSPECTION, MAINTENANCE}
    assert count(SmsMessage, SmsMessage.kind == "insurance_reminder") == 0
    assert count(SmsMessage) == 2


@pytest.mark.parametrize("now, quiet_end, sends_at", [
    (NIGHT, None, at(DAY, 8)),                          # 02:00: held until the default 08:00
    (at(DAY, 2), "09:30", at(DAY, 9, 30)),              # the store's own quiet hours
    (at(DAY - timedelta(days=1), 22), None, at(DAY, 8)),  # late the evening before
    (at(DAY, 10), None, at(DAY, 10)),                    # by day: at once
])
def test_scan_queues_messages_for_the_end_of_quiet_hours(ctx, store, now, quiet_end, sends_at):
    if quiet_end:
        db.session.add(SmsSettings(store_id=store.id, sign_name="宝安大众", quiet_start="21:00", quiet_end=quiet_end,
                                   daily_cap_per_phone=3, inspection_lead_days="30,7", insurance_lead_days="30,7",
                                   maintenance_lead_days="7"))
    car(store, inspection=30, insurance=7)
    db.session.commit()

    scan(day=DAY, now=now)

    assert {m.next_attempt_at for m in db.session.scalars(sa.select(SmsMessage))} == {sends_at}
    assert {m.created_at for m in db.session.scalars(sa.select(SmsMessage))} == {now}


def test_scan_then_the_sender_renders_signature_plate_and_chinese_due_date(ctx, store, tmp_path):
    store.phone = "0755-27781234"
    db.session.add(SmsSettings(store_id=store.id, sign_name="宝安大众", quiet_start="21:00", quiet_end="08:00",
                               daily_cap_per_phone=3, inspection_lead_days="30,7", insurance_lead_days="30,7",
                               maintenance_lead_days="7"))
    owner = CustomerFactory(store=store, name="张伟", mobile="13812345678")
    vehicle = VehicleFactory(owner=owner, plate="粤B8C6K9", plate_reversed="9K6C8B粤",
                             registration_date=date(2020, 3, 15), insurance_expiry=date(2026, 3, 31))
    services.refresh_due_dates(vehicle, today=date(2026, 2, 1))
    db.session.commit()
    assert (vehicle.next_inspection_due, vehicle.next_inspection_on_site) == (date(2026, 3, 31), True)
    scan(day=date(2026, 3, 1), now=at(date(2026, 3, 1), 2))

    gateway = LocalSmsGateway(tmp_path / "sms.jsonl")
    too_early = send_due(gateway=gateway, now_fn=lambda: at(date(2026, 3, 1), 7, 59))
    assert too_early.sent == 0
    report = send_due(gateway=gateway, now_fn=lambda: at(date(2026, 3, 1), 8, 1))

    assert report.sent == 2
    db.session.expire_all()
    bodies = {m.kind: m.body for m in db.session.scalars(sa.select(SmsMessage))}
    assert bodies == {
        "inspection_reminder": "【宝安大众】张伟您好，您的车辆粤B8C6K9年审将于2026年3月31日到期，请及时检验。"
                               "本店可代办，电话0755-27781234。",
        "insurance_reminder": "【宝安大众】张伟您好，您的车辆粤B8C6K9保险将于2026年3月31日到期，本店可代办续保，"
                              "电话0755-27781234。",
    }
    assert {m.state for m in db.session.scalars(sa.select(SmsMessage))} == {SENT}
    lines = [json.loads(line) for line in (tmp_path / "sms.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted((line["phone"], line["sign_name"], line["params"]["due_date"]) for line in lines) == [
        ("13812345678", "宝安大众", "2026-03-31")] * 2


def test_scan_across_two_stores_keeps_each_rows_store(ctx, store, other_store):
    db.session.add(SmsSettings(store_id=other_store.id, sign_name="天河大众", quiet_start="21:00", quiet_end="08:00",
                               daily_cap_per_phone=3, inspection_lead_days="30,7", insurance_lead_days="15",
                               maintenance_lead_days="7"))
    # Interleaved ids, as a busy group has them.
    pairs = [(car(store, insurance=20), car(other_store, insurance=20)),
             (car(store, insurance=10), car(other_store, insurance=10))]
    db.session.commit()

    scan(day=DAY, now=NIGHT, batch_size=2)

    by_vehicle = {r.vehicle_id: r for r in reminders()}
    here, there = [v for v, _ in pairs], [v for _, v in pairs]
    assert {(by_vehicle[v.id].store_id, by_vehicle[v.id].lead_days) for v in here} == {(store.id, 30)}
    # The other store reminds 15 days before: nothing yet for 20 days, the 15-day reminder for 10.
    assert there[0].id not in by_vehicle
    assert (by_vehicle[there[1].id].store_id, by_vehicle[there[1].id].lead_days) == (other_store.id, 15)
    for r in by_vehicle.values():
        message = db.session.get(SmsMessage, r.message_id)
        assert message.store_id == r.store_id == db.session.get(Vehicle, r.vehicle_id).store_id
        assert message.customer_id == r.customer_id
    assert db.session.get(SmsMessage, by_vehicle[there[1].id].message_id).sign_name == "天河大众"


def test_scan_batches_hold_at_most_batch_size_of_a_stores_vehicles_due(ctx, store, other_store):
    # Interleaved ids, as a busy group has them; each store's batches hold its own vehicles only.
    for days in range(1, 7):
        car(store, insurance=days)
        car(other_store, maintenance=days)
    for _ in range(4):
        car(store, inspection=30)  # one date with more than a batch: one batch of its own
    db.session.commit()

    report = scan(day=DAY, now=NIGHT, batch_size=3)

    assert report.batches == 5
    assert (report.reminders, report.messages) == (16, 16)
    assert (count(Reminder), count(SmsMessage), count(SmsMessage, SmsMessage.reminder_id.is_(None))) == (16, 16, 0)


def test_scan_skips_inactive_stores(ctx, store, other_store):
    other_store.active = False
    car(store, insurance=7)
    car(other_store, insurance=7)
    db.session.commit()
    scan(day=DAY, now=NIGHT)
    assert {r.store_id for r in reminders()} == {store.id}


def test_scan_rolls_a_passed_inspection_forward_recorded_here_or_not(ctx, store):
    # Registered 2020-03-15: due 2026-03-31 (on site); the owner went elsewhere and nothing was recorded.
    vehicle = VehicleFactory(owner=CustomerFactory(store=store), registration_date=date(2020, 3, 15))
    services.refresh_due_dates(vehicle, today=date(2026, 2, 1))
    # Inspected here once (2024), then elsewhere: without the roll it would never be reminded again.
    inspected_elsewhere = VehicleFactory(owner=CustomerFactory(store=store), registration_date=date(2020, 3, 15),
                                         last_inspection_date=date(2024, 3, 1))
    services.refresh_due_dates(inspected_elsewhere, today=date(2026, 2, 1))
    db.session.commit()
    assert vehicle.next_inspection_due == inspected_elsewhere.next_inspection_due == date(2026, 3, 31)

    report = scan(day=date(2026, 4, 5), now=at(date(2026, 4, 5), 2))

    db.session.expire_all()
    assert report.rolled == 2
    for vehicle_id in (vehicle.id, inspected_elsewhere.id):
        rolled = db.session.get(Vehicle, vehicle_id)
        assert (rolled.next_inspection_due, rolled.next_inspection_on_site) == (date(2028, 3, 31), False)
    assert reminders() == []
    # Both are reminded of the next point, 30 days before it.
    scan(day=date(2028, 3, 1), now=at(date(2028, 3, 1), 2))
    assert {(r.vehicle_id, r.kind, r.due_date, r.lead_days) for r in reminders()} == {
        (vehicle.id, INSPECTION, date(2028, 3, 31), 30), (inspected_elsewhere.id, INSPECTION, date(2028, 3, 31), 30)}


def test_scan_rolls_a_month_cohort_in_set_based_updates(ctx, store, monkeypatch):
    monkeypatch.setattr(scan_module, "ROLL_CHUNK", 2)  # several UPDATEs, each for a few vehicles
    cars = [VehicleFactory(owner=CustomerFactory(store=store), registration_date=date(2020 - years, 3, 15),
                           use=use, seats=seats)
            for years, use, seats in ((0, "private", 5), (0, "commercial", 5), (6, "private", 5), (0, "private", 12),
                                      (0, "private", None))]
    for vehicle in cars:
        vehicle.next_inspection_due, vehicle.next_inspection_on_site = date(2026, 3, 31), True
    unknown_registration = VehicleFactory(owner=CustomerFactory(store=store), registration_date=None)
    unknown_registration.next_inspection_due = date(2026, 3, 31)
    not_yet = car(store, inspection=0)
    db.session.commit()
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        rolled = scan_module.roll_passed_inspections(store.id, date(2026, 4, 1))
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert rolled == 6
    db.session.expire_all()
    due = {v.id: (db.session.get(Vehicle, v.id).next_inspection_due, db.session.get(Vehicle, v.id).next_inspection_on_site)
           for v in cars}
    assert due == {cars[0].id: (date(2028, 3, 31), False),   # private car aged 6 to 8: sticker at 8
                   cars[1].id: (date(2026, 9, 30), True),    # commercial over 5 years: every 6 months
                   cars[2].id: (date(2027, 3, 31), True),    # private car over 10 years: every year
                   cars[3].id: (date(2027, 3, 31), True),    # 12 seats: a large passenger car, every year
                   cars[4].id: (date(2028, 3, 31), False)}
    assert db.session.get(Vehicle, unknown_registration.id).next_inspection_due is None
    assert db.session.get(Vehicle, not_yet.id).next_inspection_due == DAY
    # One statement per chunk of 2 vehicles (on SQLite one executemany), not one per vehicle.
    assert len([s for s in statements if s.lstrip().upper().startswith("UPDATE VEHICLES")]) == 3


def test_scan_reminder_goes_to_the_owners_advisor(ctx, store):
    advisor = UserFactory(username="advisor-x", roles=["service_advisor"], store=store)
    car(store, insurance=7, advisor_id=advisor.id)
    car(store, insurance=7)
    db.session.commit()
    scan(day=DAY, now=NIGHT)
    assert sorted((r.advisor_id for r in reminders()), key=lambda a: a or 0) == [None, advisor.id]


@pytest.mark.parametrize("text, days", [("30,7", [30, 7]), ("7, 30 ,7", [30, 7]), ("30，7", [30, 7]),
                                        ("30、15、3", [30, 15, 3]), ("365", [365])])
def test_lead_days_reads_a_stores_setting(text, days):
    assert services.lead_days(text) == days


@pytest.mark.parametrize("text", ["", "0", "30,-7", "366", "30,abc", "三十"])
def test_lead_days_refuses_nonsense_as_a_domain_error(text):
    with pytest.raises(services.InvalidReminder) as caught:
        services.lead_days(text)
    assert caught.value.code == "reminders.invalid"


@pytest.mark.postgres_only
def test_scan_with_two_workers_scans_the_stores_side_by_side(app, shared_db):
    stores = [StoreFactory(code="SZ01"), StoreFactory(code="GZ01")]
    for store in stores:
        car(store, insurance=7)
        car(store, maintenance=3, inspection=30)
    db.session.commit()

    report = scan(day=DAY, now=NIGHT, workers=2)

    assert (report.reminders, report.messages, report.batches) == (6, 6, 6)
    assert report.per_kind == {INSPECTION: 2, INSURANCE: 2, MAINTENANCE: 2}
    assert report.days == {store.id: DAY for store in stores}
    rows = reminders()
    assert sorted((r.store_id, r.kind) for r in rows) == sorted(
        (store.id, kind) for store in stores for kind in (INSPECTION, INSURANCE, MAINTENANCE))
    assert scan(day=DAY, now=NIGHT, workers=2).reminders == 0


@pytest.mark.postgres_only
def test_scan_refreshes_the_statistics_of_reminders_after_a_batch_that_grew_it(ctx, store, monkeypatch):
    monkeypatch.setattr(scan_module, "ANALYZE_AFTER", 3)
    for days in range(1, 5):
        car(store, insurance=days)
    db.session.commit()

    scan(day=DAY, now=NIGHT)

    known = db.session.scalar(sa.text("SELECT reltuples FROM pg_class WHERE oid = 'reminders'::regclass"))
    assert known == count(Reminder) == 4


@pytest.mark.postgres_only
def test_scan_reads_reminders_by_index_even_on_statistics_of_an_empty_table(ctx, store):
    # A deployment's first night: the planner's statistics say `reminders` is empty. Planned on them,
    # "already reminded?" read the whole table once per vehicle, pages other stores' scans were adding
    # included (minutes per batch), or a bitmap of all the store's reminders.
    for days in range(1, 8):
        car(store, insurance=days, maintenance=days)
    db.session.commit()
    db.session.execute(sa.text("ANALYZE reminders"))
    plans = []

    def explain(conn, cursor, statement, parameters, *args):
        if "INSERT INTO reminders" in statement:
            cursor.execute("EXPLAIN " + statement, parameters)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))

    sa.event.listen(db.engine, "before_cursor_execute", explain)
    try:
        report = scan(day=DAY, now=NIGHT)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", explain)

    assert report.reminders == 14 and len(plans) == 2  # insurance and maintenance: no inspection is due
    for plan in plans:
        assert "Seq Scan on reminders" not in plan, plan
        assert "Bitmap Heap Scan on reminders" not in plan, plan


@pytest.mark.postgres_only
def test_scan_gives_each_message_an_out_id_made_of_a_statement_prefix_and_its_own_id(ctx, store):
    for days in range(1, 6):
        car(store, insurance=days)
    db.session.commit()

    scan(day=DAY, now=NIGHT)

    messages = db.session.execute(sa.select(SmsMessage.id, SmsMessage.out_id).order_by(SmsMessage.id)).all()
    assert len(messages) == len({out_id for _id, out_id in messages}) == 5
    assert all(len(out_id) == 32 and int(out_id, 16) >= 0 for _id, out_id in messages)
    assert len({out_id[:16] for _id, out_id in messages}) == 1  # one prefix per statement, then the id
    assert [int(out_id[16:], 16) for _id, out_id in messages] == [message_id for message_id, _ in messages]


@pytest.mark.postgres_only
def test_two_scans_of_one_store_at_once_make_each_reminder_and_message_once(app, shared_db, monkeypatch):

    store = StoreFactory(code="SZ01")
    for days in range(0, 30):
        car(store, insurance=days + 1, maintenance=days % 8)
    db.session.commit()
    together = threading.Barrier(2)
    remind = scan_module._remind

    def remind_together(*args, **kwargs):
        together.wait(timeout=10)  # both scans write the same batch at the same moment,
        written = remind(*args, **kwargs)
        clock.sleep(0.3)  # and each commits it only a while later
        return written

    monkeypatch.setattr(scan_module, "_remind", remind_together)

    first, second = at_once(app, lambda: scan(day=DAY, now=NIGHT), lambda: scan(day=DAY, now=NIGHT))

    assert not isinstance(first, Exception) and not isinstance(second, Exception), (first, second)
    assert first.reminders + second.reminders == count(Reminder) == 60  # each car: insurance and maintenance
    assert first.messages + second.messages == count(SmsMessage) == 60
    keys = db.session.execute(sa.select(Reminder.vehicle_id, Reminder.kind, Reminder.due_date)).all()
    assert len(keys) == len(set(keys))
