"""The rescue module's read side: the dispatcher's board, its service-level clocks, the figures, the search."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from dealer.database import paginate_capped, prefix_range
from dealer.extensions import db
from dealer.rescue.figures import CallFacts, Figures, month_figures
from dealer.rescue.labels import FAULT_LABELS
from dealer.rescue.models import (
    AVAILABLE,
    DISPATCHED,
    OPEN_STATES,
    RECEIVED,
    RescueCall,
    RescueSettings,
    RescueUnit,
    StationCoverage,
)
from dealer.rescue.services.settings import propose_for, settings_by_store
from dealer.stores.models import PartnerStation, Store
from dealer.timezones import store_zone

# Service-level targets are the store's (RescueSettings: by default, as insurers and makers promise, dispatched
# within 5 minutes of the call; on scene within 30 minutes in town, 60 outside).
BOARD_LIMIT = 200  # open calls on one board: far beyond a store's night


@dataclass(frozen=True)
class Clock:
    """A call's clocks on the board, in whole minutes."""

    age: int
    dispatch_late: bool  # not dispatched within the target (or dispatched late)
    arrival_late: bool   # not on scene within the area's target (or arrived late)
    eta_left: int | None  # minutes to the ETA (negative: overdue), while the responder is on the way
    not_accepted: bool = False  # a partner station has not accepted within the store's time: send another


