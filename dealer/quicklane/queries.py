"""The lane's read side: the board (staff), the lounge screen (owners), the package to preselect."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import load_only

from dealer.actors import MANAGER, SERVICE_ADVISOR, TECHNICIAN, Actor
from dealer.auth.models import User
from dealer.customers.models import Customer, Vehicle
from dealer.customers.validators import normalize_plate
from dealer.errors import DomainError, NotFound
from dealer.extensions import db
from dealer.quicklane import promise as promises
from dealer.quicklane.models import IN_LANE, READY, LaneOrder
from dealer.quicklane.services.extra import ExtraOffer, extra_offer, pieces_of
from dealer.quicklane.services.lane import as_car, lane_of
from dealer.quicklane.services.stages import get_lane_order, next_stage
from dealer.repair.models import JOB_APPROVED, JOB_DECLINED, JOB_ESTIMATE, JOB_PENDING, RepairJob, RepairOrder
from dealer.repair.services import get_order_row, jobs_of
from dealer.repair.services import price as repair_price
from dealer.stores.models import Store
from dealer.stores.services import sees_store
from dealer.timezones import store_zone

LANE_ROLES = frozenset({SERVICE_ADVISOR, TECHNICIAN, MANAGER})
BOARD_LIMIT = 200  # a lane never holds more; the board stops there
# What a card, the lounge, closing the day and the API's board read of a car (and the forecast, `as_car`); the
# rest raises (its sale, the hand-over, leaving the lane), so a card that starts reading more says so.
BOARD_LOADS = load_only(
    LaneOrder.id, LaneOrder.store_id, LaneOrder.repair_order_id, LaneOrder.package_id, LaneOrder.package_name,
    LaneOrder.plate, LaneOrder.key_tag, LaneOrder.stage, LaneOrder.version, LaneOrder.bay, LaneOrder.technician_id,
    LaneOrder.key_at, LaneOrder.promised_at, LaneOrder.estimate_at, LaneOrder.in_bay_at, LaneOrder.washing_at,
    LaneOrder.ready_at, LaneOrder.bay_minutes, LaneOrder.wash_minutes, LaneOrder.extra_minutes,
    LaneOrder.extra_job_id, LaneOrder.carried_over_at, raiseload=True)

# Built once: a statement's cache key is computed once per statement object, not once per request (with the
# columns above it was a tenth of the lounge's refresh).
_BOARD_ROWS = (sa.select(LaneOrder, sa.func.coalesce(User.full_name, "")).options(BOARD_LOADS)
               .outerjoin(User, User.id == LaneOrder.technician_id)
               .where(LaneOrder.store_id == sa.bindparam("store_id"), LaneOrder.stage.in_(IN_LANE))
               .order_by(LaneOrder.key_at, LaneOrder.id).limit(BOARD_LIMIT))


@dataclass(frozen=True)
class BoardCar:
    lane: LaneOrder
    technician_name: str
    estimate_at: datetime
    at_risk: bool
    late: bool
    slipping: bool  # the estimate is past the promise
    elapsed_minutes: int
    remaining_minutes: int
    next_stage: str | None
    position: int  # in the queue, from 1 (0: ready)


@dataclass(frozen=True)
class Board:
    store_id: int
    cars: list[BoardCar]
    bays: int
    technicians: int
    closed: bool  # nobody on shift: estimates cannot move

    @property
    def by_bay(self) -> dict[int, BoardCar]:
        return {car.lane.bay: car for car in self.cars if car.lane.stage == "in_bay"}


def _minutes(delta: timedelta) -> int:
    return max(0, int(delta / timedelta(minutes=1)))


def board(store_id: int, *, actor: Actor, now: datetime) -> Board:
    """The cars in the lane (not handed over), in key order, each with its live estimate and flags."""
    if not sees_store(actor, store_id):
        raise NotFound()
    rows = db.session.execute(_BOARD_ROWS, {"store_id": store_id}).all()
    lane = lane_of(store_id)
    queue = [order for order, _ in rows if order.stage != READY]
    try:
        estimates = promises.forecast(now, lane, [as_car(order) for order in queue])
        closed = False
    except promises.LaneClosed:
        estimates, closed = {}, True
    cars, position = [], 0
    for order, technician in rows:
        ready = order.stage == READY
        estimate = order.ready_at if ready else estimates.get(order.id, order.estimate_at)
        if not ready:
            position += 1
        cars.append(BoardCar(
            lane=order, technician_name=technician, estimate_at=estimate,
            at_risk=promises.at_risk(now, key_at=order.key_at, promised_at=order.promised_at, ready=ready),
            late=promises.late(now, promised_at=order.promised_at, ready=ready),
            slipping=not ready and estimate > order.promised_at,
            elapsed_minutes=_minutes((order.ready_at if ready else now) - order.key_at),
            remaining_minutes=0 if ready else _minutes(estimate - now), next_stage=next_stage(order),
            position=0 if ready else position))
    return Board(store_id, cars, lane.bays, lane.technicians, closed)


def mask_plate(plate: str) -> str:
    """粤B12345 -> 粤B·***45: the province and city, then the last two characters."""
    if len(plate) <= 4:
        return plate[:1] + "·***"
    return f"{plate[:2]}·***{plate[-2:]}"


@dataclass(frozen=True)
class LoungeCar:
    plate: str  # masked
    position: int
    stage: str
    ready_at: datetime


def lounge(store_id: int, *, now: datetime) -> list[LoungeCar]:
    """What the lounge screen shows (public): masked plates, queue position, stage, estimated ready time."""
    cars = board(store_id, actor=Actor(user_id=None, store_id=store_id), now=now).cars
    return [LoungeCar(mask_plate(car.lane.plate), car.position, car.lane.stage, car.estimate_at) for car in cars]


# What the desk shows of a car and the package suggestion reads, in one query of plain columns: the car's, its
# owner's name and its store's time zone (the local date); not the vehicle page's history.
_DESK_CAR = (sa.select(Vehicle.id, Vehicle.plate, Vehicle.store_id, Vehicle.model_family, Vehicle.odometer_km,
                       Vehicle.last_maintenance_km, Vehicle.next_maintenance_due, Vehicle.vin, Customer.name.label("owner_name"),
                       Store.timezone)
             .join(Customer, sa.and_(Customer.store_id == Vehicle.store_id, Customer.id == Vehicle.owner_id))
             .join(Store, Store.id == Vehicle.store_id)
             .where(Vehicle.store_id == sa.bindparam("store_id"), Vehicle.plate == sa.bindparam("plate")))


def vehicle_by_plate(store_id: int, plate: str) -> sa.Row | None:
    """The store's car with this plate (as typed: spaces, lower case) as the desk reads it (`_DESK_CAR`'s
    columns); None when the plate is not one or no car of the store has it."""
    try:
        plate = normalize_plate(plate)
    except DomainError:
        return None
    return db.session.execute(_DESK_CAR, {"store_id": store_id, "plate": plate}).one_or_none()


def lounge_store(code: str) -> Store:
    """The active store with this code, for its public lounge screen. Raises NotFound."""
    store = db.session.scalars(sa.select(Store).where(Store.code == code, Store.active)).one_or_none()
    if store is None:
        raise NotFound()
    return store


def extra_work_page(lane_id: int, *, actor: Actor, now: datetime):
    """The car, its repair order's number, the pending extra work as the owner is shown it (or None) and every
    piece of it so far (its concern, minutes and answer)."""
    work = extra_work(lane_id, actor=actor, now=now)
    return work.lane, work.number, work.pending, work.items


# -- the API's reads of the third slice: extra work, the day still in the lane --------------------------------

@dataclass(frozen=True)
class ExtraItem:
    job_id: int
    concern: str
    approval: str
    price_fen: int
    minutes: int | None  # the time impact stored when the lane proposed it (None: added on the order's page)


@dataclass(frozen=True)
class ExtraWork:
    """A lane order's extra work: the piece waiting for the owner (with its time impact) and every piece."""

    lane: LaneOrder
    pending: ExtraOffer | None
    items: list[ExtraItem]
    number: str = ""  # the repair order's


