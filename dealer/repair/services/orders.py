"""Repair orders: opening one (接车), its jobs and lines (the workflow is in workflow.py, prices in pricing.py).

The cost assurance (费用安心) lives here: lines of an approved job are frozen, and whatever changes an
order re-prices it and checks that the owner's bill stays within what the owner approved.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from dealer.actors import MANAGER, SERVICE_ADVISOR, Actor
from dealer.customers.models import Vehicle
from dealer.customers.services import add_reading, get_vehicle, store_advisors
from dealer.database import refresh_for_update
from dealer.dialect import upsert
from dealer.extensions import db
from dealer.parts.models import Part
from dealer.repair import signals
from dealer.repair.errors import DiscountNeedsManager, JobLocked, RepairError, VehicleHasOpenOrder
from dealer.repair.models import (
    APPROVED,
    CUSTOMER,
    ESTIMATED,
    FRONT_DESK,
    IN_PROGRESS,
    INTERNAL,
    JOB_DECLINED,
    JOB_ESTIMATE,
    JOB_PENDING,
    LABOR,
    LABOR_CATEGORIES,
    OPEN,
    ORDER_KINDS,
    PARTS,
    PAYERS,
    QUALITY_CHECK,
    READY,
    SOURCE_KINDS,
    LaborOperation,
    OrderCounter,
    RepairJob,
    RepairLine,
    RepairOrder,
    RepairSettings,
)
from dealer.repair.services.common import (
    EDITABLE_STATES,
    get_job,
    get_line,
    lock_order,
    read_back_job,
    record_event,
    require_state,
)
from dealer.repair.services.pricing import reprice
from dealer.repair.services.quality import propose_comeback
from dealer.repair.services.settings import OPERATION_LOADS, labor_rate, settings_for

# -- opening an order ----------------------------------------------------------------------------

@dataclass
class OrderInput:
    concerns: list[str]
    promised_at: datetime | None
    kind: str = "general_repair"
    odometer_km: int | None = None
    odometer_is_correction: bool = False
    odometer_note: str = ""
    fuel_eighths: int | None = None
    damage_notes: str = ""
    valuables: str = ""
    notes: str = ""
    advisor_id: int | None = None
    # The advisor saw that the car has an open order and opens another one on purpose (recorded).
    despite_open_order: bool = False


# States in which an order still holds the car at the store (the workshop board's).
OPEN_STATES = (OPEN, ESTIMATED, APPROVED, IN_PROGRESS, QUALITY_CHECK, READY)


def open_orders_of(vehicle: Vehicle) -> list[tuple[int, str]]:
    """Return the vehicle's open orders as (id, number), oldest first (one index range on store and vehicle)."""
    return [tuple(row) for row in db.session.execute(
        sa.select(RepairOrder.id, RepairOrder.number)
        .where(RepairOrder.store_id == vehicle.store_id, RepairOrder.vehicle_id == vehicle.id,
               RepairOrder.state.in_(OPEN_STATES))
        .order_by(RepairOrder.opened_at, RepairOrder.id))]


def _check_open_orders(vehicle: Vehicle, data: OrderInput) -> list[tuple[int, str]]:
    """Refuse a second open order for the car unless the advisor confirmed it. Raises VehicleHasOpenOrder."""
    found = open_orders_of(vehicle)
    if found and not data.despite_open_order:
        raise VehicleHasOpenOrder(
            _l("This car already has an open repair order: %(numbers)s. Add the work to it, or confirm that "
               "a second order is meant.", numbers=", ".join(number for _, number in found)),
            field="despite_open_order", open_orders=found)
    return found


@dataclass(frozen=True)
class OrderSource:
    """Where an order comes from: the front desk (the default), a booking's check-in (预约到店), a rescue's
    tow-in (救援拖车) or a quick-lane package (快修), with the id of that record (`ref`)."""

    kind: str = FRONT_DESK
    ref: int | None = None


def _check_source(source: OrderSource) -> None:
    if source.kind not in SOURCE_KINDS:
        raise RepairError(_l("Unknown source of the order."), field="source")
    if source.kind == FRONT_DESK and source.ref is not None:
        raise RepairError(_l("An order opened at the front desk names no other record."), field="source")
    if source.kind != FRONT_DESK and (isinstance(source.ref, bool) or not isinstance(source.ref, int)
                                      or source.ref <= 0):
        raise RepairError(_l("Name the booking, rescue or quick-lane package the order comes from."),
                          field="source")


def next_order_number(store_id: int, day: str) -> str:
    """Give out the store's next order number for the day, atomically (RO-20261122-0042)."""
    stmt = (upsert(OrderCounter.__table__).values(store_id=store_id, day=day, last=1)
            .on_conflict_do_update(index_elements=["store_id", "day"], set_={"last": OrderCounter.last + 1})
            .returning(OrderCounter.last))
    last = db.session.execute(stmt).scalar_one()
    return f"RO-{day}-{last:04d}"


