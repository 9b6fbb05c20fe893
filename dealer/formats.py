"""How dates and distances read, the same on every page and in every message.

One date format, Babel's "medium" in the user's language (2026年12月6日, Dec 6, 2026), and kilometres with the
thousands separators of that language (12,345 公里). Templates use them as the `day` and `km` filters. A moment
(`datetimeformat`, `store_time`) reads as babel.dates.format_datetime writes it, with the locale's patterns parsed
once per process (`at`).
"""
from __future__ import annotations

import functools
from datetime import date, datetime, timezone, tzinfo

from babel import Locale
from babel.dates import get_date_format, get_datetime_format, get_time_format, parse_pattern
from flask_babel import format_decimal, get_locale, get_timezone
from flask_babel import gettext as _

NAMED = ("short", "medium", "long", "full")


def day(value: date | None) -> str:
    """A date as people read it; '-' for none (a datetime is shown on the day it falls in the user's zone): what
    Flask-Babel's format_date gives in "medium", with the locale's pattern parsed once (lists show hundreds)."""
    if value is None:
        return "-"
    if isinstance(value, datetime):
        value = (value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)).astimezone(get_timezone())
    pattern, locale = _date_pattern(str(get_locale()), "medium")
    return pattern.apply(value, locale)


def km(value: int | None) -> str:
    """A distance in kilometres with thousands separators and the unit; '-' for none."""
    return "-" if value is None else _("%(km)s km", km=format_decimal(value))


def share(value: float | None) -> str:
    """A share in percent as every figures page prints it (`repair.measures.pct`'s one decimal): '93.5%', '-'
    without a base."""
    return "-" if value is None else f"{value}%"


def at(moment: datetime, zone: tzinfo, format: str = "short") -> str:
    """A moment on `zone`'s clock, in a named format of the user's language ("short", "medium", "long", "full")
    or a pattern ("HH:mm"): exactly what babel.dates.format_datetime gives (a naive moment is UTC's).

    Babel parses the locale's patterns at every call, and Flask-Babel looks the locale and the zone up again:
    20 µs a moment, a few milliseconds for a list of a few hundred; here the patterns are parsed once.
    """
    local = (moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)).astimezone(zone)
    locale_name = str(get_locale())
    if format in NAMED:
        joined, date_pattern, time_pattern, locale = _named_patterns(locale_name, format)
        return joined.replace("{0}", time_pattern.apply(local, locale)).replace("{1}", date_pattern.apply(local, locale))
    pattern, locale = _pattern(locale_name, format)
    return pattern.apply(local, locale)


def datetimeformat(moment: datetime | None = None, format: str | None = None) -> str:
    """Flask-Babel's `datetimeformat` filter (a moment in the user's zone), faster: `at`."""
    return at(moment if moment is not None else datetime.now(timezone.utc), get_timezone(), format or "medium")


@functools.lru_cache(maxsize=32)
def _named_patterns(locale_name: str, format: str):
    locale = Locale.parse(locale_name)
    return (get_datetime_format(format, locale=locale).replace("'", ""), get_date_format(format, locale=locale),
            get_time_format(format, locale=locale), locale)


@functools.lru_cache(maxsize=8)
def _date_pattern(locale_name: str, format: str):
    locale = Locale.parse(locale_name)
    return get_date_format(format, locale=locale), locale


@functools.lru_cache(maxsize=64)
def _pattern(locale_name: str, format: str):
    return parse_pattern(format), Locale.parse(locale_name)
