"""Customer satisfaction's part of each store's night: the five assurances' monthly roll-up of closed months, and
the service operations dashboard's closed days; and every hour, the five assurances' current month brought forward."""
from __future__ import annotations

from dealer.database import utcnow
from dealer.satisfaction.operations.rollup import roll_up_operations
from dealer.satisfaction.services.rollup import advance_current_months, roll_up
from dealer.scheduler import job, nightly_task

nightly_task("assurance_rollup", order=50)(roll_up)
nightly_task("operations_rollup", order=55)(roll_up_operations)


@job("assurance_current_month", trigger="cron", minute=20)
def advance_current_months_job():
    """The five assurances' current month, counted up to an hour ago (`services.rollup.advance_current_months`)."""
    return advance_current_months(now=utcnow())
