"""What every repair service starts from: loading and locking an order, its jobs and lines, recording a step.

Helpers for the services of this package: none of them commits.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from dealer.actors import Actor
from dealer.customers.models import Vehicle
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
    JobAssignment,
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


def job_loads(jobs=None, *, comebacks: bool = True) -> tuple:
    """What a job is read with: its lines (with their part), its technicians, and for the pages the earlier
    job (and order) it may be a comeback of."""
    jobs = jobs if jobs is not None else sa.orm.Load(RepairJob)
    loads = (jobs.selectinload(RepairJob.lines).joinedload(RepairLine.part),
             jobs.selectinload(RepairJob.assignments).joinedload(JobAssignment.technician))
    if comebacks:
        loads += (jobs.selectinload(RepairJob.comeback_of).joinedload(RepairJob.order),)
    return loads


# What every service reads of an order, one locker for all: its store (local dates, settings), vehicle with
# its owner, customer and advisor in the same row; its jobs with their lines and assignments; approvals, QC
# checks, payments and history. Relationships never load lazily (lazy="raise_on_sql").
_ORDER_ROW = (
    joinedload(RepairOrder.store, innerjoin=True),
    joinedload(RepairOrder.vehicle, innerjoin=True).joinedload(Vehicle.owner, innerjoin=True),
    joinedload(RepairOrder.customer, innerjoin=True),
    joinedload(RepairOrder.advisor),
)
_ORDER_HISTORY = (
    selectinload(RepairOrder.approvals),
    selectinload(RepairOrder.quality_checks),
    selectinload(RepairOrder.payments),
    selectinload(RepairOrder.events),
)
ORDER_LOCK_LOADS = (*_ORDER_ROW, *job_loads(selectinload(RepairOrder.jobs), comebacks=False), *_ORDER_HISTORY)
# The one loader of an order adds what its pages show of other orders: the order it reverses (priced as its
# negative) with its jobs and lines, the earlier jobs a job may be a comeback of. The locker leaves them out:
# its populate_existing would re-read those other orders with these few loads only.
ORDER_LOADS = (
    *_ORDER_ROW,
    *job_loads(selectinload(RepairOrder.jobs)),
    *_ORDER_HISTORY,
    selectinload(RepairOrder.reversal_of).selectinload(RepairOrder.jobs).selectinload(RepairJob.lines),
)


def _in_store(stmt, model, actor: Actor):
    """The actor's store in the WHERE (the indexes lead with store_id)."""
    return stmt if actor.store_id is None else stmt.where(model.store_id == actor.store_id)


# The relationships ORDER_LOADS fills, to tell an order already read with them.
_ORDER_LOADED = frozenset(("store", "vehicle", "customer", "advisor", "jobs", "reversal_of", "approvals",
                           "quality_checks", "payments", "events"))


def get_order(order_id: int, *, actor: Actor) -> RepairOrder:
    """Return an order the actor may see, with its jobs, lines and history (ORDER_LOADS). Raises NotFound.

    An order this session already read with ORDER_LOADS is returned as it is (as session.get would); else
    it is queried with them, which also fills what an order already in the session lacks.
    """
    known = db.session.identity_map.get(db.session.identity_key(RepairOrder, order_id))
    if known is not None and not (_ORDER_LOADED | {"state"}) & sa.inspect(known).unloaded:
        if actor.store_id is not None and known.store_id != actor.store_id:
            raise NotFound()
        return known
    stmt = sa.select(RepairOrder).where(RepairOrder.id == order_id).options(*ORDER_LOADS)
    order = db.session.scalars(_in_store(stmt, RepairOrder, actor)).one_or_none()
    if order is None:
        raise NotFound()
    return order


def lock_order(order_id: int, *, actor: Actor) -> RepairOrder:
    """Return an order the actor may see, locked until the transaction ends, with ORDER_LOCK_LOADS.

    Raises NotFound.

    Every change to an order, its jobs, lines, approvals and payments takes this lock first, so two
    desks acting at once on one order are served one after the other.
    """
    filters = {} if actor.store_id is None else {"store_id": actor.store_id}
    order = get_for_update(RepairOrder, order_id, options=ORDER_LOCK_LOADS, **filters)
    if order is None:
        raise NotFound()
    return order


def jobs_of(order: RepairOrder) -> list[RepairJob]:
    """Return the order's jobs with their lines and assignments, loading them if the order came without them
    (an order from a list, or one held across a commit: its refresh brings the jobs back, not their lines)."""
    state = sa.inspect(order)
    if "jobs" in state.unloaded or any("lines" in sa.inspect(job).unloaded for job in order.jobs):
        db.session.scalars(sa.select(RepairOrder).where(RepairOrder.store_id == order.store_id,
                                                        RepairOrder.id == order.id)
                           .options(*job_loads(selectinload(RepairOrder.jobs), comebacks=False))).one()
    return order.jobs


def read_back_job(job: RepairJob) -> RepairJob:
    """Read a job this transaction added again with its lines and assignments (populate_existing), which then
    also reload it after the commit."""
    return db.session.scalars(
        sa.select(RepairJob).where(RepairJob.store_id == job.store_id, RepairJob.id == job.id)
        .options(*job_loads(comebacks=False)).execution_options(populate_existing=True)).one()


def get_order_row(order_id: int, *, actor: Actor) -> RepairOrder:
    """Return an order the actor may see with its store, vehicle, customer and advisor only (one query): for a
    page piece that needs no jobs (the add-line form's searches). Raises NotFound."""
    stmt = sa.select(RepairOrder).where(RepairOrder.id == order_id).options(*_ORDER_ROW)
    order = db.session.scalars(_in_store(stmt, RepairOrder, actor)).one_or_none()
    if order is None:
        raise NotFound()
    return order


def get_job(job_id: int, *, actor: Actor) -> RepairJob:
    """Return a job the actor may see, with its lines and assignments, its order and vehicle. Raises NotFound."""
    stmt = (sa.select(RepairJob).where(RepairJob.id == job_id)
            .options(*job_loads(), joinedload(RepairJob.order, innerjoin=True)
                     .joinedload(RepairOrder.vehicle, innerjoin=True)))
    job = db.session.scalars(_in_store(stmt, RepairJob, actor)).one_or_none()
    if job is None:
        raise NotFound()
    return job


def get_line(line_id: int, *, actor: Actor) -> RepairLine:
    """Return a line the actor may see, with its part. Raises NotFound."""
    stmt = sa.select(RepairLine).where(RepairLine.id == line_id).options(joinedload(RepairLine.part))
    line = db.session.scalars(_in_store(stmt, RepairLine, actor)).one_or_none()
    if line is None:
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
