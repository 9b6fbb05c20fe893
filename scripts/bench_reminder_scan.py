"""Benchmark the nightly reminder scan at dealer-group scale (issue 4: under 10 s for 1,000,000 vehicles).

Usage (PostgreSQL, the production database):
    DATABASE_URL=postgresql://user@host/dealer_bench .venv/bin/python scripts/bench_reminder_scan.py --vehicles 1000000
SQLite (embedded default) works too: DATABASE_URL=sqlite:////tmp/bench.sqlite3.

It migrates the database, tops it up with `seed-demo --vehicles N` (skipped when it already has N; the
demo data sets every vehicle's due dates around the day it was seeded) and refreshes the planner's
statistics. Then it times `reminders.services.scan(day=D, now=02:00 that day at the stores)` as the
nightly job runs it: every store, batch by batch, reminders and their queued SMS.

- full scan: D's reminders (and D+1's) and their messages are deleted first, so every run of the script
  measures the same full scan of D. On the seeding day the demo data puts about a third of the vehicles
  in a reminder window at once, as a first scan after an import would: an upper bound.
- second scan of D: must create nothing.
- next night (D+1): only what enters a window that day, the nightly job's usual work.

It exits 1 when the second scan creates anything or a report's counts differ from the database.
A scan of a day after the seeding day first moves on the inspection dates that passed unrecorded
(a Python loop over those vehicles, counted in its time); scan the seeding day (the default today) to
leave that out.
"""
from __future__ import annotations

import argparse
import sys
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

TARGET_SECONDS = 10.0
TARGET_VEHICLES = 1_000_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vehicles", type=int, default=TARGET_VEHICLES)
    parser.add_argument("--day", type=date.fromisoformat, default=None,
                        help="the day to scan, YYYY-MM-DD (default: today in China)")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="a store's vehicles per batch (default: the scan's)")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from dealer import create_app
    from dealer.customers.models import Vehicle
    from dealer.extensions import db
    from dealer.stores.models import Store

    app = create_app({"SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        have = db.session.scalar(sa.select(sa.func.count()).select_from(Vehicle))
        if have < args.vehicles:
            started = time.perf_counter()
            result = app.test_cli_runner().invoke(args=["seed-demo", "--vehicles", str(args.vehicles)])
            if result.exit_code:
                print(result.output, file=sys.stderr)
                return 1
            print(f"seeded {args.vehicles - have:,} vehicles in {time.perf_counter() - started:.0f} s")
        # Statistics of the tables as they are, before the clearing below: a production database's show
        # millions of reminders and messages, not the empty tables this run's deletions leave behind.
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()

        day = args.day or datetime.now(ZoneInfo("Asia/Shanghai")).date()
        next_day = day + timedelta(days=1)
        cleared = [_clear_day(d) for d in (day, next_day)]
        vehicles = db.session.scalar(sa.select(sa.func.count()).select_from(Vehicle))
        stores = db.session.scalar(sa.select(sa.func.count()).select_from(Store).where(Store.active))
        print(f"{db.engine.dialect.name}: {vehicles:,} vehicles in {stores} active stores; scanning {day}, then "
              f"{next_day} (cleared {sum(c[0] for c in cleared):,} reminders and {sum(c[1] for c in cleared):,} "
              f"messages of those days first)")

        failed = False
        full, full_seconds = _timed_scan(day, args.batch_size)
        failed |= _print("full scan", full, full_seconds)
        again, again_seconds = _timed_scan(day, args.batch_size)
        failed |= _print("second scan", again, again_seconds)
        if (again.reminders, again.messages) != (0, 0):
            print("FAILED: the second scan of the same day created something", file=sys.stderr)
            failed = True
        night, night_seconds = _timed_scan(next_day, args.batch_size)
        failed |= _print("next night", night, night_seconds)

        for label, seconds in (("full scan", full_seconds), ("next night", night_seconds)):
            print(f"{label}: about {seconds * TARGET_VEHICLES / max(vehicles, 1):.1f} s per {TARGET_VEHICLES:,} "
                  f"vehicles at this rate (target: under {TARGET_SECONDS:.0f} s on PostgreSQL)")
    return 1 if failed else 0


def _timed_scan(day: date, batch_size: int | None):
    from dealer.extensions import db
    from dealer.reminders.services import scan

    now = datetime(day.year, day.month, day.day, 2, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # the nightly hour
    started = time.perf_counter()
    report = scan(day=day, now=now, **({"batch_size": batch_size} if batch_size else {}))
    seconds = time.perf_counter() - started
    db.session.expunge_all()
    return report, seconds


def _print(label: str, report, seconds: float) -> bool:
    """Print one scan's figures; return True when its report disagrees with the database."""
    per_kind = ", ".join(f"{kind} {n:,}" for kind, n in sorted(report.per_kind.items()))
    print(f"{label + ':':<13} {seconds:7.2f} s {report.reminders:>9,} reminders ({per_kind}), "
          f"{report.messages:,} messages queued, {report.batches} batches")
    if report.reminders and _count_day(report.day) != (report.reminders, report.messages):
        reminders, messages = _count_day(report.day)
        print(f"MISMATCH: the report says {report.reminders:,} reminders and {report.messages:,} messages, "
              f"the database holds {reminders:,} and {messages:,}", file=sys.stderr)
        return True
    return False


def _day_messages(day):
    from dealer.reminders.models import Reminder
    from dealer.sms.models import SmsMessage

    keys = sa.select(sa.literal("reminder:") + sa.cast(Reminder.id, sa.String)).where(Reminder.created_on == day)
    return SmsMessage.dedupe_key.in_(keys)


def _count_day(day) -> tuple[int, int]:
    from dealer.extensions import db
    from dealer.reminders.models import Reminder
    from dealer.sms.models import SmsMessage

    reminders = db.session.scalar(sa.select(sa.func.count()).select_from(Reminder).where(Reminder.created_on == day))
    messages = db.session.scalar(sa.select(sa.func.count()).select_from(SmsMessage).where(
        _day_messages(day)))
    return reminders, messages


def _clear_day(day) -> tuple[int, int]:
    """Delete the reminders the scan created on `day` and their messages; return how many of each."""
    from dealer.extensions import db
    from dealer.reminders.models import Reminder
    from dealer.sms.models import SmsMessage

    # reminders.message_id (ON DELETE SET NULL) has no index: every deleted message would make the database
    # search the whole reminders table (minutes at 100,000 vehicles). A temporary index keeps it quick and
    # is dropped again, so the scan is timed on the schema the migrations build.
    db.session.execute(sa.text("CREATE INDEX bench_tmp_reminders_message_id ON reminders (message_id)"))
    try:
        messages = db.session.execute(sa.delete(SmsMessage).where(_day_messages(day))
                                      .execution_options(synchronize_session=False)).rowcount
        reminders = db.session.execute(sa.delete(Reminder).where(Reminder.created_on == day)
                                       .execution_options(synchronize_session=False)).rowcount
    finally:
        db.session.execute(sa.text("DROP INDEX bench_tmp_reminders_message_id"))
    db.session.commit()
    return reminders, messages


if __name__ == "__main__":
    sys.exit(main())
