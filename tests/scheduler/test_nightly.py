"""Each store's night: the nightly tasks run at 02:00 store time, for the store's own date, once per day."""
import os
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from dealer import scheduler
from dealer.extensions import db
from dealer.reminders.models import Reminder
from dealer.repair import tasks as repair_tasks
from dealer.scheduler import JOBS, run_nightly
from dealer.scheduler.models import NightlyRun
from dealer.sms.models import SmsMessage
from tests.factories import CustomerFactory, VehicleFactory

SHANGHAI, BERLIN = ZoneInfo("Asia/Shanghai"), ZoneInfo("Europe/Berlin")


def at(day: date, hour: int, zone) -> datetime:
    return datetime.combine(day, time(hour), zone).astimezone(timezone.utc)


@pytest.fixture()
def calls(monkeypatch):
    """Record the tasks run_nightly starts instead of running them."""
    seen = []

    def task(name):
        return lambda *, now, day, store_ids: seen.append((name, store_ids, day))

    monkeypatch.setattr(scheduler, "nightly_tasks", lambda: (("reminder_scan", task("reminder_scan")),
                                                             ("greetings", task("greetings"))))
    return seen


@pytest.fixture()
def stores(ctx, store, other_store):
    other_store.timezone = "Europe/Berlin"
    db.session.commit()
    return store, other_store


def test_run_nightly_starts_each_store_at_its_own_02_00_for_its_own_date(stores, calls):
    shanghai, berlin = stores
    night = date(2026, 11, 24)

    run_nightly(now=at(night, 1, SHANGHAI))            # 01:00 in Shanghai, 18:00 the day before in Berlin
    assert calls == [("reminder_scan", [berlin.id], night - timedelta(days=1)),
                     ("greetings", [berlin.id], night - timedelta(days=1))]  # a first run catches up
    calls.clear()

    run_nightly(now=at(night, 2, SHANGHAI))
    assert calls == [("reminder_scan", [shanghai.id], night), ("greetings", [shanghai.id], night)]
    calls.clear()

    run_nightly(now=at(night, 1, BERLIN))               # Berlin's 01:00: not yet
    assert calls == []
    run_nightly(now=at(night, 2, BERLIN))
    assert calls == [("reminder_scan", [berlin.id], night), ("greetings", [berlin.id], night)]
    calls.clear()

    run_nightly(now=at(night, 5, BERLIN))               # later the same day: done already
    assert calls == []
    runs = {(r.store_id, r.task): r.day for r in db.session.scalars(sa.select(NightlyRun))}
    assert runs == {(s.id, task): night for s in stores for task in ("reminder_scan", "greetings")}


def test_run_nightly_missed_hour_is_caught_up_and_a_failed_task_tried_again(stores, calls, monkeypatch):
    shanghai, _berlin = stores
    night = date(2026, 11, 24)
    attempts = []

    def scan_failing_once(*, now, day, store_ids):
        if store_ids == [shanghai.id]:
            attempts.append(day)
            if len(attempts) == 1:
                raise RuntimeError("database went away")

    monkeypatch.setattr(scheduler, "nightly_tasks", lambda: (("reminder_scan", scan_failing_once),))
    run_nightly(now=at(night, 9, SHANGHAI))   # the scheduler was down at 02:00: caught up at 09:00
    assert db.session.get(NightlyRun, (shanghai.id, "reminder_scan")) is None  # failed: not recorded
    run_nightly(now=at(night, 10, SHANGHAI))
    assert db.session.get(NightlyRun, (shanghai.id, "reminder_scan")).day == night
    assert attempts == [night, night]


def test_run_nightly_really_scans_and_greets_with_each_stores_date(stores):
    shanghai, berlin = stores
    for store in stores:
        VehicleFactory(owner=CustomerFactory(store=store, birthday=date(1980, 11, 24), marketing_consent=True),
                       insurance_expiry=date(2026, 12, 1))
    db.session.commit()

    run_nightly(now=at(date(2026, 11, 24), 2, BERLIN))  # 09:00 in Shanghai: both stores' night of the 24th

    db.session.expire_all()
    assert {(r.store_id, r.created_on, r.lead_days) for r in db.session.scalars(sa.select(Reminder))} == {
        (shanghai.id, date(2026, 11, 24), 7), (berlin.id, date(2026, 11, 24), 7)}
    kinds = sorted(m.kind for m in db.session.scalars(sa.select(SmsMessage)))
    assert kinds == ["greeting_birthday", "greeting_birthday", "insurance_reminder", "insurance_reminder"]


def test_nightly_job_runs_every_hour():
    [trigger] = [trigger for job_id, _func, trigger in JOBS if job_id == "reminders_nightly_scan"]
    assert trigger == {"trigger": "cron", "minute": 0}


def test_the_photo_cleanup_job_clears_leftovers_of_the_upload_folder_every_hour(app, ctx, monkeypatch):
    [trigger] = [trigger for job_id, _func, trigger in JOBS if job_id == "inspection_photo_cleanup"]
    assert trigger == {"trigger": "cron", "minute": 30}
    directory = Path(app.config["UPLOAD_FOLDER"]) / "inspection" / "999"
    directory.mkdir(parents=True, exist_ok=True)
    leftover = directory / f"{'d' * 32}.png"  # a photo file whose row was never committed
    leftover.write_bytes(b"x")
    two_hours_ago = (datetime.now(timezone.utc) - timedelta(hours=2)).timestamp()
    os.utime(leftover, (two_hours_ago, two_hours_ago))
    monkeypatch.setattr(scheduler, "_app", app)

    assert repair_tasks.clean_photos_job() == {"finished": 0, "removed": 1}
    assert not leftover.exists()
