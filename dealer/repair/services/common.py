"""What every repair service starts from: loading and locking an order, its jobs and lines, recording a step.

Helpers for the services of this package: none of them commits.
"""
from __future__ import annotations

from datetime import datetime

from dealer.actors import Actor
from dealer.database import get_for_update
from dealer.errors import NotFound
from dealer.extensions import db
from dealer.repair.errors import OrderLocked
from dealer.repair.models import (
    APPROVED,
    ESTIMATED,
    IN_PROGRESS,
    JOB_APPROVED,
    JOB_ESTIMATE,
    JOB_PENDING,
    OPEN,
    QUALITY_CHECK,
    OrderEvent,
    RepairJob,
    RepairLine,
    RepairOrder,
)

# States in which jobs and lines may still be added (extra work after approval becomes pending).
EDITABLE_STATES = (OPEN, ESTIMATED, APPROVED, IN_PROGRESS, QUALITY_CHECK)
# Jobs whose lines count on the bill once approved, and on the estimate before.
BILLED = (JOB_APPROVED,)
QUOTED = (JOB_ESTIMATE, JOB_APPROVED)
PROPOSED = (JOB_PENDING,)


def get_order(order_id: int, *, actor: Actor) -> RepairOrder:
    """Return an order the actor may see. Raises NotFound."""
    order = db.session.get(RepairOrder, order_id)
    if order is None or (actor.store_id is not None and order.store_id != actor.store_id):
        raise NotFound()
    return order


def lock_order(order_id: int, *, actor: Actor) -> RepairOrder:
    """Return an order the actor may see, locked until the transaction ends. Raises NotFound.

    Every change to an order, its jobs, lines, approvals and payments takes this lock first, so two
    desks acting at once on one order are served one after the other.
    """
    get_order(order_id, actor=actor)
    return get_for_update(RepairOrder, order_id)


def get_job(job_id: int, *, actor: Actor) -> RepairJob:
    """Return a job the actor may see. Raises NotFound."""
    job = db.session.get(RepairJob, job_id)
    if job is None or (actor.store_id is not None and job.store_id != actor.store_id):
        raise NotFound()
    return job


def get_line(line_id: int, *, actor: Actor) -> RepairLine:
    """Return a line the actor may see. Raises NotFound."""
    line = db.session.get(RepairLine, line_id)
    if line is None or (actor.store_id is not None and line.store_id != actor.store_id):
        raise NotFound()
    return line


def require_state(order: RepairOrder, *states: str) -> None:
    """Refuse to change an order outside `states`. Raises OrderLocked."""
    if order.state not in states:
        raise OrderLocked()


def record_event(order: RepairOrder, action: str, *, to_state: str, actor: Actor, now: datetime,
                 note: str = "", from_state: str | None = None) -> OrderEvent:
    """Add a step to the order's history (its timeline); never flushes or commits."""
    event = OrderEvent(store_id=order.store_id, order_id=order.id, action=action,
                       from_state=from_state if from_state is not None else order.state, to_state=to_state,
                       note=note[:300], actor_id=actor.user_id, actor_name=actor.name, created_at=now)
    db.session.add(event)
    return event
