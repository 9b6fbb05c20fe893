"""Customer satisfaction's part of each store's night: the five assurances' monthly roll-up of closed months, and
the service operations dashboard's closed days."""
from __future__ import annotations

from dealer.satisfaction.operations.rollup import roll_up_operations
from dealer.satisfaction.services.rollup import roll_up
from dealer.scheduler import nightly_task

nightly_task("assurance_rollup", order=50)(roll_up)
nightly_task("operations_rollup", order=55)(roll_up_operations)
