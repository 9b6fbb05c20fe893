"""The invariant "a settled order never changes", enforced for every code path (a `before_flush` guard)."""
from __future__ import annotations

import sqlalchemy as sa

from dealer.extensions import db
from dealer.repair.errors import OrderLocked
from dealer.repair.models.orders import (
    DELIVERED,
    SETTLED,
    Approval,
    JobAssignment,
    Payment,
    QualityCheck,
    RepairJob,
    RepairLine,
    RepairOrder,
    TimeEntry,
)

LOCKED_STATES = (SETTLED, DELIVERED)
# What may still change on a settled order: handing the car over.
_CHANGEABLE_WHEN_SETTLED = frozenset({"state", "delivered_at", "updated_at"})


@sa.event.listens_for(RepairOrder, "load")
def _remember_loaded_state(order, _context) -> None:
    order._loaded_state = order.state


@sa.event.listens_for(RepairOrder, "refresh")
def _remember_refreshed_state(order, _context, attributes) -> None:
    if attributes is None or "state" in attributes:
        order._loaded_state = order.state


def _order_of(obj) -> RepairOrder | None:
    """The order a row belongs to, by its order id (a new line not flushed yet: through the job it hangs on)."""
    if isinstance(obj, RepairOrder):
        return obj
    order_id = getattr(obj, "order_id", None)
    if order_id is not None:
        return db.session.get(RepairOrder, order_id)
    job_id = getattr(obj, "job_id", None)
    job = db.session.get(RepairJob, job_id) if job_id is not None else getattr(obj, "job", None)  # pending: in memory
    if job is not None:
        return job.order if job.order_id is None else db.session.get(RepairOrder, job.order_id)
    return None


@sa.event.listens_for(sa.orm.Session, "before_flush")
def _refuse_changes_to_settled_orders(session, _context, _instances) -> None:
    watched = (RepairOrder, RepairJob, RepairLine, Approval, Payment, QualityCheck, JobAssignment, TimeEntry)
    for obj in list(session.dirty) + list(session.deleted) + list(session.new):
        if not isinstance(obj, watched) or (obj in session.dirty and not session.is_modified(obj)):
            continue
        order = _order_of(obj)
        # The state as read from the database in this transaction: an order being settled may still change.
        if order is None or getattr(order, "_loaded_state", None) not in LOCKED_STATES:
            continue
        if obj is order and obj in session.dirty:
            changed = {attr.key for attr in sa.inspect(obj).attrs if attr.history.has_changes()}
            if changed <= _CHANGEABLE_WHEN_SETTLED and order.state in LOCKED_STATES:
                continue
        raise OrderLocked()
