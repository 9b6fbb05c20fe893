"""The emergency-assurance figures (紧急时安心指标) of a month, from what the calls recorded. Pure functions.

Time to dispatch = first dispatch - call received; time to arrival = on scene - call received (minutes).
Within target: against the store's targets (RescueSettings), arrival by the call's area. A call never
dispatched or never reached counts in `calls` but not in the times or the shares.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from dealer.rescue.eta import median, percentile
from dealer.rescue.models import CANCELLED, COMPLETED


@dataclass(frozen=True)
class CallFacts:
    """The columns of one call the figures read."""

    received_at: datetime
    dispatched_at: datetime | None
    arrived_at: datetime | None
    area: str
    fault_type: str | None
    state: str
    unit_id: int | None
    station_id: int | None
    leg_dispatched_at: datetime | None = None
    estimate_minutes: float | None = None


@dataclass
class Row:
    """One line of the figures: a unit, a station, a fault type, or the whole month."""

    key: str
    label: str
    calls: int = 0
    completed: int = 0
    cancelled: int = 0
    dispatch: list = field(default_factory=list)  # minutes
    arrival: list = field(default_factory=list)
    dispatch_within: int = 0
    arrival_within: int = 0

    @property
    def dispatch_median(self):
        return _round(median(self.dispatch))

    @property
    def dispatch_p90(self):
        return _round(percentile(self.dispatch, 90))

    @property
    def arrival_median(self):
        return _round(median(self.arrival))

    @property
    def arrival_p90(self):
        return _round(percentile(self.arrival, 90))

    @property
    def dispatch_within_pct(self):
        return round(100 * self.dispatch_within / len(self.dispatch)) if self.dispatch else None

    @property
    def arrival_within_pct(self):
        return round(100 * self.arrival_within / len(self.arrival)) if self.arrival else None


def _round(value):
    return round(value, 1) if value is not None else None


@dataclass
class Figures:
    month: date
    total: Row
    by_unit: list[Row]
    by_station: list[Row]
    by_fault: list[Row]
    per_day: dict  # {date: calls}
    per_hour: list[int]  # calls received in each hour of the day (0-23) at the store
    estimate_error: float | None  # median |arrival - estimate| of the month's legs that stored one, minutes
    estimates: int


def _minutes(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 60


def _count(row: Row, call: CallFacts, *, dispatch_target: int, arrival_target: int) -> None:
    row.calls += 1
    row.completed += call.state == COMPLETED
    row.cancelled += call.state == CANCELLED
    if call.dispatched_at is not None:
        minutes = _minutes(call.received_at, call.dispatched_at)
        row.dispatch.append(minutes)
        row.dispatch_within += minutes <= dispatch_target
    if call.arrived_at is not None:
        minutes = _minutes(call.received_at, call.arrived_at)
        row.arrival.append(minutes)
        row.arrival_within += minutes <= arrival_target


def month_figures(calls: list[CallFacts], *, month: date, zone: str, settings, unit_names: dict,
                  station_names: dict, fault_labels: dict, total_label: str) -> Figures:
    """Return the month's figures from its calls (received in the month at the store)."""
    total = Row("all", total_label)
    units, stations, faults = {}, {}, {}
    per_day, per_hour, errors = Counter(), [0] * 24, []
    local = ZoneInfo(zone)
    for call in calls:
        targets = {"dispatch_target": settings.dispatch_target_minutes,
                   "arrival_target": settings.arrival_minutes(call.area)}
        _count(total, call, **targets)
        if call.unit_id is not None:
            row = units.setdefault(call.unit_id, Row(f"unit:{call.unit_id}", unit_names.get(call.unit_id, "?")))
            _count(row, call, **targets)
        if call.station_id is not None:
            row = stations.setdefault(call.station_id,
                                      Row(f"station:{call.station_id}", station_names.get(call.station_id, "?")))
            _count(row, call, **targets)
        fault = call.fault_type or "other"
        _count(faults.setdefault(fault, Row(fault, str(fault_labels.get(fault, fault)))), call, **targets)
        received = call.received_at.astimezone(local)
        per_day[received.date()] += 1
        per_hour[received.hour] += 1
        if call.arrived_at is not None and call.estimate_minutes is not None and call.leg_dispatched_at is not None:
            errors.append(abs(_minutes(call.leg_dispatched_at, call.arrived_at) - call.estimate_minutes))
    by_name = defaultdict(list)
    for rows, target in ((units, "unit"), (stations, "station"), (faults, "fault")):
        by_name[target] = sorted(rows.values(), key=lambda r: (-r.calls, r.label))
    return Figures(month=month, total=total, by_unit=by_name["unit"], by_station=by_name["station"],
                   by_fault=by_name["fault"], per_day=dict(sorted(per_day.items())), per_hour=per_hour,
                   estimate_error=_round(median(errors)), estimates=len(errors))
