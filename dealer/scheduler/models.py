"""Tables of the scheduler: the leader lease, and APScheduler's job store (created by our migrations)."""
from __future__ import annotations

from datetime import datetime

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


# The same columns APScheduler's SQLAlchemyJobStore declares, so the schema comes from our migrations.
apscheduler_jobs = sa.Table(
    JOBS_TABLE, db.metadata,
    sa.Column("id", sa.Unicode(191), primary_key=True),
    sa.Column("next_run_time", sa.Float(25), index=True),
    sa.Column("job_state", sa.LargeBinary, nullable=False),
)
