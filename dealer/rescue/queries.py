"""The rescue module's read side: the dispatcher's board, its service-level clocks, the units."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from dealer.extensions import db
from dealer.rescue.models import AVAILABLE, OPEN_STATES, OUTSIDE, RECEIVED, TOWN, RescueCall, RescueUnit
from dealer.rescue.proposal import propose
from dealer.stores.models import PartnerStation

# Service-level targets (the store's defaults, as insurers and makers promise): dispatched within 5 minutes of
# the call; on scene within 30 minutes in town, 60 outside.
DISPATCH_TARGET = timedelta(minutes=5)
ARRIVAL_TARGET = {TOWN: timedelta(minutes=30), OUTSIDE: timedelta(minutes=60)}
BOARD_LIMIT = 200  # open calls on one board: far beyond a store's night


@dataclass(frozen=True)
class Clock:
    """A call's clocks on the board, in whole minutes."""

    age: int
    dispatch_late: bool  # not dispatched within the target (or dispatched late)
    arrival_late: bool   # not on scene within the area's target (or arrived late)
    eta_left: int | None  # minutes to the ETA (negative: overdue), while the responder is on the way


def clock(call: RescueCall, now: datetime) -> Clock:
    dispatched = call.dispatched_at or now
    arrived = call.arrived_at or now
    eta_left = None
    if call.eta_at is not None and call.arrived_at is None:
        eta_left = int((call.eta_at - now).total_seconds() // 60)
    return Clock(age=int((now - call.received_at).total_seconds() // 60),
                 dispatch_late=dispatched - call.received_at > DISPATCH_TARGET,
                 arrival_late=arrived - call.received_at > ARRIVAL_TARGET[call.area], eta_left=eta_left)


@dataclass
class Board:
    calls: list
    units: list
    stations: int  # active partner stations
    no_responder: bool  # calls waiting and nobody to send: loud, at the top


def board(store_ids: list[int]) -> Board:
    """Every open call (most urgent, then oldest first) and the units; four queries whatever the rows."""
    calls = list(db.session.scalars(
        sa.select(RescueCall).where(RescueCall.store_id.in_(store_ids), RescueCall.state.in_(OPEN_STATES))
        .options(joinedload(RescueCall.unit), joinedload(RescueCall.station), joinedload(RescueCall.vehicle))
        .order_by(RescueCall.priority, RescueCall.received_at).limit(BOARD_LIMIT)))
    units = list(db.session.scalars(sa.select(RescueUnit).where(RescueUnit.store_id.in_(store_ids),
                                                                RescueUnit.active)
                                    .order_by(RescueUnit.store_id, RescueUnit.name)))
    stations = db.session.scalar(sa.select(sa.func.count()).select_from(PartnerStation)
                                 .where(PartnerStation.store_id.in_(store_ids), PartnerStation.active))
    waiting = any(call.state == RECEIVED for call in calls)
    free = any(unit.status == AVAILABLE for unit in units)
    return Board(calls=calls, units=units, stations=stations, no_responder=waiting and not free and not stations)


def open_calls(store_ids: list[int], *, limit: int = BOARD_LIMIT) -> list[RescueCall]:
    """The open calls for the API, most urgent then oldest first."""
    return list(db.session.scalars(
        sa.select(RescueCall).where(RescueCall.store_id.in_(store_ids), RescueCall.state.in_(OPEN_STATES))
        .order_by(RescueCall.priority, RescueCall.received_at).limit(limit)))


def proposal_for(call: RescueCall, now: datetime, *, limit: int = 3):
    """The best responders for an open call (dealer.rescue.proposal), from the store's units and stations."""
    units = list(db.session.scalars(sa.select(RescueUnit).where(RescueUnit.store_id == call.store_id,
                                                                RescueUnit.active).order_by(RescueUnit.id)))
    stations = list(db.session.scalars(sa.select(PartnerStation).where(PartnerStation.store_id == call.store_id,
                                                                       PartnerStation.active)
                                       .order_by(PartnerStation.id)))
    return propose(call, units, stations, now=now, zone=call.store.timezone, limit=limit)
