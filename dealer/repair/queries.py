"""The read side of repair: lists, the board, history, customer visits, the parts counter's queue, the totals
to display and an order's timeline.

Nothing here changes a row: the services own every change. Each query names its stores (`store_id = ...` or
`IN (...)`) first, as the per-store indexes lead with it.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, load_only, selectinload

from dealer.actors import TECHNICIAN, Actor
from dealer.auth.models import User, UserRole
from dealer.customers.models import Vehicle
from dealer.customers.services import get_customer, get_vehicle
from dealer.database import paginate_capped, prefix_range
from dealer.extensions import db
from dealer.inputs import searchable
from dealer.parts.models import Part
from dealer.parts.services import get_part
from dealer.repair.declined import (  # noqa: F401  (membership's campaigns; reminders: a car's items left)
    DeclinedWork,
    declined_items_left,
    declined_work_vehicles,
)
from dealer.repair.models import (
    APPROVED,
    CANCELLED,
    DELIVERED,
    ESTIMATED,
    IN_PROGRESS,
    JOB_APPROVED,
    OPEN,
    PARTS,
    QUALITY_CHECK,
    READY,
    SETTLED,
    STATES,
    JobAssignment,
    LaborOperation,
    OrderEvent,
    RepairJob,
    RepairLine,
    RepairOrder,
    TimeEntry,
)
from dealer.repair.owner_view import OwnerOrder, owner_order  # noqa: F401  (the owner's progress page)
from dealer.repair.services.common import (  # noqa: F401  (get_job, get_line: for the pages)
    BILLED,
    PROPOSED,
    QUOTED,
    get_job,
    get_line,
    get_order,
)
from dealer.repair.services.parts_counter import CLOSED_STATES, ISSUE_STATES
from dealer.repair.services.settings import OPERATION_LOADS, settings_for
from dealer.repair.totals import FIXED_STATES, PayerLines, Totals, display_totals, lines_by_payer  # noqa: F401
from dealer.stores.models import Store
from dealer.stores.services import narrowed_store_ids, visible_store_ids

# What a row of an order list shows beside the order, in the same query: store (its local time), vehicle,
# owner and advisor. Relationships never load lazily (lazy="raise_on_sql").
ORDER_ROW_LOADS = (
    joinedload(RepairOrder.store, innerjoin=True),
    joinedload(RepairOrder.vehicle, innerjoin=True),
    joinedload(RepairOrder.customer, innerjoin=True),
    joinedload(RepairOrder.advisor),
)
# What a board card shows, and no more: a store has hundreds of cars in the workshop, and building each
# order's thirty columns (ten datetimes converted to UTC) and its customer was half the board's time.
# Anything else a card reads raises, rather than loading row by row.
BOARD_LOADS = (
    load_only(RepairOrder.id, RepairOrder.store_id, RepairOrder.number, RepairOrder.state, RepairOrder.vehicle_id,
              RepairOrder.advisor_id, RepairOrder.promised_at, RepairOrder.ready_at, raiseload=True),
    joinedload(RepairOrder.store, innerjoin=True).load_only(Store.id, Store.code, Store.name, Store.timezone,
                                                            raiseload=True),
    joinedload(RepairOrder.vehicle, innerjoin=True).load_only(Vehicle.id, Vehicle.plate, Vehicle.model,
                                                              raiseload=True),
    joinedload(RepairOrder.advisor).load_only(User.id, User.username, User.full_name, raiseload=True),
)
# What pricing an order reads: its jobs and their lines, and the order it reverses with its own.
PRICING_LOADS = (
    selectinload(RepairOrder.jobs).selectinload(RepairJob.lines),
    selectinload(RepairOrder.reversal_of).selectinload(RepairOrder.jobs).selectinload(RepairJob.lines),
)


# -- the catalogue --------------------------------------------------------------------------------

def search_operations(query: str, *, store_id: int, limit: int = 15) -> list[LaborOperation]:
    """Find the store's active labor operations by the start of the code or of the name, then a word inside.

    Code and name prefixes are range scans on (store_id, code) and (store_id, name).
    """
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", query or "")).strip()
    # A NUL byte or a control character matches nothing, and never reaches SQL.
    if not text or not searchable(text):
        return []
    found: dict[int, LaborOperation] = {}

    def add(condition, order) -> None:
        if len(found) < limit:
            stmt = (sa.select(LaborOperation)
                    .where(LaborOperation.store_id == store_id, LaborOperation.active, condition)
                    .options(*OPERATION_LOADS).order_by(order).limit(limit))
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
    stores = visible_store_ids(actor)
    stmt = (sa.select(RepairJob, RepairOrder)
            .join(JobAssignment, JobAssignment.job_id == RepairJob.id)
            .join(RepairOrder, RepairOrder.id == RepairJob.order_id)
            .where(JobAssignment.store_id.in_(stores), RepairJob.store_id.in_(stores), RepairOrder.store_id.in_(stores),
                   JobAssignment.technician_id == actor.user_id,
                   RepairOrder.state == IN_PROGRESS, RepairJob.approval == JOB_APPROVED)
            .options(selectinload(RepairJob.lines), joinedload(RepairOrder.store, innerjoin=True),
                     joinedload(RepairOrder.vehicle, innerjoin=True))
            .order_by(RepairOrder.promised_at, RepairOrder.id, RepairJob.position))
    rows = db.session.execute(stmt).all()
    running = running_job_id(actor.user_id, stores)
    return [MyJob(job, order, job.id == running) for job, order in rows]


def running_job_id(technician_id: int | None, stores: list[int]) -> int | None:
    """Return the job the technician's clock runs on in those stores, if any."""
    if technician_id is None:
        return None
    return db.session.scalar(sa.select(TimeEntry.job_id).where(TimeEntry.store_id.in_(stores),
                                                               TimeEntry.technician_id == technician_id,
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


# The board shows each column's most urgent cards (the soonest promised: the late ones first) and says how many
# more there are, with a link to the whole list: a screen read across the workshop, not a list of hundreds.
BOARD_COLUMN_CARDS = 30


@dataclass(frozen=True)
class BoardColumn:
    state: str
    orders: list[RepairOrder]
    total: int  # every open order in this state, shown or not

    @property
    def more(self) -> int:
        return self.total - len(self.orders)


def board(*, actor: Actor, now: datetime, store_ids: list[int] | None = None) -> list[BoardColumn]:
    """Return the board's columns in workflow order (states with no order left out): each state's
    BOARD_COLUMN_CARDS soonest-promised orders and its count. Two statements, whatever the rows."""
    stores = narrowed_store_ids(actor, store_ids)
    open_states = (OPEN, ESTIMATED, APPROVED, IN_PROGRESS, QUALITY_CHECK, READY)
    totals = dict(db.session.execute(
        sa.select(RepairOrder.state, sa.func.count()).where(RepairOrder.store_id.in_(stores),
                                                             RepairOrder.state.in_(open_states))
        .group_by(RepairOrder.state)).all())
    orders = workshop_board(stores, open_states, per_state=BOARD_COLUMN_CARDS)
    return [BoardColumn(state, [order for order in orders if order.state == state], totals[state])
            for state in STATES if totals.get(state)]


# -- lists, the board, history ---------------------------------------------------------------------

@dataclass
class OrderFilter:
    states: tuple[str, ...] = ()
    advisor_id: int | None = None
    vehicle_id: int | None = None
    customer_id: int | None = None
    opened_from: datetime | None = None
    opened_until: datetime | None = None
    store_ids: list[int] | None = None  # the store filter, within the stores the actor sees


def list_orders(*, actor: Actor, filters: OrderFilter, page: int = 1, per_page: int = 50, count_cap: int | None = None):
    """Return a page of the orders the actor may see, newest first; the total counted up to `count_cap` past the
    page when one is given (dealer.database.paginate_capped), in full otherwise (the API's documented total)."""
    stmt = sa.select(RepairOrder.id).where(RepairOrder.store_id.in_(narrowed_store_ids(actor, filters.store_ids)))
    if filters.states:
        stmt = stmt.where(RepairOrder.state.in_(filters.states))
    if filters.advisor_id:
        stmt = stmt.where(RepairOrder.advisor_id == filters.advisor_id)
    if filters.vehicle_id:
        stmt = stmt.where(RepairOrder.vehicle_id == filters.vehicle_id)
    if filters.customer_id:
        stmt = stmt.where(RepairOrder.customer_id == filters.customer_id)
    if filters.opened_from:
        stmt = stmt.where(RepairOrder.opened_at >= filters.opened_from)
    if filters.opened_until:
        stmt = stmt.where(RepairOrder.opened_at < filters.opened_until)
    rows = (stmt.with_only_columns(RepairOrder).options(*ORDER_ROW_LOADS)
            .order_by(RepairOrder.opened_at.desc(), RepairOrder.id.desc()))
    if count_cap is not None:
        return paginate_capped(rows, stmt, page=page, per_page=per_page, cap=count_cap)
    return db.paginate(rows, page=page, per_page=per_page, error_out=False)


def workshop_board(stores: list[int], states: tuple[str, ...], *, per_state: int) -> list[RepairOrder]:
    """The open orders of `stores` in `states`, at most `per_state` of each (the soonest promised), by promise;
    the view highlights late ones (promised_at < now)."""
    ranked = (sa.select(RepairOrder.id, sa.func.row_number().over(
                  partition_by=RepairOrder.state, order_by=(RepairOrder.promised_at, RepairOrder.id)).label("rank"))
              .where(RepairOrder.store_id.in_(stores), RepairOrder.state.in_(states)).subquery())
    stmt = (sa.select(RepairOrder).join(ranked, ranked.c.id == RepairOrder.id)
            .where(RepairOrder.store_id.in_(stores), ranked.c.rank <= per_state)
            .options(*BOARD_LOADS).order_by(RepairOrder.promised_at, RepairOrder.id))
    return list(db.session.scalars(stmt))


def vehicle_history(vehicle_id: int, *, actor: Actor, limit: int = 20) -> list[RepairOrder]:
    """Return the vehicle's latest orders (the customer file and the front desk show them)."""
    vehicle = get_vehicle(vehicle_id, actor=actor)
    stmt = (sa.select(RepairOrder).where(RepairOrder.store_id == vehicle.store_id,
                                         RepairOrder.vehicle_id == vehicle.id)
            .options(*ORDER_ROW_LOADS, selectinload(RepairOrder.jobs))
            .order_by(RepairOrder.opened_at.desc()).limit(limit))
    return list(db.session.scalars(stmt))


def vehicle_orders(vehicle: Vehicle, *, limit: int = 20) -> tuple[list[sa.Row], bool]:
    """Return the newest `limit` orders of a vehicle the caller has already read (and so may see), and whether
    it has more. One range scan on (store_id, vehicle_id), columns only (id, number, state, kind, opened_at,
    customer_total_fen)."""
    rows = db.session.execute(
        sa.select(RepairOrder.id, RepairOrder.number, RepairOrder.state, RepairOrder.kind, RepairOrder.opened_at,
                  RepairOrder.customer_total_fen)
        .where(RepairOrder.store_id == vehicle.store_id, RepairOrder.vehicle_id == vehicle.id)
        .order_by(RepairOrder.opened_at.desc(), RepairOrder.id.desc()).limit(limit + 1)).all()
    return rows[:limit], len(rows) > limit


def overdue(order: RepairOrder, now: datetime) -> bool:
    """Tell whether an order is late against its promise (ready after, or not ready by, the promised time)."""
    if order.promised_at is None:
        return False
    return (order.ready_at or now) > order.promised_at


@dataclass
class CustomerVisits:
    """A customer's repair history for the customer file (客户档案): visits, spend, latest orders."""

    visits: int  # orders opened and not cancelled (reversing orders not counted)
    spend_fen: int  # what the owner paid, reversals deducted
    last_visit: datetime | None
    orders: list[RepairOrder]


def customer_visits(customer_id: int, *, actor: Actor, limit: int = 20) -> CustomerVisits:
    """Return the customer's visits, spend and latest orders. Raises NotFound."""
    customer = get_customer(customer_id, actor=actor)
    mine = sa.and_(RepairOrder.store_id == customer.store_id, RepairOrder.customer_id == customer.id)
    visits, last_visit = db.session.execute(
        sa.select(sa.func.count(RepairOrder.id), sa.func.max(RepairOrder.opened_at))
        .where(mine, RepairOrder.state != CANCELLED, RepairOrder.reversal_of_id.is_(None))).one()
    spend = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(RepairOrder.customer_total_fen), 0))
                              .where(mine, RepairOrder.state.in_((SETTLED, DELIVERED))))
    orders = list(db.session.scalars(sa.select(RepairOrder).where(mine).options(*ORDER_ROW_LOADS)
                                     .order_by(RepairOrder.opened_at.desc(), RepairOrder.id.desc()).limit(limit)))
    if last_visit is not None and last_visit.tzinfo is None:  # SQLite's max() returns the raw value
        last_visit = last_visit.replace(tzinfo=timezone.utc)
    return CustomerVisits(visits=visits, spend_fen=int(spend), last_visit=last_visit, orders=orders)


