"""The store's time zone: stores keep their dates (today, opening hours, the month) in their own zone."""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Shanghai"


def store_zone(store=None) -> ZoneInfo:
    """Return the zone of `store` (anything with a `timezone` name), or the default for none (group level)."""
    name = getattr(store, "timezone", None) if store is not None else None
    return ZoneInfo(name or DEFAULT_TIMEZONE)


def zone_named(name: str | None) -> ZoneInfo:
    """Return the zone called `name`, or the default one when it is empty."""
    return ZoneInfo(name or DEFAULT_TIMEZONE)


def local_date(moment: datetime, store=None) -> date:
    """Return the date `moment` falls on at `store` (the default zone for none)."""
    return moment.astimezone(store_zone(store)).date()


def day_start(day: date, store=None) -> datetime:
    """The first instant of `day` at `store` (the default zone for none), in UTC."""
    return datetime.combine(day, time(), store_zone(store)).astimezone(timezone.utc)