_ORDER_EXTRA = sa.select(RepairOrder.number, sa.exists().where(
    RepairJob.store_id == RepairOrder.store_id, RepairJob.order_id == RepairOrder.id, RepairJob.is_extra)).where(
    RepairOrder.store_id == sa.bindparam("store_id"), RepairOrder.id == sa.bindparam("order_id"))


def extra_work(lane_id: int, *, actor: Actor, now: datetime) -> ExtraWork:
    """The extra work (增项) of a lane order's repair order: each piece with its price (after any member
    discount, as the owner is shown it) and its answer; the pending one with the minutes and new ready time.
    Raises NotFound."""
    lane = get_lane_order(lane_id, actor=actor)
    if lane.repair_order_id is None:
        return ExtraWork(lane, None, [])
    if lane.extra_job_id is None:
        # Most cars have no extra work: the order's number and whether any job of it is extra, in one query of
        # plain columns, and nothing to price (the car's store is the order's: the lane order was checked).
        number, has_extra = db.session.execute(_ORDER_EXTRA, {"store_id": lane.store_id,
                                                              "order_id": lane.repair_order_id}).one()
        if not has_extra:
            return ExtraWork(lane, None, [], number)
    # The order's row and its jobs with their lines: what pricing and the pieces read (not its history).
    order = get_order_row(lane.repair_order_id, actor=actor)
    extra = [job for job in jobs_of(order) if job.is_extra]
    price = repair_price(order, (JOB_APPROVED, JOB_PENDING, JOB_DECLINED, JOB_ESTIMATE)) if extra else None
    net = {line.key: line.amount_fen - line.discount_fen for line in price.lines} if price else {}
    pieces = pieces_of(lane) if extra else []
    minutes = {piece.job_id: piece.minutes for piece in pieces}
    items = [ExtraItem(job.id, job.concern, job.approval, sum(net.get(line.id, 0) for line in job.lines),
                       minutes.get(job.id)) for job in extra]
    return ExtraWork(lane, extra_offer(lane, order, now=now, pieces=pieces,
                                       vat_rate_bp=price.vat_rate_bp if price else None), items, order.number)


