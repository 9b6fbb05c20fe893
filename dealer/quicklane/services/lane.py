"""The lane's queue, the quote shown to the owner and opening a quick-lane order (快修开单).

A quick-lane order is a repair order opened through `repair.services.open_order` with
`OrderSource(kind="quick_lane", ref=<the lane order's id>)`; the package expands into the order's first job
as it opens (`handlers.expand_package`, in the same transaction) and its price is kept by the package
discount rule (`handlers.package_discount`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import format_time
from flask_babel import lazy_gettext as _l

from dealer.actors import Actor
from dealer.audit import services as audit
from dealer.customers import vins
from dealer.customers.services import get_vehicle
from dealer.errors import NotFound
from dealer.extensions import db
from dealer.inputs import text_problem
from dealer.parts.models import Part
from dealer.quicklane import promise as promises
from dealer.quicklane.errors import LaneClosedError, LaneError, PartsShort, PromiseMoved
from dealer.quicklane.models import (
    IN_BAY,
    IN_LANE,
    NOT_READY,
    PARTS,
    WASHING,
    ExpressPackage,
    LaneOrder,
    PackageItem,
)
from dealer.quicklane.services.packages import lane_now, lock_lane
from dealer.repair import services as repair
from dealer.repair.models import MAINTENANCE, QUICK_LANE
from dealer.stores.services import sees_store


def queue_of(store_id: int) -> list[LaneOrder]:
    """The cars of the store's lane not ready yet, in the order their keys came in."""
    return list(db.session.scalars(sa.select(LaneOrder).where(LaneOrder.store_id == store_id,
                                                              LaneOrder.stage.in_(NOT_READY))
                                   .order_by(LaneOrder.key_at, LaneOrder.id)))


def as_car(lane: LaneOrder) -> promises.Car:
    return promises.Car(key=lane.id, bay_minutes=lane.bay_minutes + lane.extra_minutes,
                        wash_minutes=lane.wash_minutes,
                        in_bay_since=lane.in_bay_at if lane.stage in (IN_BAY, WASHING) else None,
                        washing_since=lane.washing_at if lane.stage == WASHING else None)


def lane_of(store_id: int) -> promises.Lane:
    now = lane_now(store_id)
    return promises.Lane(bays=now.bays, technicians=now.technicians)


def refresh_estimates(store_id: int, now: datetime) -> dict[int, datetime]:
    """Recompute every waiting car's estimate (an event of the lane happened); never commits."""
    queue = queue_of(store_id)
    try:
        estimates = promises.forecast(now, lane_of(store_id), [as_car(lane) for lane in queue])
    except promises.LaneClosed:
        return {}  # nobody on shift: the estimates stay as they were until someone is
    for lane in queue:
        lane.estimate_at = estimates[lane.id]
    return estimates


# A quote stays good for the minutes the owner takes to agree: the clock moved on, the promise did not.
QUOTE_GRACE = timedelta(minutes=3)


@dataclass(frozen=True)
class Shortage:
    part_number: str
    name: str
    needed: int  # thousandths
    available: int


@dataclass(frozen=True)
class Quote:
    """What the desk shows before the owner agrees: the promise, or the parts that are short."""

    package: ExpressPackage
    shortages: tuple[Shortage, ...]
    promise: promises.Promise | None
    per_quarter: dict = field(default_factory=dict)  # the promises already given, by quarter hour
    cap: int = 0

    @property
    def promised_at(self) -> datetime | None:
        return self.promise.at if self.promise else None

    def keeps(self, agreed: datetime | None) -> bool:
        """Tell whether the lane can keep a promise the owner agreed to: not before the estimate now (less the
        minutes the owner took to agree, QUOTE_GRACE), in a quarter hour with room."""
        return (self.promise is not None and agreed is not None and agreed >= self.promise.estimate - QUOTE_GRACE
                and self.per_quarter.get(promises.quarter_of(agreed), 0) < self.cap)


def shortages_of(package: ExpressPackage) -> tuple[Shortage, ...]:
    """The package's parts that stock cannot give (on hand less reserved), read now: one query of its part items
    and their stock (a part listed twice needs both quantities, as opening reserves each line)."""
    needed = sa.func.sum(PackageItem.quantity)
    rows = db.session.execute(
        sa.select(Part.part_number, Part.name, needed, Part.on_hand - Part.reserved)
        .join(Part, sa.and_(Part.store_id == PackageItem.store_id, Part.id == PackageItem.part_id))
        .where(PackageItem.store_id == package.store_id, PackageItem.package_id == package.id,
               PackageItem.kind == PARTS)
        .group_by(Part.id, Part.part_number, Part.name, Part.on_hand, Part.reserved)
        .having(Part.on_hand - Part.reserved < needed).order_by(Part.part_number))
    return tuple(Shortage(number, name, int(quantity), max(0, free)) for number, name, quantity, free in rows)


# What the quote reads of the lane's cars in one query: the forecast's columns (`as_car`) and the promise.
_LANE_CARS = (sa.select(LaneOrder.id, LaneOrder.stage, LaneOrder.bay_minutes, LaneOrder.extra_minutes,
                        LaneOrder.wash_minutes, LaneOrder.in_bay_at, LaneOrder.washing_at, LaneOrder.promised_at)
              .where(LaneOrder.store_id == sa.bindparam("store_id"), LaneOrder.stage.in_(IN_LANE))
              .order_by(LaneOrder.key_at, LaneOrder.id))


