"""Scheduled work (APScheduler 3): the SMS sender, expiring leases and each store's nightly tasks.

Several gunicorn workers or machines may start a runner; a lease row in the database decides which one
runs the scheduler, so exactly one is active per deployment. The others keep trying, and take over
within a lease period when the active one stops or dies. Jobs are stored in the database too.

The nightly tasks (the reminder scan, the greetings) run for each store at 02:00 in the store's own time
zone, for the store's own date: the job runs every hour and starts the stores whose night it is
(`run_nightly`); a `nightly_runs` row per store and task says which day is done.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from dealer.database import utcnow
from dealer.extensions import db
from dealer.scheduler.models import JOBS_TABLE, NightlyRun, SchedulerLease

log = logging.getLogger(__name__)

LEASE_NAME = "scheduler"
NIGHTLY_HOUR = 2  # the stores' nightly tasks start at 02:00, store time
_app = None  # the application the jobs run in (set by SchedulerRunner.start)


def acquire_lease(*, holder: str, now: datetime, ttl: timedelta, name: str = LEASE_NAME) -> bool:
    """Take or renew the lease if it is free, expired or already ours; commit. Tell whether we hold it."""
    if db.session.get(SchedulerLease, name) is None:
        try:
            with db.session.begin_nested():
                db.session.add(SchedulerLease(name=name, holder=None, expires_at=None))
        except sa.exc.IntegrityError:
            pass  # another process created it at the same moment
    taken = db.session.execute(sa.update(SchedulerLease).where(
        SchedulerLease.name == name,
        sa.or_(SchedulerLease.holder.is_(None), SchedulerLease.holder == holder,
               SchedulerLease.expires_at < now)).values(holder=holder, expires_at=now + ttl)).rowcount == 1
    db.session.commit()
    return taken


def release_lease(*, holder: str, name: str = LEASE_NAME) -> None:
    db.session.execute(sa.update(SchedulerLease).where(SchedulerLease.name == name, SchedulerLease.holder == holder)
                       .values(holder=None, expires_at=None))
    db.session.commit()


def _in_app(function):
    def run():
        if _app is None:
            raise RuntimeError("the scheduler runs no job before SchedulerRunner.start()")
        with _app.app_context():
            try:
                return function()
            finally:
                db.session.remove()
    run.__name__ = function.__name__
    return run


@_in_app
def send_sms_job():
    from dealer.sms.gateway import gateway_from_config
    from dealer.sms.sender import send_due

    gateway = gateway_from_config(_app.config)
    for _ in range(50):  # at most 50 batches a run; the next run picks up the rest
        report = send_due(gateway=gateway, now_fn=utcnow)
        if report.claimed == 0 or report.gateway_down:
            break


@_in_app
def expire_leases_job():
    from dealer.sms.sender import expire_leases

    expire_leases(now=utcnow())


@_in_app
def clean_photos_job():
    """Finish or remove what interrupted photo uploads and removals left in the upload folder."""
    from dealer.repair.services.photos import clean_photo_folder

    counts = clean_photo_folder(_app.config["UPLOAD_FOLDER"], now=utcnow())
    if any(counts.values()):
        log.info("inspection photo folder: %(finished)d uploads finished, %(removed)d leftovers removed", counts)
    return counts


def nightly_tasks():
    """(name, function) of each store's nightly tasks, in order; each takes now, day and store_ids."""
    from dealer.reminders.greetings import queue_greetings
    from dealer.reminders.services import scan

    return (("reminder_scan", scan), ("greetings", queue_greetings))


def in_app_threads(function, items: list, *, workers: int) -> list:
    """Return [function(item) for item in items], run by up to `workers` threads, each in its own app context.

    Each thread has its own session and connection: the stores of a group are independent, and their
    nightly work spreads over the database server's cores. With one worker (or one item) it runs here.
    """
    if workers <= 1 or len(items) <= 1:
        return [function(item) for item in items]
    from concurrent.futures import ThreadPoolExecutor

    from flask import current_app

    app = current_app._get_current_object()

    def run(item):
        with app.app_context():
            try:
                return function(item)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run, items))


def stores_side_by_side(stores: sa.Select, function, *, workers: int) -> list:
    """Run `function(store_id)` for each store `stores` selects, up to `workers` at a time (in_app_threads).

    The caller's transaction ends first: each thread has its own.
    """
    from dealer.stores.models import Store

    ids = list(db.session.scalars(stores.with_only_columns(Store.id)))
    db.session.commit()
    return in_app_threads(function, ids, workers=workers)


def add_counts(total: dict[str, int], part: dict[str, int]) -> None:
    """Add `part`'s counts into `total`, key by key."""
    for key, count in part.items():
        total[key] = total.get(key, 0) + count


