"""What the rescue services share: how a call is read and locked, the timeline, the store's clock."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from dealer.actors import Actor
from dealer.customers.models import Customer
from dealer.database import get_for_update
from dealer.errors import NotFound
from dealer.extensions import db
from dealer.rescue.errors import WrongState
from dealer.rescue.models import AVAILABLE, RescueCall, RescueEvent, RescueUnit
from dealer.stores.models import PartnerStation, Store
from dealer.stores.services import visible_store_ids

# What a call is read with: its store (time zone), customer with vehicles (the intake offers them), vehicle,
# responder and timeline; every one-to-many load carries the store.
CALL_LOADS = (joinedload(RescueCall.store, innerjoin=True), joinedload(RescueCall.vehicle),
              joinedload(RescueCall.unit), joinedload(RescueCall.station),
              joinedload(RescueCall.customer).selectinload(Customer.vehicles), selectinload(RescueCall.events))


def get_call(call_id: int, *, actor: Actor, read_back: bool = False) -> RescueCall:
    """Return a call of the actor's stores with CALL_LOADS. Raises NotFound."""
    stmt = (sa.select(RescueCall).where(RescueCall.store_id.in_(visible_store_ids(actor)), RescueCall.id == call_id)
            .options(*CALL_LOADS))
    if read_back:
        stmt = stmt.execution_options(populate_existing=True)
    call = db.session.scalars(stmt).one_or_none()
    if call is None:
        raise NotFound()
    return call


def lock_call(call_id: int, *, actor: Actor | None = None, store_id: int | None = None) -> RescueCall:
    """Lock a call (SELECT ... FOR UPDATE on PostgreSQL) and read it with CALL_LOADS. Raises NotFound."""
    stores = [store_id] if store_id is not None else visible_store_ids(actor)
    locked = db.session.scalar(sa.select(RescueCall.id).where(RescueCall.store_id.in_(stores),
                                                              RescueCall.id == call_id).with_for_update())
    if locked is None:
        raise NotFound()
    return get_for_update(RescueCall, locked, options=CALL_LOADS)


def require_state(call: RescueCall, *states: str) -> None:
    if call.state not in states:
        raise WrongState()


def record_event(call: RescueCall, kind: str, *, now: datetime, actor: Actor | None = None, by: str = "",
                 reason: str = "", photo: str | None = None, unit_id=None, station_id=None) -> RescueEvent | None:
    """Add a step to the call's timeline, once per leg: None when it is already there (a repeated tap)."""
    # The call is locked: the check cannot race (the unique key on store, call, leg and kind is the backstop).
    if db.session.scalar(sa.select(RescueEvent.id).where(RescueEvent.store_id == call.store_id,
                                                         RescueEvent.call_id == call.id, RescueEvent.leg == call.leg,
                                                         RescueEvent.kind == kind)) is not None:
        return None
    event = RescueEvent(store_id=call.store_id, call_id=call.id, leg=call.leg, kind=kind, at=now,
                        user_id=actor.user_id if actor else None, by=(by or (actor.name if actor else ""))[:60],
                        reason=reason[:300], photo=photo, unit_id=unit_id, station_id=station_id)
    db.session.add(event)
    return event


def store_of(store_id: int) -> Store:
    return db.session.get(Store, store_id)


def responders(store_id: int) -> tuple[list[sa.Row], list[sa.Row]]:
    """The store's available active units and active partner stations, for the proposal (two column queries:
    the rows carry only what the ranking reads, so a proposal among hundreds builds no ORM objects)."""
    unit, station = RescueUnit, PartnerStation
    units = list(db.session.execute(
        sa.select(unit.id, unit.name, unit.phone, unit.capabilities, unit.status, unit.active, unit.latitude_wgs84,
                  unit.longitude_wgs84, unit.position_at)
        .where(unit.store_id == store_id, unit.active, unit.status == AVAILABLE).order_by(unit.id)))
    stations = list(db.session.execute(
        sa.select(station.id, station.name, station.phone, station.capabilities, station.active, station.latitude,
                  station.longitude)
        .where(station.store_id == store_id, station.active).order_by(station.id)))
    return units, stations