def open_order(vehicle_id: int, data: OrderInput, *, actor: Actor, now: datetime,
               source: OrderSource = OrderSource()) -> RepairOrder:
    """Open a repair order (接车) for a vehicle: each concern becomes a job; the odometer is recorded.

    `source`: where it comes from (the front desk by default; a booking, a rescue or a quick-lane package
    opens its order through here too). Announces `signals.order_opened` before committing.
    Raises NotFound, RepairError, OdometerWentBackwards.
    """
    _check_source(source)
    vehicle = get_vehicle(vehicle_id, actor=actor)
    refresh_for_update(vehicle)  # one odometer reading at a time per vehicle
    if vehicle.vin is None:  # a car booked online, filed by its plate (customers.vins): the order needs its VIN
        raise RepairError(_l("The car %(plate)s has no VIN on file yet: fill it in from its registration "
                             "certificate (行驶证) before opening an order.", plate=vehicle.plate), field="vin")
    concerns = [c.strip() for c in data.concerns if c and c.strip()]
    if not concerns:
        raise RepairError(_l("Write down at least one concern of the owner."), field="concerns")
    if any(len(c) > 500 for c in concerns):
        raise RepairError(_l("A concern may have at most 500 characters."), field="concerns")
    if data.kind not in ORDER_KINDS:
        raise RepairError(_l("Choose the kind of work."), field="kind")
    if data.promised_at is None:
        raise RepairError(_l("Promise the owner a time when the car will be ready."), field="promised_at")
    if data.promised_at <= now:
        raise RepairError(_l("The promised time must be in the future."), field="promised_at")
    if data.fuel_eighths is not None and not 0 <= data.fuel_eighths <= 8:
        raise RepairError(_l("Fuel level is between empty (0) and full (8)."), field="fuel_eighths")
    store = vehicle.store
    if data.odometer_km is not None:
        add_reading(vehicle, km=data.odometer_km, read_on=store.local_date(now),
                     is_correction=data.odometer_is_correction, note=data.odometer_note, actor=actor, now=now)
    if data.advisor_id is not None:
        if data.advisor_id not in {user.id for user in store_advisors(vehicle.store_id)}:
            raise RepairError(_l("Choose a service advisor of this store."), field="advisor_id")
    already_open = _check_open_orders(vehicle, data)  # under the vehicle's lock: two desks cannot both miss it
    advisor_id = data.advisor_id or (actor.user_id if SERVICE_ADVISOR in actor.roles else None) \
        or vehicle.owner.advisor_id
    order = RepairOrder(
        store_id=vehicle.store_id, vehicle_id=vehicle.id, customer_id=vehicle.owner_id, advisor_id=advisor_id,
        number=next_order_number(vehicle.store_id, store.local_date(now).strftime("%Y%m%d")), kind=data.kind,
        state=OPEN, odometer_km=data.odometer_km, fuel_eighths=data.fuel_eighths,
        damage_notes=data.damage_notes.strip(), valuables=data.valuables.strip()[:200], notes=data.notes.strip(),
        promised_at=data.promised_at, opened_at=now, approved_total_fen=0, points_fen=0, source_kind=source.kind,
        source_ref=source.ref)
    db.session.add(order)
    db.session.flush()
    for position, concern in enumerate(concerns, start=1):
        db.session.add(RepairJob(store_id=order.store_id, order_id=order.id, vehicle_id=vehicle.id,
                                 position=position, concern=concern, approval=JOB_ESTIMATE))
    record_event(order, "open", from_state="", to_state=OPEN, actor=actor, now=now)
    if already_open:
        record_event(order, "opened_beside_open_order", to_state=OPEN, actor=actor, now=now,
                     note=", ".join(number for _, number in already_open))
    db.session.flush()
    order = lock_order(order.id, actor=actor)  # read back with its jobs, as every service reads an order
    signals.order_opened.send(order, actor=actor, now=now)
    db.session.commit()
    return order


def update_order(order_id: int, *, promised_at: datetime | None, notes: str, actor: Actor,
                 now: datetime) -> RepairOrder:
    """Change the promised time or the notes of an order that is not ready yet. Raises OrderLocked."""
    order = lock_order(order_id, actor=actor)
    require_state(order, *EDITABLE_STATES)
    if promised_at is None:
        raise RepairError(_l("Promise the owner a time when the car will be ready."), field="promised_at")
    if promised_at != order.promised_at and promised_at <= now:
        raise RepairError(_l("The promised time must be in the future."), field="promised_at")
    if promised_at != order.promised_at:
        record_event(order, "promise_changed", to_state=order.state, actor=actor, now=now,
                     note=f"{order.promised_at.isoformat() if order.promised_at else ''} -> {promised_at.isoformat()}")
        order.promised_at = promised_at
    order.notes = notes.strip()
    db.session.commit()
    return order


