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
    if isinstance(obj, RepairOrder):
        return obj
    if isinstance(obj, RepairLine):
        return obj.job.order if obj.job is not None else db.session.get(RepairOrder, obj.order_id)
    order = getattr(obj, "order", None)
    if order is None and getattr(obj, "order_id", None) is not None:
        order = db.session.get(RepairOrder, obj.order_id)
    return order


@sa.event.listens_for(sa.orm.Session, "before_flush")
def _refuse_changes_to_settled_orders(session, _context, _instances) -> None:
    watched = (RepairOrder, RepairJob, RepairLine, Approval, Payment, QualityCheck, JobAssignment)
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
