"""Who to send (派车建议): the capable, covering responders ranked by estimated arrival.

Estimated arrival = straight-line (haversine) distance x road factor / average speed + set-off time. The
factor, speeds and set-off times are configured defaults (`DEFAULT_MODEL`) for now; learning them from the
store's own recorded rescues per area and hour is left for later (docs/rescue.md). Without coordinates (the
call's, or a responder's) the proposal still ranks on the area and says it is approximate.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dealer.rescue.geo import haversine_km, in_range
from dealer.rescue.models import (
    ACCIDENT,
    EV_NO_CHARGE,
    FLAT_TYRE,
    LOCKED_OUT,
    NO_START,
    OUT_OF_FUEL,
    OUTSIDE,
    OVERHEATING,
    TOWN,
)

UNIT = "unit"
STATION = "station"


@dataclass(frozen=True)
class SpeedModel:
    """The simple arrival model: speeds per area, a road factor, set-off minutes (configured defaults)."""

    speed_kmh: dict = field(default_factory=lambda: {TOWN: 25.0, OUTSIDE: 50.0})
    road_factor: float = 1.4  # roads are longer than the straight line
    unit_set_off_minutes: int = 5
    station_set_off_minutes: int = 10
    night_extra_minutes: int = 5  # 22:00-06:00 the crew takes longer to set off
    # Without coordinates: the area's typical arrival (and the proposal says it is approximate).
    approximate_minutes: dict = field(default_factory=lambda: {TOWN: 25, OUTSIDE: 50})
    stale_after: timedelta = timedelta(minutes=15)  # a unit's position older than this counts less
    stale_penalty_minutes: int = 10
    station_coverage_km: float = 40.0  # a partner station covers this radius around it


DEFAULT_MODEL = SpeedModel()

# What a fault needs of the responder (the partner stations' words, stores.models.STATION_CAPABILITIES).
FAULT_NEEDS = {NO_START: {"jump_start"}, FLAT_TYRE: {"tyre_change"}, OUT_OF_FUEL: {"fuel_delivery"},
               LOCKED_OUT: {"lockout"}, OVERHEATING: {"minor_repair"}, ACCIDENT: set(),
               EV_NO_CHARGE: {"towing", "flatbed"}}


def required_capabilities(call) -> set[str]:
    """Return what a responder must be able to do for this call."""
    needs = set(FAULT_NEEDS.get(call.fault_type, set()))
    if call.tow_needed or call.drivable is False:
        needs.add("towing")
    if call.needs_flatbed:
        needs |= {"towing", "flatbed"}
    return needs


def is_night(now: datetime, zone: str) -> bool:
    hour = now.astimezone(ZoneInfo(zone)).hour
    return hour >= 22 or hour < 6


def travel_minutes(distance_km: float, area: str, model: SpeedModel = DEFAULT_MODEL) -> float:
    return distance_km * model.road_factor / model.speed_kmh[area] * 60


@dataclass
class Candidate:
    """One responder the dispatcher may send, with why it ranks where it does."""

    kind: str  # UNIT or STATION
    id: int
    name: str
    phone: str
    eta_minutes: int
    distance_km: float | None = None
    approximate: bool = False  # no coordinates for the call or the responder: the area's typical time
    stale_minutes: int | None = None  # the unit's position is this old (counted with a penalty)
    night: bool = False

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


def _estimate(call, lat, lng, *, set_off: int, night: bool, model: SpeedModel):
    """Return (minutes, distance or None, approximate)."""
    extra = set_off + (model.night_extra_minutes if night else 0)
    if call.has_position and in_range(lat, lng):
        distance = haversine_km(call.latitude_wgs84, call.longitude_wgs84, lat, lng)
        return math.ceil(travel_minutes(distance, call.area, model) + extra), distance, False
    return model.approximate_minutes[call.area] + extra, None, True


def propose(call, units, stations, *, now: datetime, zone: str, limit: int = 3,
            model: SpeedModel = DEFAULT_MODEL) -> list[Candidate]:
    """Return the best `limit` responders for the call, soonest estimated arrival first.

    Only available, active units and active stations able to do the job; a station only when the call is within
    its coverage (or either position is unknown: then approximate). Ties go to the store's own units.
    """
    needs = required_capabilities(call)
    night = is_night(now, zone)
    found = []
    for unit in units:
        if not unit.active or unit.status != "available" or not needs <= set(unit.capabilities or ()):
            continue
        minutes, distance, approximate = _estimate(call, unit.latitude_wgs84, unit.longitude_wgs84,
                                                   set_off=model.unit_set_off_minutes, night=night, model=model)
        stale = None
        if unit.position_at is not None and not approximate and now - unit.position_at > model.stale_after:
            stale = int((now - unit.position_at).total_seconds() // 60)
            minutes += model.stale_penalty_minutes
        found.append(Candidate(UNIT, unit.id, unit.name, unit.phone, minutes, distance, approximate, stale, night))
    for station in stations:
        if not station.active or not needs <= set(station.capabilities or ()):
            continue
        minutes, distance, approximate = _estimate(call, station.latitude, station.longitude,
                                                   set_off=model.station_set_off_minutes, night=night, model=model)
        if distance is not None and distance > model.station_coverage_km:
            continue
        found.append(Candidate(STATION, station.id, station.name, station.phone, minutes, distance, approximate,
                               None, night))
    found.sort(key=lambda c: (c.eta_minutes, c.kind != UNIT, c.distance_km if c.distance_km is not None else 1e9,
                              c.id))
    return found[:limit]
