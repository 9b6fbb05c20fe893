"""Read-only queries for the repair pages: catalogue search, the workshop's lists, the totals to show.

Nothing here changes a row: services.py and workflow.py own every change. Each query names its stores
(`store_id = ...` or `IN (...)`) first, as the per-store indexes lead with it.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from dealer.actors import TECHNICIAN, Actor
from dealer.auth.models import User, UserRole
from dealer.database import prefix_range
from dealer.errors import NotFound
from dealer.extensions import db
from dealer.repair import pricing, services
from dealer.repair.models import (
    CANCELLED, DELIVERED, ESTIMATED, IN_PROGRESS, JOB_APPROVED, OPEN, PAYERS, READY, SETTLED, STATES,
    JobAssignment, LaborOperation, RepairJob, RepairLine, RepairOrder, TimeEntry,
)
from dealer.stores.services import visible_store_ids

# States whose bill is fixed (the figures stored at settlement are shown, never re-priced).
FIXED_STATES = (SETTLED, DELIVERED)


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


# -- the catalogue --------------------------------------------------------------------------------

def search_operations(query: str, *, store_id: int, limit: int = 15) -> list[LaborOperation]:
    """Find the store's active labor operations by the start of the code or of the name, then a word inside.

    Code and name prefixes are range scans on (store_id, code) and (store_id, name).
    """
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", query or "")).strip()
    if not text:
        return []
    found: dict[int, LaborOperation] = {}

    def add(condition, order) -> None:
        if len(found) < limit:
            stmt = (sa.select(LaborOperation)
                    .where(LaborOperation.store_id == store_id, LaborOperation.active, condition)
                    .order_by(order).limit(limit))
            for operation in db.session.scalars(stmt):
                found.setdefault(operation.id, operation)

    add(prefix_range(LaborOperation.code, text.upper()), LaborOperation.code)
    add(prefix_range(LaborOperation.name, text), LaborOperation.name)
    escaped = re.sub(r"([\\%_])", r"\\\1", text)
    add(LaborOperation.name.like(f"%{escaped}%", escape="\\"), LaborOperation.name)
    return list(found.values())[:limit]


def store_technicians(store_id: int) -> list[User]:
    """Return the store's active technicians, for assigning jobs (派工)."""
    return list(db.session.scalars(
        sa.select(User).join(UserRole).where(User.store_id == store_id, User.active.is_(True),
                                             UserRole.role == TECHNICIAN).order_by(User.full_name, User.id)))


# -- the workshop ---------------------------------------------------------------------------------

@dataclass
class MyJob:
    job: RepairJob
    order: RepairOrder
    running: bool  # the technician's clock runs on this job


def my_jobs(*, actor: Actor) -> list[MyJob]:
    """Return the approved jobs assigned to the actor on orders in the workshop, earliest promise first."""
    stmt = (sa.select(RepairJob, RepairOrder)
            .join(JobAssignment, JobAssignment.job_id == RepairJob.id)
            .join(RepairOrder, RepairOrder.id == RepairJob.order_id)
            .where(JobAssignment.store_id.in_(visible_store_ids(actor)),
                   JobAssignment.technician_id == actor.user_id,
                   RepairOrder.state == IN_PROGRESS, RepairJob.approval == JOB_APPROVED)
            .order_by(RepairOrder.promised_at, RepairOrder.id, RepairJob.position))
    rows = db.session.execute(stmt).all()
    running = running_job_id(actor.user_id)
    return [MyJob(job, order, job.id == running) for job, order in rows]


def running_job_id(technician_id: int | None) -> int | None:
    """Return the job the technician's clock runs on, if any."""
    if technician_id is None:
        return None
    return db.session.scalar(sa.select(TimeEntry.job_id).where(TimeEntry.technician_id == technician_id,
                                                               TimeEntry.ended_at.is_(None)))