def clock(call: RescueCall, now: datetime, settings: RescueSettings | None = None) -> Clock:
    """The call's clocks against the store's targets (the defaults without `settings`)."""
    settings = settings or RescueSettings.defaults(call.store_id)
    dispatched = call.dispatched_at or now
    arrived = call.arrived_at or now
    eta_left = None
    if call.eta_at is not None and call.arrived_at is None:
        eta_left = int((call.eta_at - now).total_seconds() // 60)
    leg_sent = call.leg_dispatched_at or call.dispatched_at
    not_accepted = (call.station_id is not None and call.state == DISPATCHED and call.accepted_at is None
                    and leg_sent is not None
                    and now - leg_sent > timedelta(minutes=settings.station_accept_minutes))
    return Clock(age=int((now - call.received_at).total_seconds() // 60),
                 dispatch_late=dispatched - call.received_at > timedelta(minutes=settings.dispatch_target_minutes),
                 arrival_late=arrived - call.received_at > timedelta(minutes=settings.arrival_minutes(call.area)),
                 eta_left=eta_left, not_accepted=not_accepted)


@dataclass
class Board:
    calls: list
    units: list
    stations: int  # active partner stations
    no_responder: bool  # calls waiting and nobody to send: loud, at the top
    settings: dict  # {store id: RescueSettings}

    def clock(self, call: RescueCall, now: datetime) -> Clock:
        return clock(call, now, self.settings.get(call.store_id))


def board(store_ids: list[int], *, with_settings: bool = True) -> Board:
    """Every open call (most urgent, then oldest first), the units and the stores' targets; five queries whatever
    the rows (four `with_settings=False`: the home panel shows no clocks)."""
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
    return Board(calls=calls, units=units, stations=stations, no_responder=waiting and not free and not stations,
                 settings=settings_by_store(store_ids) if with_settings else {})


def open_calls(store_ids: list[int], *, limit: int = BOARD_LIMIT) -> list[RescueCall]:
    """The open calls for the API, most urgent then oldest first."""
    return list(db.session.scalars(
        sa.select(RescueCall).where(RescueCall.store_id.in_(store_ids), RescueCall.state.in_(OPEN_STATES))
        .order_by(RescueCall.priority, RescueCall.received_at).limit(limit)))


def proposal_for(call: RescueCall, now: datetime, *, limit: int = 3):
    """The best responders for an open call (dealer.rescue.proposal), from the store's units and stations."""
    return propose_for(call, now, limit=limit)


def stations_with_coverage(store_id: int) -> list[tuple]:
    """The store's active partner stations with their coverage row or None (one query)."""
    return list(db.session.execute(
        sa.select(PartnerStation, StationCoverage)
        .outerjoin(StationCoverage, sa.and_(StationCoverage.store_id == PartnerStation.store_id,
                                            StationCoverage.station_id == PartnerStation.id))
        .where(PartnerStation.store_id == store_id, PartnerStation.active).order_by(PartnerStation.name)).all())


def month_bounds(store: Store, month: date) -> tuple[datetime, datetime]:
    """The month's first and last instants at the store, in UTC (start inclusive, end exclusive)."""
    zone = store_zone(store)
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return (datetime.combine(month, time(), zone).astimezone(timezone.utc),
            datetime.combine(following, time(), zone).astimezone(timezone.utc))


def figures(store_id: int, month: date, *, total_label: str) -> Figures:
    """The store's rescue figures of a month (calls received in it at the store): five queries whatever the rows."""
    store = db.session.get(Store, store_id)
    start, end = month_bounds(store, month)
    calls = [CallFacts(*row) for row in db.session.execute(
        sa.select(RescueCall.received_at, RescueCall.dispatched_at, RescueCall.arrived_at, RescueCall.area,
                  RescueCall.fault_type, RescueCall.state, RescueCall.unit_id, RescueCall.station_id,
                  RescueCall.leg_dispatched_at, RescueCall.estimate_minutes)
        .where(RescueCall.store_id == store_id, RescueCall.received_at >= start, RescueCall.received_at < end))]
    units = dict(db.session.execute(sa.select(RescueUnit.id, RescueUnit.name)
                                    .where(RescueUnit.store_id == store_id)).tuples().all())
    stations = dict(db.session.execute(sa.select(PartnerStation.id, PartnerStation.name)
                                       .where(PartnerStation.store_id == store_id)).tuples().all())
    return month_figures(calls, month=month, zone=store.timezone, settings=settings_by_store([store_id])[store_id],
                         unit_names=units, station_names=stations, fault_labels=FAULT_LABELS, total_label=total_label)


CLOSED_STATES = ("completed", "cancelled")


def plate_prefix(text: str | None) -> str:
    """A plate or its beginning as typed ("粤b 123"), the way calls store plates ("粤B123")."""
    return re.sub(r"[\s\-·•]", "", unicodedata.normalize("NFKC", text or "")).upper()[:20]


def phone_digits(text: str | None) -> str:
    """A phone as typed, as calls store it: digits only, a mobile without +86."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", text or ""))
    return digits[2:] if len(digits) == 13 and digits.startswith("86") else digits[:20]
SEARCH_PAGE = 50


@dataclass(frozen=True)
class Search:
    """What the closed-call search asks for (every part optional)."""

    start: datetime | None = None  # received at or after (UTC)
    end: datetime | None = None    # received before
    plate: str = ""                # a plate or its beginning, as the caller said it
    phone: str = ""                # the caller's phone, digits only


def closed_calls(store_ids: list[int], search: Search, *, page: int = 1):
    """A page of closed calls (completed or cancelled), newest first, with the responder named (a join each)."""
    stmt = (sa.select(RescueCall).where(RescueCall.store_id.in_(store_ids), RescueCall.state.in_(CLOSED_STATES))
            .options(joinedload(RescueCall.unit), joinedload(RescueCall.station)))
    counted = sa.select(RescueCall.id).where(RescueCall.store_id.in_(store_ids),
                                            RescueCall.state.in_(CLOSED_STATES))
    conditions = []
    if search.start is not None:
        conditions.append(RescueCall.received_at >= search.start)
    if search.end is not None:
        conditions.append(RescueCall.received_at < search.end)
    if search.plate:
        conditions.append(prefix_range(RescueCall.plate, search.plate))
    if search.phone:
        conditions.append(RescueCall.caller_phone == search.phone)
    stmt, counted = stmt.where(*conditions), counted.where(*conditions)
    return paginate_capped(stmt.order_by(RescueCall.received_at.desc(), RescueCall.id.desc()), counted, page=page,
                           per_page=SEARCH_PAGE)