@dataclass(frozen=True)
class LaneDay:
    store_id: int
    day: date
    zone: ZoneInfo
    cars: list[LaneOrder]  # still in the lane, in key order

    @property
    def closed(self) -> bool:
        """Closed when every car still in the lane was carried over on this local day (or none is left)."""
        return not any(self.open_cars)

    @property
    def open_cars(self) -> list[LaneOrder]:
        return [car for car in self.cars if not carried_over_on(car, self.day, self.zone)]


def carried_over_on(car: LaneOrder, day: date, zone: ZoneInfo) -> bool:
    """Whether the manager carried the car over on `day` (the store's local day) or later."""
    return car.carried_over_at is not None and car.carried_over_at.astimezone(zone).date() >= day


def lane_day(store_id: int, *, actor: Actor, now: datetime) -> LaneDay:
    """What is still in the lane on the store's day (快修日结): the cars to carry over or close. Raises NotFound."""
    if not sees_store(actor, store_id):
        raise NotFound()
    cars = list(db.session.scalars(
        sa.select(LaneOrder).where(LaneOrder.store_id == store_id, LaneOrder.stage.in_(IN_LANE))
        .order_by(LaneOrder.key_at, LaneOrder.id).limit(BOARD_LIMIT)))
    zone = store_zone(db.session.get(Store, store_id))
    return LaneDay(store_id, now.astimezone(zone).date(), zone, cars)


# -- booking 5: what the owner's progress page (dealer.booking.progress) reads of a lane order -------------------

@dataclass(frozen=True)
class OwnerLane:
    """A lane order as the owner's progress page shows it (its stage, the wash's time) and the minutes each piece of
    extra work adds in the bay as proposed to the owner (its time impact), by the piece's repair job."""

    lane: LaneOrder  # held: the package discount prices the order from the lane order the session holds
    minutes: dict[int, int]


def owner_lane(lane_id: int, *, store_id: int) -> OwnerLane | None:
    """One query, whatever the pieces; None for no lane order of the store with that id."""
    from dealer.quicklane.models import LaneExtraWork  # noqa: PLC0415  (a block of its own: booking's seam)

    rows = db.session.execute(
        sa.select(LaneOrder, LaneExtraWork.job_id, LaneExtraWork.minutes)
        .outerjoin(LaneExtraWork, sa.and_(LaneExtraWork.store_id == LaneOrder.store_id,
                                          LaneExtraWork.lane_order_id == LaneOrder.id))
        .where(LaneOrder.store_id == store_id, LaneOrder.id == lane_id)).all()
    if not rows:
        return None
    return OwnerLane(rows[0][0], {job_id: minutes for _, job_id, minutes in rows if job_id is not None})