def clocked_minutes(order: RepairOrder, now: datetime) -> dict[int, int]:
    """Return the minutes clocked on each job of the order (a running clock counts until now)."""
    job_ids = [job.id for job in order.jobs]
    if not job_ids:
        return {}
    minutes: dict[int, int] = {}
    for entry in db.session.scalars(sa.select(TimeEntry).where(TimeEntry.store_id == order.store_id,
                                                               TimeEntry.job_id.in_(job_ids))):
        seconds = ((entry.ended_at or now) - entry.started_at).total_seconds()
        minutes[entry.job_id] = minutes.get(entry.job_id, 0) + max(int(seconds // 60), 0)
    return minutes


def board(*, actor: Actor, now: datetime) -> dict[str, list[RepairOrder]]:
    """Return the open orders grouped by state, in workflow order, each group by promised time."""
    orders = services.workshop_board(actor=actor, now=now)
    groups = {state: [order for order in orders if order.state == state] for state in STATES}
    return {state: found for state, found in groups.items() if found}


# -- totals ----------------------------------------------------------------------------------------

@dataclass
class Totals:
    """What the order page and the documents show about money."""

    basis: str  # estimate (before approval), billed (approved work), settled (fixed at settlement)
    by_payer: dict[str, pricing.PayerTotal]
    points_fen: int
    total_fen: int  # what the owner pays, VAT included
    net_fen: int
    vat_fen: int
    vat_rate_bp: int
    approved_total_fen: int
    pending_fen: int = 0  # what extra work waiting for approval would add to the owner's bill


def _stored_by_payer(lines: list[RepairLine]) -> dict[str, pricing.PayerTotal]:
    sums = {payer: [0, 0] for payer in PAYERS}
    for line in lines:
        sums[line.payer][0] += line.amount_fen
        sums[line.payer][1] += line.discount_fen
    return {payer: pricing.PayerTotal(amount, discount) for payer, (amount, discount) in sums.items()}


def order_totals(order: RepairOrder) -> Totals:
    """Return the order's money: the settled figures once settled, else the pricing function's."""
    if order.state in FIXED_STATES and order.customer_total_fen is not None:
        by_payer = _stored_by_payer(services.lines_of(order, services.BILLED))
        return Totals("settled", by_payer, order.points_fen, order.customer_total_fen, order.net_fen,
                      order.vat_fen, order.vat_rate_bp, order.approved_total_fen)
    if order.state in (OPEN, ESTIMATED, CANCELLED):
        priced = services.price(order, services.QUOTED)
        return Totals("estimate", priced.by_payer, priced.points_fen, priced.total_fen, priced.net_fen,
                      priced.vat_fen, priced.vat_rate_bp, order.approved_total_fen)
    priced = services.price(order)
    with_pending = services.price(order, services.BILLED + services.PROPOSED)
    return Totals("billed", priced.by_payer, priced.points_fen, priced.total_fen, priced.net_fen,
                  priced.vat_fen, priced.vat_rate_bp, order.approved_total_fen,
                  pending_fen=max(with_pending.total_fen - priced.total_fen, 0))


@dataclass
class PayerLines:
    payer: str
    lines: list[RepairLine]
    total: pricing.PayerTotal


def lines_by_payer(order: RepairOrder, approvals: tuple[str, ...]) -> list[PayerLines]:
    """Return the lines of the order's jobs in `approvals`, grouped by payer (customer first)."""
    lines = services.lines_of(order, approvals)
    groups = []
    for payer in PAYERS:
        mine = [line for line in lines if line.payer == payer]
        if mine:
            groups.append(PayerLines(payer, mine, _stored_by_payer(mine)[payer]))
    return groups


def to_settle(*, actor: Actor) -> list[tuple[RepairOrder, int]]:
    """Return the orders ready to settle (完工, waiting for the cashier) with what the owner pays."""
    stmt = (sa.select(RepairOrder).where(RepairOrder.store_id.in_(visible_store_ids(actor)),
                                         RepairOrder.state == READY)
            .order_by(RepairOrder.ready_at, RepairOrder.id))
    return [(order, services.price(order).total_fen) for order in db.session.scalars(stmt)]


def reversal_of(order: RepairOrder) -> RepairOrder | None:
    """Return the reversing order (红冲) that cancels this one out, if there is one."""
    return db.session.scalar(sa.select(RepairOrder).where(RepairOrder.store_id == order.store_id,
                                                          RepairOrder.reversal_of_id == order.id))