def run_nightly(*, now: datetime, workers: int = 1) -> list[tuple[int, str, date]]:
    """Run each active store's nightly tasks for its own date, once it is 02:00 or later at the store; commit.

    A task runs once per store day: a store whose 02:00 passed while no scheduler ran is caught up at the
    next run that day, and a task that failed is tried again at the next run (the tasks are idempotent).
    Stores run side by side with `workers` > 1. Returns (store id, task, day) for each task run.
    """
    from dealer.stores.models import Store

    nights = []
    for store_id, zone in db.session.execute(
            sa.select(Store.id, Store.timezone).where(Store.active).order_by(Store.id)).all():
        local = now.astimezone(ZoneInfo(zone or "Asia/Shanghai"))
        if local.hour >= NIGHTLY_HOUR:  # between midnight and 02:00 the store's new day waits for its night
            nights.append((store_id, local.date()))
    db.session.commit()  # the workers' sessions take over
    done = in_app_threads(lambda night: _run_store_night(*night, now=now), nights, workers=workers)
    return [run for runs in done for run in runs]


def _run_store_night(store_id: int, day: date, *, now: datetime) -> list[tuple[int, str, date]]:
    done = []
    for task, function in nightly_tasks():
        last = db.session.get(NightlyRun, (store_id, task))
        if last is not None and last.day >= day:
            continue
        try:
            function(now=now, day=day, store_ids=[store_id])
        except Exception:
            db.session.rollback()
            log.exception("nightly task %s failed for store %s on %s", task, store_id, day)
            continue
        run = db.session.get(NightlyRun, (store_id, task)) or NightlyRun(store_id=store_id, task=task)
        run.day, run.finished_at = day, utcnow()
        db.session.add(run)
        db.session.commit()
        done.append((store_id, task, day))
    return done


@_in_app
def nightly_scan_job():
    run_nightly(now=utcnow(), workers=_app.config.get("NIGHTLY_WORKERS", 2))


JOBS = (
    ("sms_send", "dealer.scheduler:send_sms_job", {"trigger": "interval", "seconds": 15}),
    ("sms_expire_leases", "dealer.scheduler:expire_leases_job", {"trigger": "interval", "seconds": 60}),
    # Every hour: each store's night starts at 02:00 in its own time zone (run_nightly).
    ("reminders_nightly_scan", "dealer.scheduler:nightly_scan_job", {"trigger": "cron", "minute": 0}),
    # Every hour: a leftover is cleaned once it is an hour old (a photo being uploaded is younger).
    ("inspection_photo_cleanup", "dealer.scheduler:clean_photos_job", {"trigger": "cron", "minute": 30}),
)


class SchedulerRunner:
    """Compete for the lease and run APScheduler while holding it."""

    def __init__(self, app, *, ttl: timedelta = timedelta(seconds=60), heartbeat: float = 20.0,
                 holder: str | None = None, scheduler_factory=None):
        self.app = app
        self.ttl = ttl
        self.heartbeat = heartbeat
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._scheduler_factory = scheduler_factory or self._make_scheduler
        self.scheduler = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def is_leader(self) -> bool:
        return self.scheduler is not None and self.scheduler.running

    def _make_scheduler(self):
        from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
        from apscheduler.schedulers.background import BackgroundScheduler

        with self.app.app_context():
            engine = db.engine
        scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 600},
            timezone=self.app.config["BABEL_DEFAULT_TIMEZONE"])
        for job_id, func, trigger in JOBS:
            scheduler.add_job(func, id=job_id, replace_existing=True, **trigger)
        return scheduler

    def tick(self) -> bool:
        """Renew or take the lease, and start or stop the scheduler to match. Returns leadership."""
        with self.app.app_context():
            try:
                leader = acquire_lease(holder=self.holder, now=utcnow(), ttl=self.ttl)
            except sa.exc.SQLAlchemyError:
                log.exception("scheduler lease check failed")
                leader = False
            finally:
                db.session.remove()
        if leader and not self.is_leader:
            global _app
            _app = self.app
            self.scheduler = self._scheduler_factory()
            self.scheduler.start()
            log.info("scheduler started by %s", self.holder)
        elif not leader and self.is_leader:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
            log.warning("scheduler lease lost by %s; stopped", self.holder)
        return leader

    def start(self) -> "SchedulerRunner":
        def loop():
            while not self._stop.is_set():
                self.tick()
                self._stop.wait(self.heartbeat)

        self._thread = threading.Thread(target=loop, name="scheduler-lease", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self.is_leader:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
        with self.app.app_context():
            release_lease(holder=self.holder)
            db.session.remove()
