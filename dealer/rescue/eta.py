"""The arrival estimate (预计到达) and what it learns from the store's own recorded rescues. Pure functions.

Estimated arrival = set-off time + straight-line (haversine) distance / straight-line speed, where the
straight-line speed is the average road speed divided by the road factor (roads are longer than the line).
From what a rescue records (the straight-line distance at dispatch, when the crew set off, when it arrived)
only the quotient speed / factor can be measured, so that is what is learned, per area and hour-of-day band,
with the set-off minutes per kind of responder and band. A cell is learned once it has `MIN_SAMPLES` rescues;
before that the configured defaults hold (25 km/h in town, 50 outside, factor 1.4; set off in 5 minutes
(units) or 10 (stations), 5 more at night).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from dealer.rescue.models import OUTSIDE, TOWN

UNIT = "unit"
STATION = "station"
# Hour-of-day bands at the store: night is slower to set off, rush hour slower to drive.
NIGHT = "night"   # 22:00-06:00
RUSH = "rush"     # 07:00-09:00 and 17:00-19:00
DAY = "day"
BANDS = (NIGHT, RUSH, DAY)
MIN_SAMPLES = 20  # rescues in a cell before its learned value replaces the default
# What is learned (rescue_learned_eta.measure): the straight-line speed per area and band, the set-off per kind.
STRAIGHT_KMH = "straight_kmh"
SET_OFF = {UNIT: "set_off_unit", STATION: "set_off_station"}
ERROR = "error"  # the median absolute error of past estimates, minutes (area and band "all")
ALL = "all"


def band_of(moment: datetime, zone: str) -> str:
    """Return the hour-of-day band of a moment at the store."""
    hour = moment.astimezone(ZoneInfo(zone)).hour
    if hour >= 22 or hour < 6:
        return NIGHT
    if 7 <= hour < 9 or 17 <= hour < 19:
        return RUSH
    return DAY


def median(values: list[float]) -> float | None:
    return percentile(values, 50)


def percentile(values: Iterable[float], p: float) -> float | None:
    """The p-th percentile by linear interpolation between the closest ranks (as PostgreSQL percentile_cont)."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Defaults:
    """The configured model, used where nothing is learned yet."""

    speed_kmh: Mapping = field(default_factory=lambda: {TOWN: 25.0, OUTSIDE: 50.0})
    road_factor: float = 1.4
    set_off_minutes: Mapping = field(default_factory=lambda: {UNIT: 5, STATION: 10})
    night_extra_minutes: int = 5
    approximate_minutes: Mapping = field(default_factory=lambda: {TOWN: 25, OUTSIDE: 50})


DEFAULTS = Defaults()


@dataclass(frozen=True)
class Sample:
    """One recorded rescue leg: who went, where, when, how far (straight line) and how long each part took."""

    kind: str            # UNIT or STATION
    area: str            # TOWN or OUTSIDE
    band: str            # the band at dispatch
    distance_km: float   # straight line at dispatch
    set_off_minutes: float | None   # dispatched -> set off (None: the crew never said it set off)
    travel_minutes: float | None    # set off -> on scene
    error_minutes: float | None = None  # arrived - estimated arrival (None: no estimate was stored)


@dataclass(frozen=True)
class Learned:
    """A learned value and how many rescues it comes from."""

    value: float
    samples: int


def learn(samples: Iterable[Sample], *, min_samples: int = MIN_SAMPLES) -> dict[tuple[str, str, str], Learned]:
    """Learn from recorded rescues: {(measure, area, band): Learned} for the cells with enough of them.

    The straight-line speed of a cell is the median of its rescues' distance / travel time (the median: one
    crew stuck behind an accident does not move it); set-off is the median of the set-off minutes. The error
    is the median of |arrived - estimated| over every rescue that stored its estimate (key (ERROR, ALL, ALL)),
    learned from any number of them.
    """
    speeds, set_offs, errors = defaultdict(list), defaultdict(list), []
    for sample in samples:
        if sample.travel_minutes is not None and sample.travel_minutes > 0 and sample.distance_km > 0:
            speeds[(sample.area, sample.band)].append(sample.distance_km / sample.travel_minutes * 60)
        if sample.set_off_minutes is not None and sample.set_off_minutes >= 0:
            set_offs[(sample.kind, sample.band)].append(sample.set_off_minutes)
        if sample.error_minutes is not None:
            errors.append(abs(sample.error_minutes))
    found = {}
    for (area, band), values in speeds.items():
        if len(values) >= min_samples:
            found[(STRAIGHT_KMH, area, band)] = Learned(round(median(values), 3), len(values))
    for (kind, band), values in set_offs.items():
        if len(values) >= min_samples:
            found[(SET_OFF[kind], ALL, band)] = Learned(round(median(values), 3), len(values))
    if errors:
        found[(ERROR, ALL, ALL)] = Learned(round(median(errors), 3), len(errors))
    return found


@dataclass(frozen=True)
class EtaModel:
    """What a proposal estimates with: the defaults, what was learned, and the store's stale-position rule."""

    learned: Mapping = field(default_factory=dict)  # {(measure, area, band): Learned}
    defaults: Defaults = DEFAULTS
    stale_after_minutes: int = 15  # a unit's position older than this counts less
    stale_penalty_minutes: int = 10

    def straight_kmh(self, area: str, band: str) -> tuple[float, bool]:
        """Return (straight-line km/h, learned?)."""
        found = self.learned.get((STRAIGHT_KMH, area, band))
        if found is not None:
            return found.value, True
        return self.defaults.speed_kmh[area] / self.defaults.road_factor, False

    def set_off(self, kind: str, band: str) -> tuple[float, bool]:
        """Return (set-off minutes, learned?)."""
        found = self.learned.get((SET_OFF[kind], ALL, band))
        if found is not None:
            return found.value, True
        extra = self.defaults.night_extra_minutes if band == NIGHT else 0
        return self.defaults.set_off_minutes[kind] + extra, False

    @property
    def error(self) -> Learned | None:
        """The median error of past estimates (minutes), or None before any estimate was compared."""
        return self.learned.get((ERROR, ALL, ALL))


def estimate_minutes(distance_km: float, *, kind: str, area: str, band: str, model: EtaModel) -> tuple[float, bool]:
    """Return (minutes to arrival, learned?) for a responder `distance_km` away in a straight line."""
    kmh, speed_learned = model.straight_kmh(area, band)
    set_off, set_off_learned = model.set_off(kind, band)
    return set_off + distance_km / kmh * 60, speed_learned or set_off_learned
