"""The lane's figures for a month (快修指标): key hand-over to ready (median, 90th percentile), the share of
promises kept, and how early the at-risk flag warned; for the month, each day, each package, technician and
advisor; and the same as an Excel workbook (openpyxl). The read side: never commits.

A car counts on the local day its key came in, once it was ready (the cars that left the lane or were closed
before ready are not the lane's to count). The at-risk flag rises at 80% of the promised span
(`promise.AT_RISK_SHARE`): for a car that was late, "how early it warned" is the minutes from the flag to the
promise, its median over the late cars.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from io import BytesIO

import sqlalchemy as sa
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy.orm import aliased

from dealer.actors import Actor
from dealer.auth.models import User
from dealer.errors import NotFound
from dealer.extensions import db
from dealer.quicklane.models import LaneOrder
from dealer.quicklane.promise import AT_RISK_SHARE
from dealer.stores.models import Store
from dealer.stores.services import sees_store
from dealer.timezones import store_zone


@dataclass(frozen=True)
class Row:
    label: str
    cars: int
    median_minutes: int | None  # key hand-over to ready
    p90_minutes: int | None
    kept_pct: int | None  # promises kept, in percent
    late: int
    warned_minutes: int | None  # median minutes the at-risk flag rose before the promise, over the late cars


@dataclass(frozen=True)
class Figures:
    store: Store
    month: date
    total: Row
    by_day: list[Row]
    by_package: list[Row]
    by_technician: list[Row]
    by_advisor: list[Row]


def _minutes(delta: timedelta) -> float:
    return delta / timedelta(minutes=1)


def _median(values: list[float]) -> int | None:
    if not values:
        return None
    ordered, middle = sorted(values), len(values) // 2
    value = ordered[middle] if len(values) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return math.floor(value + 0.5)


def _p90(values: list[float]) -> int | None:
    """The 90th percentile, nearest rank: the value 90% of the cars did not exceed."""
    if not values:
        return None
    ordered = sorted(values)
    return math.floor(ordered[math.ceil(0.9 * len(ordered)) - 1] + 0.5)


def _row(label: str, cars: list[tuple]) -> Row:
    spans = [_minutes(ready - key) for key, promised, ready in cars]
    late = [(key, promised) for key, promised, ready in cars if ready > promised]
    warned = [_minutes(promised - key) * (1 - AT_RISK_SHARE) for key, promised in late]
    kept = len(cars) - len(late)
    return Row(label, len(cars), _median(spans), _p90(spans),
               math.floor(100 * kept / len(cars) + 0.5) if cars else None, len(late), _median(warned))


def month_figures(store_id: int, month: date, *, actor: Actor) -> Figures:
    """The lane's figures of a store's month (its own calendar). Raises NotFound."""
    if not sees_store(actor, store_id):
        raise NotFound()
    store = db.session.get(Store, store_id)
    zone = store_zone(store)
    start = datetime.combine(month.replace(day=1), time(), zone)
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    end = datetime.combine(following, time(), zone)
    technician, advisor = aliased(User), aliased(User)
    rows = db.session.execute(
        sa.select(LaneOrder.key_at, LaneOrder.promised_at, LaneOrder.ready_at, LaneOrder.package_name,
                  sa.func.coalesce(technician.full_name, ""), sa.func.coalesce(advisor.full_name, ""))
        .outerjoin(technician, technician.id == LaneOrder.technician_id)
        .outerjoin(advisor, advisor.id == LaneOrder.advisor_id)
        .where(LaneOrder.store_id == store_id, LaneOrder.key_at >= start, LaneOrder.key_at < end,
               LaneOrder.ready_at.is_not(None))).all()
    groups: dict[str, dict[str, list]] = {"day": {}, "package": {}, "technician": {}, "advisor": {}}
    for key, promised, ready, package, technician_name, advisor_name in rows:
        car = (key, promised, ready)
        for kind, label in (("day", key.astimezone(zone).date().isoformat()), ("package", package),
                            ("technician", technician_name or "-"), ("advisor", advisor_name or "-")):
            groups[kind].setdefault(label, []).append(car)
    every = [(key, promised, ready) for key, promised, ready, *_ in rows]
    return Figures(store, month.replace(day=1), _row(_("Month"), every),
                   *[[_row(label, cars) for label, cars in sorted(groups[kind].items())]
                     for kind in ("day", "package", "technician", "advisor")])


def workbook(figures: Figures) -> BytesIO:
    """The month's figures as an Excel workbook: one sheet each for the month and days, packages, technicians
    and advisors."""
    book = Workbook()
    heading = [_("Key to ready, median (min)"), _("Key to ready, 90th percentile (min)"),
               _("Promises kept (per cent)"), _("Late"), _("At-risk flag before the promise, median (min)")]
    sheets = ((_("By day"), [figures.total, *figures.by_day]), (_("By package"), figures.by_package),
              (_("By technician"), figures.by_technician), (_("By advisor"), figures.by_advisor))
    for index, (title, rows) in enumerate(sheets):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet.title = title
        sheet.append([f"{figures.store.name} {figures.month:%Y-%m}", _("Cars"), *heading])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([row.label, row.cars, row.median_minutes, row.p90_minutes, row.kept_pct, row.late,
                          row.warned_minutes])
        sheet.column_dimensions["A"].width = 24
    out = BytesIO()
    book.save(out)
    out.seek(0)
    return out
