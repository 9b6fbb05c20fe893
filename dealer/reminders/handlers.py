"""How reminders follow what other modules announce (connected when the app is built, see dealer.app)."""
from __future__ import annotations

import sqlalchemy as sa

from dealer.extensions import db
from dealer.reminders.models import MaintenanceInterval
from dealer.reminders.services import mark_maintained
from dealer.repair import signals as repair_signals
from dealer.repair.models import MAINTENANCE


@repair_signals.order_delivered.connect
def _maintenance_delivered(order, *, vehicle, now, **_):
    """A delivered maintenance order counts the next maintenance from it and ends the open reminders."""
    if order.kind == MAINTENANCE and not order.is_reversal:
        mark_maintained(vehicle, serviced_on=order.store.local_date(now), km=order.odometer_km, now=now)


@repair_signals.collect_model_families.connect
def _interval_families(store_id, **_):
    """The model families the store's maintenance intervals name."""
    return db.session.scalars(sa.select(MaintenanceInterval.model_family)
                              .where(MaintenanceInterval.store_id == store_id))