# -- the parts counter: what to issue, what holds a part ---------------------------------------------

@dataclass
class LineView:
    """A parts line with what the parts clerk needs beside it: order, job, plate, part."""

    line: RepairLine
    job: RepairJob
    order: RepairOrder
    plate: str
    part: Part

    @property
    def outstanding(self) -> int:
        return (self.line.quantity or 0) - self.line.issued


def _line_views(*conditions, limit: int, loads: tuple = ()) -> list[LineView]:
    stmt = (sa.select(RepairLine, RepairJob, RepairOrder, Vehicle.plate, Part).options(*loads)
            .join(RepairJob, RepairJob.id == RepairLine.job_id)
            .join(RepairOrder, RepairOrder.id == RepairLine.order_id)
            .join(Vehicle, Vehicle.id == RepairOrder.vehicle_id)
            .join(Part, Part.id == RepairLine.part_id)
            .where(RepairLine.kind == PARTS, *conditions)
            .order_by(RepairOrder.promised_at.asc().nulls_last(), RepairOrder.opened_at, RepairOrder.id,
                      RepairJob.position, RepairLine.id)
            .limit(limit))
    return [LineView(*row) for row in db.session.execute(stmt)]


def issue_queue(*, actor: Actor, limit: int = 500, store_ids: list[int] | None = None) -> list[LineView]:
    """Return what the parts clerk must hand out: parts lines of approved jobs not yet fully issued.

    Only orders approved, in progress or in quality check; the most urgent promise first.
    """
    stores = narrowed_store_ids(actor, store_ids)
    # The job's technicians (who will come for the part), one query for the whole queue.
    technicians = selectinload(RepairJob.assignments.and_(JobAssignment.store_id.in_(stores))).joinedload(
        JobAssignment.technician, innerjoin=True)
    return _line_views(RepairOrder.store_id.in_(stores), RepairLine.store_id.in_(stores),
                       RepairOrder.state.in_(ISSUE_STATES), RepairJob.approval == JOB_APPROVED,
                       RepairLine.issued < RepairLine.quantity, limit=limit, loads=(technicians,))


