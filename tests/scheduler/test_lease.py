"""Exactly one scheduler per deployment: the lease row in the database, and the runner that obeys it."""
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from dealer import create_app
from dealer.extensions import db
from dealer.scheduler import JOBS, LEASE_NAME, SchedulerRunner, acquire_lease, release_lease
from dealer.scheduler.models import JOBS_TABLE, SchedulerLease
from tests.helpers import NOW

TTL = timedelta(seconds=60)


def holder_now() -> str | None:
    db.session.expire_all()
    lease = db.session.get(SchedulerLease, LEASE_NAME)
    return lease.holder if lease else None


# -- the lease ---------------------------------------------------------------------------------

def test_acquire_lease_only_one_of_two_holders_gets_it(ctx):
    assert acquire_lease(holder="web-1", now=NOW, ttl=TTL) is True
    assert acquire_lease(holder="web-2", now=NOW, ttl=TTL) is False
    assert holder_now() == "web-1"


def test_acquire_lease_holder_renews_and_keeps_it(ctx):
    acquire_lease(holder="web-1", now=NOW, ttl=TTL)

    assert acquire_lease(holder="web-1", now=NOW + timedelta(seconds=50), ttl=TTL) is True
    # Past the first expiry, but renewed: still held.
    assert acquire_lease(holder="web-2", now=NOW + timedelta(seconds=70), ttl=TTL) is False
    db.session.expire_all()
    assert db.session.get(SchedulerLease, LEASE_NAME).expires_at == NOW + timedelta(seconds=110)


def test_acquire_lease_after_expiry_the_other_takes_over(ctx):
    acquire_lease(holder="web-1", now=NOW, ttl=TTL)

    assert acquire_lease(holder="web-2", now=NOW + TTL - timedelta(seconds=1), ttl=TTL) is False
    assert acquire_lease(holder="web-2", now=NOW + TTL + timedelta(seconds=1), ttl=TTL) is True
    assert holder_now() == "web-2"
    # The old holder comes back from a long pause: it has lost the lease.
    assert acquire_lease(holder="web-1", now=NOW + TTL + timedelta(seconds=2), ttl=TTL) is False


def test_release_lease_lets_the_other_in(ctx):
    acquire_lease(holder="web-1", now=NOW, ttl=TTL)

    release_lease(holder="web-1")

    assert holder_now() is None
    assert acquire_lease(holder="web-2", now=NOW + timedelta(seconds=1), ttl=TTL) is True


def test_release_lease_by_a_non_holder_changes_nothing(ctx):
    acquire_lease(holder="web-1", now=NOW, ttl=TTL)

    release_lease(holder="web-2")

    assert holder_now() == "web-1"


@pytest.mark.postgres_only
def test_acquire_lease_many_processes_at_once_one_wins(app, backend, request):
    if backend != "postgresql":
        pytest.skip("concurrent connections need PostgreSQL")
    request.getfixturevalue("committed_db")
    contenders = 6
    barrier = threading.Barrier(contenders)
    results: dict[str, bool] = {}

    def contend(name: str):
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                results[name] = acquire_lease(holder=name, now=NOW, ttl=TTL)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=contend, args=(f"web-{i}",)) for i in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    winners = [name for name, won in results.items() if won]
    assert len(results) == contenders and len(winners) == 1, results
    assert holder_now() == winners[0]


# -- the runner --------------------------------------------------------------------------------

class FakeScheduler:
    """Stands in for APScheduler's BackgroundScheduler (start, shutdown, running), counting starts."""

    def __init__(self, owner: str, log: list):
        self.owner, self.log, self.running = owner, log, False

    def start(self):
        self.running = True
        self.log.append(("start", self.owner))

    def shutdown(self, wait=True):
        self.running = False
        self.log.append(("shutdown", self.owner))


def runner(app, name: str, log: list, ttl=TTL) -> SchedulerRunner:
    return SchedulerRunner(app, holder=name, ttl=ttl, scheduler_factory=lambda: FakeScheduler(name, log))


def running(*runners) -> list[str]:
    return [r.holder for r in runners if r.is_leader]


def test_tick_two_runners_start_exactly_one_scheduler(app, db_session):
    log = []
    first, second = runner(app, "web-1", log), runner(app, "web-2", log)

    assert first.tick() is True
    assert second.tick() is False
    assert first.tick() is True  # renewing does not start a second scheduler
    assert second.tick() is False

    assert running(first, second) == ["web-1"]
    assert log == [("start", "web-1")]


def test_tick_after_the_leader_stops_the_other_takes_over(app, db_session):
    log = []
    first, second = runner(app, "web-1", log), runner(app, "web-2", log)
    first.tick()
    second.tick()

    first.stop()
    assert second.tick() is True

    assert running(first, second) == ["web-2"]
    assert log == [("start", "web-1"), ("shutdown", "web-1"), ("start", "web-2")]


def test_tick_leader_that_stopped_renewing_loses_it_and_stops_its_scheduler(app, db_session):
    log = []
    short = timedelta(milliseconds=300)
    first, second = runner(app, "web-1", log, ttl=short), runner(app, "web-2", log, ttl=short)
    first.tick()
    assert second.tick() is False

    time.sleep(0.4)  # web-1 hangs past its lease
    assert second.tick() is True
    assert first.tick() is False  # back, it finds the lease taken: its scheduler stops

    assert running(first, second) == ["web-2"]
    assert log == [("start", "web-1"), ("start", "web-2"), ("shutdown", "web-1")]


def test_tick_with_the_database_unreachable_is_not_leader_and_keeps_running(tmp_path):
    unreachable = create_app({"TESTING": True, "SECRET_KEY": "x",
                              "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/dealer.sqlite3"})
    log = []

    assert runner(unreachable, "web-1", log).tick() is False  # logged, not raised: it tries again later
    assert log == []


def test_real_scheduler_stores_its_jobs_in_the_database(app, committed_db):
    leader = SchedulerRunner(app, holder="web-1")
    try:
        assert leader.tick() is True
        assert leader.scheduler.running

        with committed_db.engine.connect() as connection:
            stored = connection.execute(sa.text(f"SELECT id, next_run_time FROM {JOBS_TABLE}")).all()
        assert {job_id for job_id, _ in stored} == {job_id for job_id, _, _ in JOBS}
        assert all(next_run is not None for _, next_run in stored)
        assert {job.id for job in leader.scheduler.get_jobs()} == {"sms_send", "sms_expire_leases",
                                                                   "reminders_nightly_scan",
                                                                   "inspection_photo_cleanup",
                                                                   "rescue_learn_eta",
                                                                   "quick_lane_close_day_reminder",
                                                                   "assurance_current_month"}
    finally:
        scheduler = leader.scheduler
        leader.stop()
    assert not scheduler.running and holder_now() is None
