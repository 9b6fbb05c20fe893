"""Scheduled work (APScheduler 3): the SMS sender, expiring leases and the nightly reminder scan.

Several gunicorn workers or machines may start a runner; a lease row in the database decides which one
runs the scheduler, so exactly one is active per deployment. The others keep trying, and take over
within a lease period when the active one stops or dies. Jobs are stored in the database too.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa

from dealer.database import utcnow
from dealer.extensions import db
from dealer.scheduler.models import JOBS_TABLE, SchedulerLease

log = logging.getLogger(__name__)

LEASE_NAME = "scheduler"
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
def nightly_scan_job():
    from zoneinfo import ZoneInfo

    from dealer.reminders.services import scan

    now = utcnow()
    scan(day=now.astimezone(ZoneInfo(_app.config["BABEL_DEFAULT_TIMEZONE"])).date(), now=now)


JOBS = (
    ("sms_send", "dealer.scheduler:send_sms_job", {"trigger": "interval", "seconds": 15}),
    ("sms_expire_leases", "dealer.scheduler:expire_leases_job", {"trigger": "interval", "seconds": 60}),
    ("reminders_nightly_scan", "dealer.scheduler:nightly_scan_job", {"trigger": "cron", "hour": 2, "minute": 0}),
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
