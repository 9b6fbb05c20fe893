"""The rescue module's read side: the dispatcher's board, its service-level clocks, the figures, the search."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timezone

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from dealer.database import paginate_capped, prefix_range
from dealer.dialect import seconds_between
from dealer.errors import NotFound
from dealer.extensions import db
from dealer.repair import queries as repair_queries
from dealer.repair import services as repair_services
from dealer.repair.models import INSURANCE
from dealer.rescue import geo
from dealer.rescue.clocks import Clock, clock  # noqa: F401  (the board's clocks, for the pages)
from dealer.rescue.figures import CallFacts, Figures, month_figures
from dealer.rescue.labels import FAULT_LABELS
from dealer.rescue.models import (
    AVAILABLE,
    OPEN_STATES,
    RECEIVED,
    Handover,
    RescueCall,
    RescueUnit,
    StationCoverage,
)
from dealer.rescue.services.settings import propose_for, settings_by_store
from dealer.stores.models import PartnerStation, Store
from dealer.timezones import store_zone

# Service-level targets are the store's (RescueSettings: by default, as insurers and makers promise, dispatched
# within 5 minutes of the call; on scene within 30 minutes in town, 60 outside).
BOARD_LIMIT = 200  # open calls on one board: far beyond a store's night


@dataclass
class Board:
    calls: list
    units: list
    stations: int  # active partner stations
    no_responder: bool  # calls waiting and nobody to send: loud, at the top
    settings: dict  # {store id: RescueSettings}
    handovers: list = ()  # handovers nobody acknowledged yet (交班未确认), newest first

    def clock(self, call: RescueCall, now: datetime) -> Clock:
        return clock(call, now, self.settings.get(call.store_id))


def board(store_ids: list[int], *, with_settings: bool = True) -> Board:
    """Every open call (most urgent, then oldest first), the units, the stores' targets and the handovers not yet
    acknowledged; six queries whatever the rows (four `with_settings=False`: the home panel shows neither)."""
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
                 settings=settings_by_store(store_ids) if with_settings else {},
                 handovers=unacknowledged_handovers(store_ids) if with_settings else [])


def unacknowledged_handovers(store_ids: list[int], *, limit: int = 5) -> list[Handover]:
    return list(db.session.scalars(sa.select(Handover).where(Handover.store_id.in_(store_ids),
                                                             Handover.acknowledged_at.is_(None))
                                   .order_by(Handover.written_at.desc()).limit(limit)))


def handovers(store_ids: list[int], *, limit: int = 30) -> list[Handover]:
    """The latest handovers of the stores, newest first (one query)."""
    return list(db.session.scalars(sa.select(Handover).where(Handover.store_id.in_(store_ids))
                                   .order_by(Handover.written_at.desc(), Handover.id.desc()).limit(limit)))


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


def insurance_paid_fen(order_id: int | None, *, actor) -> int | None:
    """The insurance-paid total (net of discounts, fen) of the tow-in's repair order, through repair's public reads
    (its order with ORDER_LOADS and `display_totals`: the settled figures once settled); None without an order."""
    if order_id is None:
        return None
    try:
        order = repair_services.get_order(order_id, actor=actor)
    except NotFound:
        return None
    return repair_queries.display_totals(order).by_payer[INSURANCE].net_fen


@dataclass(frozen=True)
class ErrorMonth:
    """How far the arrival estimates were off in one month (minutes, |arrived - estimated|, nearest rank)."""

    month: date
    median: float | None
    p90: float | None
    estimates: int


def _months_ending(month: date, count: int) -> list[date]:
    index = month.year * 12 + month.month - 1
    return [date((index - back) // 12, (index - back) % 12 + 1, 1) for back in range(count - 1, -1, -1)]


def estimate_error_trend(store_id: int, month: date, *, months: int = 12) -> list[ErrorMonth]:
    """The estimate's error per month over the `months` up to `month` (the store's calendar), computed in SQL:
    each leg's |minutes from its dispatch to arrival - the estimate|, ranked per month, the median and the 90th
    percentile by nearest rank (the least error whose rank reaches p * n). Two queries whatever the rows."""
    store = db.session.get(Store, store_id)
    firsts = _months_ending(month, months)
    bounds = [month_bounds(store, first)[0] for first in firsts] + [month_bounds(store, firsts[-1])[1]]
    call = RescueCall
    bucket = sa.case(*[(call.received_at < bound, index) for index, bound in enumerate(bounds[1:-1])],
                     else_=len(firsts) - 1)
    error = sa.func.abs(seconds_between(call.arrived_at, call.leg_dispatched_at) - call.estimate_minutes * 60)
    ranked = (sa.select(bucket.label("bucket"), error.label("error"),
                        sa.func.row_number().over(partition_by=bucket, order_by=error).label("rank"),
                        sa.func.count().over(partition_by=bucket).label("n"))
              .where(call.store_id == store_id, call.received_at >= bounds[0], call.received_at < bounds[-1],
                     call.arrived_at.is_not(None), call.leg_dispatched_at.is_not(None),
                     call.estimate_minutes.is_not(None)).subquery())
    found = {int(row.bucket): row for row in db.session.execute(
        sa.select(ranked.c.bucket, sa.func.max(ranked.c.n).label("n"),
                  sa.func.min(sa.case((ranked.c.rank >= ranked.c.n * 0.5, ranked.c.error))).label("median"),
                  sa.func.min(sa.case((ranked.c.rank >= ranked.c.n * 0.9, ranked.c.error))).label("p90"))
        .group_by(ranked.c.bucket))}

    def minutes(seconds):
        return round(float(seconds) / 60, 1) if seconds is not None else None

    return [ErrorMonth(first, minutes(found[i].median), minutes(found[i].p90), int(found[i].n)) if i in found
            else ErrorMonth(first, None, None, 0) for i, first in enumerate(firsts)]


def board_map(found: Board) -> dict | None:
    """The board's map (地图): the tiles of the first store that set them and the open calls and units that have a
    position, converted from WGS-84 to the tiles' system (GCJ-02 for AMap-style tiles, dealer.rescue.geo); None
    when no store of the board set tiles (the board works the same without a map). No query."""
    source = next((s for s in found.settings.values() if s.map_tile_url), None)
    if source is None:
        return None

    def point(kind, latitude, longitude, label, extra):
        lat, lng = geo.from_wgs84(latitude, longitude, source.map_tile_system)
        return {"kind": kind, "lat": round(lat, 6), "lng": round(lng, 6), "label": label, **extra}

    points = [point("call", call.latitude_wgs84, call.longitude_wgs84, f"#{call.id} {call.address}"[:80],
                    {"priority": call.priority, "id": call.id})
              for call in found.calls if call.has_position]
    points += [point("unit", unit.latitude_wgs84, unit.longitude_wgs84, unit.name, {"status": unit.status})
               for unit in found.units if unit.latitude_wgs84 is not None and unit.longitude_wgs84 is not None]
    return {"tiles": source.map_tile_url, "system": source.map_tile_system, "points": points}