def open_lines(part_id: int, *, actor: Actor, limit: int = 200) -> list[LineView]:
    """Return the lines holding or having taken this part on orders not yet settled (to return from)."""
    part = get_part(part_id, actor=actor)
    return _line_views(RepairLine.store_id == part.store_id, RepairLine.part_id == part.id,
                       RepairOrder.state.not_in(CLOSED_STATES),
                       sa.or_(RepairLine.issued > 0, RepairLine.reserved > 0), limit=limit)


def to_settle(*, actor: Actor, store_ids: list[int] | None = None) -> list[tuple[RepairOrder, int]]:
    """Return the orders ready to settle (完工, waiting for the cashier) with what the owner pays."""
    stmt = (sa.select(RepairOrder).where(RepairOrder.store_id.in_(narrowed_store_ids(actor, store_ids)),
                                         RepairOrder.state == READY)
            .options(*ORDER_ROW_LOADS, *PRICING_LOADS).order_by(RepairOrder.ready_at, RepairOrder.id))
    orders = list(db.session.scalars(stmt))
    # The stores' VAT rates read once, not once per order.
    rates = {store_id: settings_for(store_id).vat_rate_bp for store_id in {order.store_id for order in orders}}
    return [(order, display_totals(order, vat_rate_bp=rates[order.store_id]).total_fen) for order in orders]


