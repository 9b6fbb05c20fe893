"""How dates and distances read, the same on every page and in every message.

One date format, Babel's "medium" in the user's language (2026年12月6日, Dec 6, 2026), and kilometres with the
thousands separators of that language (12,345 公里). Templates use them as the `day` and `km` filters.
"""
from __future__ import annotations

from datetime import date

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _


def day(value: date | None) -> str:
    """A date as people read it; '-' for none (a datetime is shown on the day it falls in the local zone)."""
    return "-" if value is None else format_date(value, "medium")


def km(value: int | None) -> str:
    """A distance in kilometres with thousands separators and the unit; '-' for none."""
    return "-" if value is None else _("%(km)s km", km=format_decimal(value))
