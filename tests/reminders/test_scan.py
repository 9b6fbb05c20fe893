"""The nightly reminder scan: worked examples per kind and lead window, idempotence, consent, quiet hours.

The scan reads the due dates stored on each vehicle, so most vehicles here get them set directly;
the services that compute them are tested in test_services.py.
"""
import json
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from dealer.customers.models import Vehicle
from dealer.extensions import db
from dealer.reminders import services
from dealer.reminders.models import INSPECTION, INSURANCE, MAINTENANCE, OPEN, Reminder, ReminderOptOut
from dealer.reminders.services import scan
from dealer.sms.gateway import LocalSmsGateway
from dealer.sms.models import QUEUED, SENT, SmsMessage, SmsSettings
from dealer.sms.sender import send_due
from tests.factories import CustomerFactory, UserFactory, VehicleFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 23)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """The aware UTC moment of hh:mm on `day` at the store (Asia/Shanghai)."""
    return datetime.combine(day, time(hour, minute), SHANGHAI).astimezone(timezone.utc)


NIGHT = at(DAY, 2)  # the scan runs at 02:00 local, in the quiet hours


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


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
    assert report.batches == (1 if batch_size == 50_000 else 9)  # 17 vehicles, 2 a batch
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
        assert message.dedupe_key == f"reminder:{r.id}"
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


def test_scan_twice_sends_each_reminder_once_by_dedupe_key(ctx, store):
    car(store, inspection=30, insurance=7, maintenance=7)
    db.session.commit()
    scan(day=DAY, now=NIGHT)
    scan(day=DAY, now=NIGHT)
    per_key = db.session.execute(sa.select(SmsMessage.dedupe_key, sa.func.count()).group_by(
        SmsMessage.dedupe_key)).all()
    assert len(per_key) == 3
    assert all(key.startswith("reminder:") and n == 1 for key, n in per_key)


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


def test_scan_batches_hold_about_batch_size_of_each_stores_vehicles(ctx, store, other_store):
    # Six cars per store with interleaved ids: batches of 3 are 2 per store, not one per 3 ids of the group.
    for _ in range(6):
        car(store, insurance=7)
        car(other_store, maintenance=7)
    db.session.commit()

    report = scan(day=DAY, now=NIGHT, batch_size=3)

    assert report.batches == 4
    assert (report.reminders, report.messages) == (12, 12)
    assert (count(Reminder), count(SmsMessage), count(Reminder, Reminder.message_id.is_(None))) == (12, 12, 0)


def test_scan_skips_inactive_stores(ctx, store, other_store):
    other_store.active = False
    car(store, insurance=7)
    car(other_store, insurance=7)
    db.session.commit()
    scan(day=DAY, now=NIGHT)
    assert {r.store_id for r in reminders()} == {store.id}


def test_scan_rolls_a_passed_inspection_with_nothing_recorded_forward(ctx, store):
    # Registered 2020-03-15: due 2026-03-31 (on site); the owner went elsewhere and nothing was recorded.
    vehicle = VehicleFactory(owner=CustomerFactory(store=store), registration_date=date(2020, 3, 15))
    services.refresh_due_dates(vehicle, today=date(2026, 2, 1))
    inspected_elsewhere = VehicleFactory(owner=CustomerFactory(store=store), registration_date=date(2020, 3, 15),
                                         last_inspection_date=date(2024, 3, 1))
    services.refresh_due_dates(inspected_elsewhere, today=date(2026, 2, 1))
    db.session.commit()
    assert vehicle.next_inspection_due == inspected_elsewhere.next_inspection_due == date(2026, 3, 31)

    scan(day=date(2026, 4, 5), now=at(date(2026, 4, 5), 2))

    db.session.expire_all()
    rolled = db.session.get(Vehicle, vehicle.id)
    assert (rolled.next_inspection_due, rolled.next_inspection_on_site) == (date(2028, 3, 31), False)
    # With an inspection on record the store knows it is overdue (脱审): the date stays.
    assert db.session.get(Vehicle, inspected_elsewhere.id).next_inspection_due == date(2026, 3, 31)
    assert reminders() == []


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
