"""Tables of the scheduler: the leader lease, each store's nightly runs, and APScheduler's job store."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dealer.database import UTCDateTime
from dealer.extensions import db

JOBS_TABLE = "apscheduler_jobs"


class SchedulerLease(db.Model):
    """Which process runs the scheduler: exactly one per deployment, renewed while it lives."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    holder: Mapped[str | None] = mapped_column(sa.String(80))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NightlyRun(db.Model):
    """The last store day a nightly task (the reminder scan, the greetings) finished for a store.

    The nightly job runs every hour and starts a store's tasks once it is past 02:00 in the store's own
    time zone, for the store's own date; this row says a day is done, so a missed hour is caught up later.
    """

    __tablename__ = "nightly_runs"

    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"), primary_key=True)
    task: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)


# The same columns APScheduler's SQLAlchemyJobStore declares, so the schema comes from our migrations.
apscheduler_jobs = sa.Table(
    JOBS_TABLE, db.metadata,
    sa.Column("id", sa.Unicode(191), primary_key=True),
    sa.Column("next_run_time", sa.Float(25), index=True),
    sa.Column("job_state", sa.LargeBinary, nullable=False),
)
