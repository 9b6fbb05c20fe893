"""Who to send (派车建议): the capable, covering responders ranked by estimated arrival.

Estimated arrival (dealer.rescue.eta) = set-off time + haversine distance / straight-line speed, learned from
the store's own recorded rescues per area and hour-of-day band once there are enough of them, the configured
defaults before. A partner station is proposed only within its coverage radius and opening hours
(`StationCoverage`; 40 km and 24 h when the store set none). Without coordinates (the call's, or a
responder's) the proposal still ranks on the area and says it is approximate.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from dealer.rescue.eta import STATION, UNIT, EtaModel, band_of
from dealer.rescue.geo import haversine_km, in_range
from dealer.rescue.models import (
    ACCIDENT,
    EV_NO_CHARGE,
    FLAT_TYRE,
    LOCKED_OUT,
    NO_START,
    OUT_OF_FUEL,
    OVERHEATING,
)

DEFAULT_COVERAGE_KM = 40.0  # a partner station with no coverage set covers this radius, day and night
DEFAULT_MODEL = EtaModel()


@dataclass(frozen=True)
class Coverage:
    """Where and when a partner station takes jobs: a radius (km) and its hours (minutes of the day at the
    store; both None: 24 h; opens after closes: over midnight)."""

    radius_km: float = DEFAULT_COVERAGE_KM
    opens_minute: int | None = None
    closes_minute: int | None = None

    def open_at(self, moment: datetime, zone: str) -> bool:
        if self.opens_minute is None or self.closes_minute is None:
            return True
        local = moment.astimezone(ZoneInfo(zone))
        minute = local.hour * 60 + local.minute
        if self.opens_minute <= self.closes_minute:
            return self.opens_minute <= minute < self.closes_minute
        return minute >= self.opens_minute or minute < self.closes_minute


# What a fault needs of the responder (the partner stations' words, stores.models.STATION_CAPABILITIES).
FAULT_NEEDS = {NO_START: {"jump_start"}, FLAT_TYRE: {"tyre_change"}, OUT_OF_FUEL: {"fuel_delivery"},
               LOCKED_OUT: {"lockout"}, OVERHEATING: {"minor_repair"}, ACCIDENT: set(),
               EV_NO_CHARGE: {"towing", "flatbed"}}


def is_night(now: datetime, zone: str) -> bool:
    return band_of(now, zone) == "night"


def required_capabilities(call) -> set[str]:
    """Return what a responder must be able to do for this call."""
    needs = set(FAULT_NEEDS.get(call.fault_type, set()))
    if call.tow_needed or call.drivable is False:
        needs.add("towing")
    if call.needs_flatbed:
        needs |= {"towing", "flatbed"}
    return needs


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
    learned: bool = False  # the estimate uses speeds or set-off times learned from the store's rescues
    band: str = ""
    estimate: float = 0.0  # the unrounded estimate, minutes

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


class _Estimator:
    """The estimate for one kind of responder at the call's area and band, its parameters looked up once per
    proposal (a proposal ranks hundreds of responders)."""

    def __init__(self, call, *, kind: str, band: str, model: EtaModel):
        self.call, self.positioned = call, call.has_position
        self.kmh, speed_learned = model.straight_kmh(call.area, band)
        self.set_off, set_off_learned = model.set_off(kind, band)
        self.learned = speed_learned or set_off_learned
        self.approximate = model.defaults.approximate_minutes[call.area] + self.set_off

    def __call__(self, lat, lng):
        """Return (minutes, distance or None, approximate, learned): eta.estimate_minutes's set-off +
        distance / straight-line speed, or the area's typical time when either position is unknown."""
        if self.positioned and in_range(lat, lng):
            distance = haversine_km(self.call.latitude_wgs84, self.call.longitude_wgs84, lat, lng)
            return self.set_off + distance / self.kmh * 60, distance, False, self.learned
        return self.approximate, None, True, self.learned


def propose(call, units, stations, *, now: datetime, zone: str, limit: int = 3, model: EtaModel = DEFAULT_MODEL,
            coverage: Mapping[int, Coverage] | None = None, exclude: str | None = None) -> list[Candidate]:
    """Return the best `limit` responders for the call, soonest estimated arrival first.

    Only available, active units and active stations able to do the job; a station only while it is open and
    when the call is within its radius (or either position is unknown: then approximate). `exclude` leaves one
    responder out ("station:7": it did not accept in time). Ties go to the store's own units.
    """
    needs = required_capabilities(call)
    band = band_of(now, zone)
    night = band == "night"
    coverage = coverage or {}
    unit_eta, station_eta = (_Estimator(call, kind=kind, band=band, model=model) for kind in (UNIT, STATION))
    found = []
    for unit in units:
        if not unit.active or unit.status != "available" or not needs <= set(unit.capabilities or ()):
            continue
        minutes, distance, approximate, learned = unit_eta(unit.latitude_wgs84, unit.longitude_wgs84)
        stale = None
        if (unit.position_at is not None and not approximate
                and (now - unit.position_at).total_seconds() > model.stale_after_minutes * 60):
            stale = int((now - unit.position_at).total_seconds() // 60)
            minutes += model.stale_penalty_minutes
        found.append(Candidate(UNIT, unit.id, unit.name, unit.phone, math.ceil(minutes), distance, approximate, stale,
                               night, learned, band, minutes))
    for station in stations:
        if not station.active or not needs <= set(station.capabilities or ()):
            continue
        covers = coverage.get(station.id) or Coverage()
        if not covers.open_at(now, zone):
            continue
        minutes, distance, approximate, learned = station_eta(station.latitude, station.longitude)
        if distance is not None and distance > covers.radius_km:
            continue
        found.append(Candidate(STATION, station.id, station.name, station.phone, math.ceil(minutes), distance,
                               approximate, None, night, learned, band, minutes))
    found = [c for c in found if c.key != exclude]
    found.sort(key=lambda c: (c.eta_minutes, c.kind != UNIT, c.distance_km if c.distance_km is not None else 1e9,
                              c.id))
    return found[:limit]