def lane_snapshot(store_id: int, since: datetime) -> tuple[list[promises.Car], dict[datetime, int]]:
    """The queue (the cars not ready, in key order, as the forecast reads them) and the promises still to keep
    from `since` on by quarter hour (`promised_per_quarter`), from one query of the lane's plain columns."""
    queue, counts, first = [], {}, promises.quarter_of(since)
    for row in db.session.execute(_LANE_CARS, {"store_id": store_id}):
        if row.stage in NOT_READY:
            queue.append(as_car(row))
        if row.promised_at >= first:
            quarter = promises.quarter_of(row.promised_at)
            counts[quarter] = counts.get(quarter, 0) + 1
    return queue, counts


def quote_package(package_id: int, *, store_id: int, actor: Actor) -> ExpressPackage:
    """The package's own columns for a quote (its items are not read: `shortages_of` asks stock for them).
    Raises NotFound, LaneError."""
    if not sees_store(actor, store_id):
        raise NotFound()
    package = db.session.scalars(sa.select(ExpressPackage).where(
        ExpressPackage.store_id == store_id, ExpressPackage.id == package_id)).one_or_none()
    if package is None:
        raise NotFound()
    if not package.active:
        raise LaneError(_l("Choose a package the store offers."), field="package_id")
    return package


def quote(store_id: int, package_id: int, *, actor: Actor, now: datetime) -> Quote:
    """Price the lane's time for a package now: the promise the owner would get. Four queries: the package,
    its shortages, the lane's bays and shift, its cars. Raises NotFound, LaneError, LaneClosedError."""
    package = quote_package(package_id, store_id=store_id, actor=actor)
    shortages = shortages_of(package)
    if shortages:
        return Quote(package, shortages, None)
    lane = lane_now(store_id)
    queue, per_quarter = lane_snapshot(store_id, now)
    try:
        estimate = promises.estimate_new(now, promises.Lane(bays=lane.bays, technicians=lane.technicians),
                                         queue, package.bay_minutes, package.wash_minutes)
    except promises.LaneClosed:
        raise LaneClosedError(field="package_id") from None
    return Quote(package, (), promises.promise(estimate, promised_per_quarter=per_quarter, cap=lane.cap_per_quarter),
                 per_quarter, lane.cap_per_quarter)


@dataclass
class LaneInput:
    package_id: int
    key_tag: str
    promised_at: datetime | None  # the promise the owner was shown and agreed to
    odometer_km: int | None = None
    vin: str = ""  # for a car filed without its VIN (booked online): read off its registration (行驶证)


def _check_key_tag(store_id: int, key_tag: str) -> str:
    key_tag = (key_tag or "").strip().upper()
    if not key_tag or len(key_tag) > 10 or text_problem(key_tag):
        raise LaneError(_l("Enter the number of the key tag (at most 10 characters)."), field="key_tag")
    if db.session.scalar(sa.select(LaneOrder.id).where(LaneOrder.store_id == store_id,
                                                       LaneOrder.stage.in_(IN_LANE), LaneOrder.key_tag == key_tag)):
        raise LaneError(_l("This key tag is on another car in the lane."), field="key_tag")
    return key_tag


def open_lane_order(vehicle_id: int, data: LaneInput, *, actor: Actor, now: datetime) -> LaneOrder:
    """Open a quick-lane order: the car's repair order with the package's lines, at the promise the owner agreed.

    The lane is locked while the promise is checked again: the promise the owner agreed to is kept when the
    lane can still keep it (not earlier than it can promise now, in a quarter hour with room); else it is
    refused with the new one (PromiseMoved), so the owner agrees to the promise they are given.
    Raises NotFound, LaneError, PartsShort, LaneClosedError, PromiseMoved, and what open_order raises.
    """
    vehicle = get_vehicle(vehicle_id, actor=actor)
    store_id = vehicle.store_id
    if not sees_store(actor, store_id):
        raise LaneError(_l("Choose a car of this store."))
    lock_lane(store_id)
    if vehicle.vin is None:  # a car filed by its plate when booked online: the order needs its VIN
        if not (data.vin or "").strip():
            raise LaneError(_l("The car %(plate)s has no VIN on file yet: enter it from its registration "
                               "certificate (行驶证) to take the key.", plate=vehicle.plate), field="vin")
        vins.fill_in_vin(vehicle.id, data.vin, actor=actor, now=now)
    key_tag = _check_key_tag(store_id, data.key_tag)
    offer = quote(store_id, data.package_id, actor=actor, now=now)
    if offer.shortages:
        raise PartsShort(field="package_id")
    if not offer.keeps(data.promised_at):
        raise PromiseMoved(_l("The lane has changed: the promise is now %(time)s. Tell the owner and ask again.",
                              time=format_time(offer.promised_at, "short")), field="promised_at",
                           promised_at=offer.promised_at)
    package = offer.package
    lane = LaneOrder(store_id=store_id, package_id=package.id, vehicle_id=vehicle.id, plate=vehicle.plate,
                     package_name=package.name, key_tag=key_tag, package_price_fen=package.price_fen,
                     bay_minutes=package.bay_minutes, wash_minutes=package.wash_minutes, extra_minutes=0,
                     advisor_id=actor.user_id, key_at=now, promised_at=data.promised_at,
                     estimate_at=offer.promise.estimate, created_at=now)
    db.session.add(lane)
    db.session.flush()
    refresh_estimates(store_id, now)
    audit.record("quick_lane_opened", lane, actor=actor,
                 changes={"package": package.name, "key_tag": key_tag, "promised_at": lane.promised_at})
    # The package's lines join the order as it opens (handlers.expand_package); open_order commits it all.
    repair.open_order(vehicle.id, repair.OrderInput(
        concerns=[package.name], promised_at=lane.promised_at, kind=MAINTENANCE, odometer_km=data.odometer_km),
        actor=actor, now=now, source=repair.OrderSource(kind=QUICK_LANE, ref=lane.id))
    return lane
