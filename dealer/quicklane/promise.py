"""The lane's promise (时间安心), computed: pure functions, no database, no clock.

A car needs its bay minutes (the package's standard minutes plus any extra work) from a bay with a
technician, then its wash minutes at the wash (which does not hold a bay). The lane works as many cars at
once as it has bays *and* technicians on shift: `min(bays, technicians)` servers. Cars in a bay are worked
first, for what they still need (their minutes less the time they have been in); the waiting cars follow in
the order their keys came in; a new car joins the end. A car's estimate is when its wash ends.

The owner's promise is the new car's estimate, rounded up to 5 minutes and moved to the first quarter hour
that has room under the store's cap of promises per quarter hour (each waiting owner is one promise to keep
at the lounge door).
"""
from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

QUARTER = timedelta(minutes=15)
AT_RISK_SHARE = 0.8  # at risk once 80% of the promised time has passed and the car is not ready


@dataclass(frozen=True)
class Car:
    """What one car of the queue still needs. `in_bay_since`: it is in a bay since then (else it waits);
    `washing_since`: it left the bay and is at the wash since then."""

    key: object
    bay_minutes: int
    wash_minutes: int
    in_bay_since: datetime | None = None
    washing_since: datetime | None = None


@dataclass(frozen=True)
class Lane:
    bays: int
    technicians: int  # on shift

    @property
    def servers(self) -> int:
        return max(0, min(self.bays, self.technicians))


class LaneClosed(ValueError):
    """No bay can be worked: no technician is on shift (or no bay)."""


def _minutes(value: float) -> timedelta:
    return timedelta(minutes=value)


def forecast(now: datetime, lane: Lane, cars: Iterable[Car]) -> dict:
    """Return each car's estimated ready time {key: datetime}, the queue worked as the module says.

    `cars`: the cars not ready yet, waiting ones in queue order. Raises LaneClosed when a car needs a bay
    and the lane has no server.
    """
    cars = list(cars)
    ready: dict = {}
    washing = [car for car in cars if car.washing_since is not None]
    in_bay = [car for car in cars if car.washing_since is None and car.in_bay_since is not None]
    waiting = [car for car in cars if car.washing_since is None and car.in_bay_since is None]
    for car in washing:
        ready[car.key] = max(now, car.washing_since + _minutes(car.wash_minutes))
    if not in_bay and not waiting:
        return ready
    if lane.servers == 0:
        raise LaneClosed()
    free = [now] * lane.servers  # when each server is free next
    heapq.heapify(free)
    # Cars in a bay first, the one closest to done first; then the waiting ones in their order.
    in_bay.sort(key=lambda car: car.in_bay_since + _minutes(car.bay_minutes))
    for car in in_bay + waiting:
        start = heapq.heappop(free)
        if car.in_bay_since is not None:
            left = max(timedelta(0), car.in_bay_since + _minutes(car.bay_minutes) - now)
        else:
            left = _minutes(car.bay_minutes)
        out_of_bay = start + left
        heapq.heappush(free, out_of_bay)
        ready[car.key] = out_of_bay + _minutes(car.wash_minutes)
    return ready


def estimate_new(now: datetime, lane: Lane, queue: Iterable[Car], bay_minutes: int, wash_minutes: int) -> datetime:
    """Return when a new car with these minutes would be ready if its key came in now. Raises LaneClosed."""
    new = Car(key=object(), bay_minutes=bay_minutes, wash_minutes=wash_minutes)
    return forecast(now, lane, [*queue, new])[new.key]


def round_up(moment: datetime, minutes: int = 5) -> datetime:
    """Round up to the next whole `minutes` (seconds dropped first when they are zero)."""
    step = timedelta(minutes=minutes)
    base = moment.replace(second=0, microsecond=0)
    if base < moment:
        base += timedelta(minutes=1)
    over = timedelta(minutes=base.minute % minutes)
    return base if not over else base + step - over


def quarter_of(moment: datetime) -> datetime:
    return moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)


@dataclass(frozen=True)
class Promise:
    at: datetime  # what the owner is promised
    estimate: datetime  # when the car would be ready, the lane as it is
    moved: bool  # the estimate's quarter hour was full: the promise is the next time that can be kept


def promise(estimate: datetime, *, promised_per_quarter: Mapping[datetime, int], cap: int) -> Promise:
    """Round the estimate up and keep it under the cap: each quarter hour holds at most `cap` promises.

    `promised_per_quarter`: the promises already given, counted by the start of their quarter hour.
    """
    at = round_up(estimate)
    quarter = quarter_of(at)
    moved = False
    while promised_per_quarter.get(quarter, 0) >= cap:
        quarter += QUARTER
        moved = True
    if moved:
        at = quarter
    return Promise(at=at, estimate=estimate, moved=moved)


def at_risk(now: datetime, *, key_at: datetime, promised_at: datetime, ready: bool) -> bool:
    """At risk: 80% of the promised time has passed and the car is not ready (late cars are at risk too)."""
    if ready:
        return False
    return now - key_at >= (promised_at - key_at) * AT_RISK_SHARE


def late(now: datetime, *, promised_at: datetime, ready: bool) -> bool:
    return not ready and now > promised_at
