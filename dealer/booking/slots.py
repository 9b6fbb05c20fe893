"""Which start times are free (pure functions: no database, unit tested on their own).

A start time is a quarter hour of an open day part. It is free when the day is not closed, the moment is
still ahead, the bucket of its day part and service kind has the service's labor minutes and a bay left,
and its quarter has a check-in left under the advisors' cap.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dealer.booking.models import QUARTER_MINUTES


@dataclass(frozen=True)
class PartHours:
    day_part: str
    opens_minute: int
    closes_minute: int


@dataclass(frozen=True)
class Room:
    """A bucket's capacity and what bookings and live holds use of it."""

    capacity_minutes: int
    bays: int
    used_minutes: int = 0
    used_bays: int = 0

    def fits(self, minutes: int) -> bool:
        return self.used_minutes + minutes <= self.capacity_minutes and self.used_bays + 1 <= self.bays


def quarter_starts(hours: PartHours) -> list[int]:
    """The minutes after midnight at which a booking may start in this day part (every 15 minutes)."""
    return list(range(hours.opens_minute, hours.closes_minute, QUARTER_MINUTES))


def local_moment(day: date, minute: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)


def part_of(hours: list[PartHours], minute: int) -> PartHours | None:
    """The day part whose opening hours hold this start minute, or None (outside the opening hours)."""
    for part in hours:
        if minute in quarter_starts(part):
            return part
    return None


def free_times(day: date, *, hours: list[PartHours], closed: bool, rooms: dict[str, Room], minutes: int,
               quarter_used: dict[datetime, int], cap: int, zone: ZoneInfo, now: datetime) -> list[datetime]:
    """Return the day's free start times (aware, in the store's zone), earliest first.

    `rooms`: the service kind's room per day part (a part without one offers nothing); `quarter_used`: the
    check-ins per quarter start (UTC) counted so far.
    """
    if closed:
        return []
    found = []
    for part in sorted(hours, key=lambda p: p.opens_minute):
        room = rooms.get(part.day_part)
        if room is None or not room.fits(minutes):
            continue
        for minute in quarter_starts(part):
            moment = local_moment(day, minute, zone)
            if moment <= now:
                continue
            if quarter_used.get(moment.astimezone(now.tzinfo), 0) >= cap:
                continue
            found.append(moment)
    return found


def nearest(free: dict[date, list[datetime]], wanted: datetime, count: int = 3) -> list[datetime]:
    """The `count` free times nearest to the wanted one (a full slot's alternatives), in time order."""
    every = [moment for times in free.values() for moment in times]
    return sorted(sorted(every, key=lambda moment: abs(moment - wanted))[:count])


def days_ahead(first: date, count: int) -> list[date]:
    return [first + timedelta(days=offset) for offset in range(count)]