# -- jobs ----------------------------------------------------------------------------------------

def add_job(order_id: int, *, concern: str, actor: Actor, now: datetime, finding: bool = False) -> RepairJob:
    """Add a job. Before approval it joins the estimate; after, it is extra work (增项) the owner must approve.

    `finding`: reported by a technician during the repair. Raises OrderLocked, RepairError.
    """
    order = lock_order(order_id, actor=actor)
    require_state(order, *EDITABLE_STATES)
    concern = (concern or "").strip()
    if not concern:
        raise RepairError(_l("Describe the work."), field="concern")
    if len(concern) > 500:
        raise RepairError(_l("A concern may have at most 500 characters."), field="concern")
    job = new_job(order, concern, reported_by_id=actor.user_id if finding else None, actor=actor, now=now)
    job = read_back_job(job)
    db.session.commit()
    return job


def new_job(order: RepairOrder, concern: str, *, reported_by_id: int | None, actor: Actor, now: datetime,
            **fields) -> RepairJob:
    """Add a job to a locked order (never commits): on the estimate before approval, pending extra work after.

    `reported_by_id`: the technician who found it during the repair. For services of this module that
    commit with their own change (a finding of the multi-point inspection).
    """
    extra = order.state not in (OPEN, ESTIMATED)
    job = RepairJob(store_id=order.store_id, order_id=order.id, vehicle_id=order.vehicle_id,
                    position=max((j.position for j in order.jobs), default=0) + 1, concern=concern,
                    approval=JOB_PENDING if extra else JOB_ESTIMATE, is_extra=extra or reported_by_id is not None,
                    reported_by_id=reported_by_id, lines=[], assignments=[], **fields)
    db.session.add(job)
    db.session.flush()
    if extra:
        record_event(order, "extra_work_reported" if reported_by_id else "extra_work_added", to_state=order.state,
                     actor=actor, now=now, note=concern)
    return job


def _editable_job(job_id: int, actor: Actor) -> tuple[RepairOrder, RepairJob]:
    job = get_job(job_id, actor=actor)
    order = lock_order(job.order_id, actor=actor)
    require_state(order, *EDITABLE_STATES)
    if job.approval not in (JOB_ESTIMATE, JOB_PENDING):
        raise JobLocked()
    return order, job


def remove_job(job_id: int, *, actor: Actor, now: datetime) -> None:
    """Remove a job that the owner has not approved, with its lines. Raises JobLocked."""
    order, job = _editable_job(job_id, actor)
    if sum(1 for j in order.jobs if j.approval != JOB_DECLINED) <= 1 and job.approval == JOB_ESTIMATE:
        raise RepairError(_l("An order keeps at least one job; cancel the order instead."))
    order.jobs.remove(job)
    db.session.flush()
    reprice(order)
    db.session.commit()


# -- lines ---------------------------------------------------------------------------------------

@dataclass
class LineInput:
    """A labor line (operation_id, or description + hours + category) or a parts line (part_id + quantity)."""

    kind: str
    payer: str = CUSTOMER
    manual_discount_bp: int = 0
    operation_id: int | None = None
    description: str = ""
    hours: int | None = None  # hundredths
    category: str = ""
    part_id: int | None = None
    quantity: int | None = None  # thousandths
    extra: dict = field(default_factory=dict)


def _check_discount(line: RepairLine, basis_points: int, settings: RepairSettings, actor: Actor) -> None:
    if not 0 <= basis_points <= 10_000:
        raise RepairError(_l("A discount is between 0 and 100%."), field="manual_discount_bp")
    if basis_points and line.payer != CUSTOMER:
        raise RepairError(_l("Only lines the owner pays get a discount."), field="manual_discount_bp")
    if basis_points > settings.manual_discount_limit_bp:
        if MANAGER not in actor.roles:
            raise DiscountNeedsManager(_l(
                "A discount above %(limit)s%% needs a service manager's approval: ask a manager to enter it.",
                limit=f"{settings.manual_discount_limit_bp / 100:g}"), field="manual_discount_bp")
        line.discount_approved_by_id = actor.user_id
    elif basis_points == 0:
        line.discount_approved_by_id = None
    line.manual_discount_bp = basis_points


