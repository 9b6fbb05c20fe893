"""Scheduled work (APScheduler 3): runs what the modules declare, and knows none of them.

A module declares its jobs in its own `tasks.py` with `@job(...)` (a periodic job) or `@nightly_task(...)`
(each store's night); the app imports those modules when it is built, and the runner schedules what is
declared.

Several gunicorn workers or machines may start a runner; a lease row in the database decides which one
runs the scheduler, so exactly one is active per deployment. The others keep trying, and take over
within a lease period when the active one stops or dies. Jobs are stored in the database too.

The nightly tasks (the reminder scan, the greetings) run for each store at 02:00 in the store's own time
zone, for the store's own date: the job runs every hour and starts the stores whose night it is
(`run_nightly`); a `nightly_runs` row per store and task says which day is done.
"""
from __future__ import annotations

import functools
import logging
import os
import socket
import threading
import uuid
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from flask import current_app

from dealer.database import utcnow
from dealer.extensions import db
from dealer.fanout import in_app_threads
from dealer.scheduler.models import JOBS_TABLE, NightlyRun, SchedulerLease
from dealer.stores.models import Store
from dealer.timezones import zone_named

log = logging.getLogger(__name__)

LEASE_NAME = "scheduler"
NIGHTLY_HOUR = 2  # the stores' nightly tasks start at 02:00, store time
NIGHTLY_WORKERS = 2  # stores whose night runs side by side, unless the config's NIGHTLY_WORKERS says otherwise
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


def in_app(function):
    """Wrap a job so that it runs in the scheduler's application context, with its session removed after."""
    @functools.wraps(function)
    def run():
        if _app is None:
            raise RuntimeError("the scheduler runs no job before SchedulerRunner.start()")
        with _app.app_context():
            try:
                return function()
            finally:
                db.session.remove()
    return run


# (job id, "module:function", trigger) of every declared job; APScheduler's job store keeps the reference.
JOBS: list[tuple[str, str, dict]] = []
_NIGHTLY: dict[str, tuple[int, object]] = {}


def job(job_id: str, **trigger):
    """Declare a periodic job (APScheduler trigger arguments: `trigger="interval", seconds=15`, `trigger="cron"`...).

    The decorated function runs in the app context and takes no argument; it is referenced by its module
    and name, so it must be a module-level function of a `tasks.py`.
    """
    def declare(function):
        wrapped = in_app(function)
        reference = f"{function.__module__}:{function.__name__}"
        JOBS[:] = [entry for entry in JOBS if entry[0] != job_id] + [(job_id, reference, trigger)]
        return wrapped
    return declare


def nightly_task(name: str, *, order: int):
    """Declare a task of each store's night: `function(*, now, day, store_ids)`, run in ascending `order`."""
    def declare(function):
        _NIGHTLY[name] = (order, function)
        return function
    return declare


def nightly_tasks():
    """(name, function) of each store's nightly tasks, in order; each takes now, day and store_ids."""
    return tuple((name, function) for name, (_order, function) in sorted(_NIGHTLY.items(), key=lambda e: e[1][0]))


def run_nightly(*, now: datetime, workers: int = 1) -> list[tuple[int, str, date]]:
    """Run each active store's nightly tasks for its own date, once it is 02:00 or later at the store; commit.

    A task runs once per store day: a store whose 02:00 passed while no scheduler ran is caught up at the
    next run that day, and a task that failed is tried again at the next run (the tasks are idempotent).
    Stores run side by side with `workers` > 1. Returns (store id, task, day) for each task run.
    """
    nights = []
    for store_id, zone in db.session.execute(
            sa.select(Store.id, Store.timezone).where(Store.active).order_by(Store.id)).all():
        local = now.astimezone(zone_named(zone))
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


# Every hour: each store's night starts at 02:00 in its own time zone (run_nightly).
@job("reminders_nightly_scan", trigger="cron", minute=0)
def nightly_scan_job():
    run_nightly(now=utcnow(), workers=current_app.config.get("NIGHTLY_WORKERS", NIGHTLY_WORKERS))


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
