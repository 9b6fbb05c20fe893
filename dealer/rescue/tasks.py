"""The rescue module's scheduled job: learn the arrival estimate from each store's recorded rescues."""
from __future__ import annotations

from dealer.database import utcnow
from dealer.rescue.services.settings import learn_eta
from dealer.scheduler import job


# Once a night, 03:10 in China (19:10 UTC), for every store: a job of its own rather than one of each store's
# nightly tasks, which the scheduler retries on every tick of the store's day (on the embedded SQLite database
# that extra writer made the desks wait: tests/test_sqlite_writers.py).
@job("rescue_learn_eta", trigger="cron", hour=19, minute=10)
def learn_eta_job():
    """Learn each store's arrival model (speeds, set-off minutes, the median error) from its rescues."""
    return learn_eta(now=utcnow())