def reversal_of(order: RepairOrder) -> RepairOrder | None:
    """Return the reversing order (红冲) that cancels this one out, if there is one."""
    return db.session.scalar(sa.select(RepairOrder).where(RepairOrder.store_id == order.store_id,
                                                          RepairOrder.reversal_of_id == order.id))


# -- the timeline ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class TimelineEvent:
    """One step of an order's progress, as the owner's progress page will show it."""

    at: datetime
    action: str  # an OrderEvent's action (open, approve_estimate, extra_work_approved, ...), or clock_on/clock_off
    from_state: str | None
    to_state: str
    note: str
    actor_name: str


def timeline(order_id: int, *, actor: Actor) -> list[TimelineEvent]:
    """Return the order's steps in the order they happened: its workflow events (opened, estimate approved,
    extra work asked and approved, QC, ready, settled, delivered, reversed ...) with the technicians' clock-ons
    and clock-offs among them. Raises NotFound.
    """
    order = get_order(order_id, actor=actor)
    steps = [TimelineEvent(e.created_at, e.action, e.from_state or None, e.to_state, e.note, e.actor_name)
             for e in db.session.scalars(sa.select(OrderEvent).where(OrderEvent.store_id == order.store_id,
                                                                     OrderEvent.order_id == order.id)
                                         .order_by(OrderEvent.id))]
    clocks = db.session.execute(
        sa.select(TimeEntry.started_at, TimeEntry.ended_at, RepairJob.concern, User)
        .join(RepairJob, RepairJob.id == TimeEntry.job_id).join(User, User.id == TimeEntry.technician_id)
        .where(TimeEntry.store_id == order.store_id, RepairJob.order_id == order.id).order_by(TimeEntry.id))
    for started_at, ended_at, concern, technician in clocks:
        steps.append(TimelineEvent(started_at, "clock_on", None, IN_PROGRESS, concern, technician.display_name))
        if ended_at is not None:
            steps.append(TimelineEvent(ended_at, "clock_off", None, IN_PROGRESS, concern, technician.display_name))
    return sorted(steps, key=lambda step: step.at)  # stable: events of one moment keep their order