def _fill_labor(line: RepairLine, data: LineInput, order: RepairOrder, vehicle: Vehicle) -> None:
    if data.operation_id is not None:
        operation = db.session.scalars(
            sa.select(LaborOperation).where(LaborOperation.store_id == order.store_id,
                                            LaborOperation.id == data.operation_id)
            .options(*OPERATION_LOADS)).one_or_none()
        if operation is None or not operation.active:
            raise RepairError(_l("Choose a labor operation of the store's catalogue."), field="operation_id")
        line.labor_operation_id = operation.id
        line.operation_code = operation.code
        line.description = (data.description or operation.name).strip()[:200]
        line.category = operation.category
        line.hours = data.hours if data.hours is not None else operation.hours_for(vehicle.model_family)
    else:
        if not (data.description or "").strip():
            raise RepairError(_l("Describe the labor or choose an operation."), field="description")
        if data.category not in LABOR_CATEGORIES:
            raise RepairError(_l("Choose a labor category."), field="category")
        line.description = data.description.strip()[:200]
        line.category = data.category
        line.hours = data.hours
    if line.hours is None or not 0 < line.hours <= 100_000:
        raise RepairError(_l("Enter the hours, more than 0."), field="hours")
    line.rate_fen = labor_rate(order.store_id, line.category)


def _fill_parts(line: RepairLine, data: LineInput, order: RepairOrder) -> None:
    part = db.session.get(Part, data.part_id) if data.part_id is not None else None
    if part is None or part.store_id != order.store_id or not part.active:
        raise RepairError(_l("Choose a part of the store's catalogue."), field="part_id")
    if data.quantity is None or not 0 < data.quantity <= 10_000_000:
        raise RepairError(_l("Enter a quantity of more than 0."), field="quantity")
    line.part_id = part.id
    line.part_number = part.part_number
    line.description = (data.description or part.name).strip()[:200]
    line.unit = part.unit
    line.quantity = data.quantity
    line.unit_price_fen = part.price_fen
    line.genuine = part.genuine


def add_line(job_id: int, data: LineInput, *, actor: Actor, now: datetime) -> RepairLine:
    """Add a labor or parts line to a job the owner has not approved yet, and re-price the order.

    Raises JobLocked, RepairError, DiscountNeedsManager.
    """
    order, job = _editable_job(job_id, actor)
    line = new_line(order, job, data, actor=actor, now=now)
    if line.kind == LABOR:
        propose_comeback(job, line, order, now=now)
    reprice(order)
    db.session.commit()
    return line


def new_line(order: RepairOrder, job: RepairJob, data: LineInput, *, actor: Actor, now: datetime) -> RepairLine:
    """Add a line to a job of a locked order (never commits, never re-prices): for services that commit with
    their own change (a quick-lane package expands into lines as its order opens).

    Raises RepairError, DiscountNeedsManager.
    """
    if data.kind not in (LABOR, PARTS):
        raise RepairError(_l("Choose labor or parts."), field="kind")
    if data.payer not in PAYERS:
        raise RepairError(_l("Choose who pays."), field="payer")
    line = RepairLine(store_id=order.store_id, order_id=order.id, kind=data.kind, payer=data.payer,
                      created_at=now, description="", manual_discount_bp=0)
    vehicle = order.vehicle  # loaded with the order (ORDER_LOADS)
    if data.kind == LABOR:
        _fill_labor(line, data, order, vehicle)
    else:
        _fill_parts(line, data, order)
    if job.under_warranty:
        line.payer = INTERNAL  # a comeback under the repair warranty costs the owner nothing
    _check_discount(line, data.manual_discount_bp, settings_for(order.store_id), actor)
    job.lines.append(line)
    db.session.flush()
    return line


def update_line(line_id: int, *, hours: int | None = None, quantity: int | None = None, payer: str | None = None,
                manual_discount_bp: int | None = None, actor: Actor, now: datetime) -> RepairLine:
    """Change a line of a job the owner has not approved yet. Raises JobLocked, RepairError."""
    line = get_line(line_id, actor=actor)
    order, job = _editable_job(line.job_id, actor)
    if payer is not None and not job.under_warranty:  # a warranty comeback's payers are fixed
        if payer not in PAYERS:
            raise RepairError(_l("Choose who pays."), field="payer")
        line.payer = payer
    if hours is not None and line.kind == LABOR:
        if not 0 < hours <= 100_000:
            raise RepairError(_l("Enter the hours, more than 0."), field="hours")
        line.hours = hours
    if quantity is not None and line.kind == PARTS:
        if not 0 < quantity <= 10_000_000:
            raise RepairError(_l("Enter a quantity of more than 0."), field="quantity")
        line.quantity = quantity
    _check_discount(line, line.manual_discount_bp if manual_discount_bp is None else manual_discount_bp,
                    settings_for(order.store_id), actor)
    reprice(order)
    db.session.commit()
    return line


def remove_line(line_id: int, *, actor: Actor, now: datetime) -> None:
    """Remove a line of a job the owner has not approved yet. Raises JobLocked."""
    line = get_line(line_id, actor=actor)
    order, job = _editable_job(line.job_id, actor)
    if line.issued:
        raise RepairError(_l("Parts were already issued for this line: return them to stock first."))
    job.lines.remove(line)
    reprice(order)
    db.session.commit()
