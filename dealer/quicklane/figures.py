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
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from io import BytesIO

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy.orm import aliased

from dealer.actors import Actor
from dealer.auth.models import User
from dealer.dialect import seconds_between
from dealer.errors import NotFound
from dealer.extensions import db
from dealer.inputs import CALENDAR
from dealer.quicklane.errors import LaneError
from dealer.quicklane.models import EXTRA_APPROVED, EXTRA_DECLINED, EXTRA_PENDING, LaneExtraWork, LaneOrder
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
class ExtraMinutes:
    """The month's extra work found in the bay (增项), by the owner's answer: pieces and the minutes they add."""

    approved: int = 0
    approved_minutes: int = 0
    declined: int = 0
    declined_minutes: int = 0
    pending: int = 0
    pending_minutes: int = 0


@dataclass(frozen=True)
class Figures:
    store: Store
    month: date
    total: Row
    by_day: list[Row]
    by_package: list[Row]
    by_technician: list[Row]
    by_advisor: list[Row]
    extra: ExtraMinutes = ExtraMinutes()


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
    # To the millisecond: 75 x (1 - 0.8) is 14.999999999999996 in floats, and 12.5 must round up, not down.
    warned = [round(_minutes(promised - key) * (1 - AT_RISK_SHARE), 5) for key, promised in late]
    kept = len(cars) - len(late)
    return Row(label, len(cars), _median(spans), _p90(spans),
               math.floor(100 * kept / len(cars) + 0.5) if cars else None, len(late), _median(warned))


def month_asked(text: str | None, *, now: datetime) -> date:
    """The month `text` names (YYYY-MM), the current one of the lane's calendar when empty. Raises LaneError."""
    if not text:
        today = now.astimezone(store_zone()).date()
        return date(today.year, today.month, 1)
    try:
        month = datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        month = None
    if month is None or CALENDAR.problem(month):
        raise LaneError(_l("Give the month as YYYY-MM, within the calendar."), field="month")
    return month


def month_figures(store_id: int, month: date, *, actor: Actor) -> Figures:
    """The lane's figures of a store's month (its own calendar). Raises NotFound."""
    if not sees_store(actor, store_id):
        raise NotFound()
    store = db.session.get(Store, store_id)
    start, end = _month_edges(store_zone(store), month)
    zone = store_zone(store)
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
                     for kind in ("day", "package", "technician", "advisor")],
                   extra=_extra_minutes(store_id, start, end))


def _extra_minutes(store_id: int, start: datetime, end: datetime) -> ExtraMinutes:
    """The pieces of extra work proposed in [start, end) and their stored minutes, by the owner's answer."""
    found = {answer: (int(pieces), int(minutes or 0)) for answer, pieces, minutes in db.session.execute(
        sa.select(LaneExtraWork.answer, sa.func.count(), sa.func.sum(LaneExtraWork.minutes))
        .where(LaneExtraWork.store_id == store_id, LaneExtraWork.proposed_at >= start,
               LaneExtraWork.proposed_at < end).group_by(LaneExtraWork.answer))}
    approved, declined, pending = (found.get(answer, (0, 0)) for answer in (EXTRA_APPROVED, EXTRA_DECLINED, EXTRA_PENDING))
    return ExtraMinutes(*approved, *declined, *pending)


def extra_rows(extra: ExtraMinutes) -> list[tuple[str, tuple[int, int]]]:
    """The month's extra work as rows: approved, declined, waiting (pieces, minutes)."""
    return [(_("Approved"), (extra.approved, extra.approved_minutes)),
            (_("Declined"), (extra.declined, extra.declined_minutes)),
            (_("Waiting for the owner"), (extra.pending, extra.pending_minutes))]


def _heading() -> list[str]:
    return [_("Key to ready, median (min)"), _("Key to ready, 90th percentile (min)"),
            _("Promises kept (per cent)"), _("Late"), _("At-risk flag before the promise, median (min)")]


def workbook(figures: Figures) -> BytesIO:
    """The month's figures as an Excel workbook: one sheet each for the month and days, packages, technicians
    and advisors."""
    book = Workbook()
    heading = _heading()
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
    sheet = book.create_sheet(_("Extra work"))
    sheet.append([f"{figures.store.name} {figures.month:%Y-%m}", _("Pieces"), _("Minutes added in the bay")])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for label, (pieces, minutes) in extra_rows(figures.extra):
        sheet.append([label, pieces, minutes])
    sheet.column_dimensions["A"].width = 24
    out = BytesIO()
    book.save(out)
    out.seek(0)
    return out


# -- the group's stores side by side (a group manager's table) -------------------------------------------------

@dataclass(frozen=True)
class StoreFigures:
    store: Store
    row: Row
    rank: int  # by promises kept, from 1; stores without a ready car last


def _month_edges(zone, month: date) -> tuple[datetime, datetime]:
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return (datetime.combine(month.replace(day=1), time(), zone), datetime.combine(following, time(), zone))


def _stores_month(store_ids: list[int], start: datetime, end: datetime) -> dict[int, Row]:
    """Each store's month in one grouped query: counts, the median and 90th percentile (nearest rank, the median
    of an even count the mean of the middle two, as the store's own page) and the at-risk lead over late cars."""
    span = seconds_between(LaneOrder.ready_at, LaneOrder.key_at)
    is_late = sa.case((LaneOrder.ready_at > LaneOrder.promised_at, 1), else_=0)
    lead = seconds_between(LaneOrder.promised_at, LaneOrder.key_at) * (1 - AT_RISK_SHARE)
    cars = (sa.select(
        LaneOrder.store_id.label("store_id"), span.label("span"), is_late.label("late"), lead.label("lead"),
        sa.func.row_number().over(partition_by=LaneOrder.store_id, order_by=span).label("rank"),
        sa.func.count().over(partition_by=LaneOrder.store_id).label("n"),
        sa.func.row_number().over(partition_by=(LaneOrder.store_id, is_late), order_by=lead).label("lead_rank"),
        sa.func.count().over(partition_by=(LaneOrder.store_id, is_late)).label("lead_n"))
        .where(LaneOrder.store_id.in_(store_ids), LaneOrder.key_at >= start, LaneOrder.key_at < end,
               LaneOrder.ready_at.is_not(None))).subquery()

    def middle(rank, n):
        return sa.and_(rank >= n / 2.0, rank <= n / 2.0 + 1)

    found = {}
    for store_id, n, late, median, p90, warned in db.session.execute(
            sa.select(cars.c.store_id, sa.func.count(), sa.func.sum(cars.c.late),
                      sa.func.avg(sa.case((middle(cars.c.rank, cars.c.n), cars.c.span))),
                      sa.func.min(sa.case((cars.c.rank >= cars.c.n * 0.9, cars.c.span))),
                      sa.func.avg(sa.case((sa.and_(cars.c.late == 1, middle(cars.c.lead_rank, cars.c.lead_n)),
                                           cars.c.lead))))
            .group_by(cars.c.store_id)):
        n, late = int(n), int(late or 0)
        found[int(store_id)] = Row("", n, _whole_minutes(median), _whole_minutes(p90),
                                   math.floor(100 * (n - late) / n + 0.5), late, _whole_minutes(warned))
    return found


def _whole_minutes(seconds) -> int | None:
    # Whole seconds first: SQLite's julianday arithmetic is a hair off the second.
    return None if seconds is None else math.floor(round(float(seconds)) / 60 + 0.5)


def stores_side_by_side(month: date, *, actor: Actor) -> list[StoreFigures]:
    """Each store's quick-lane month the actor sees (a group manager: every active store), ranked by promises
    kept (then by cars). One grouped query per time zone of the stores, whatever the rows or stores."""
    stores = list(db.session.scalars(sa.select(Store).where(Store.active, *(
        [Store.id == actor.store_id] if actor.store_id is not None else [])).order_by(Store.code)))
    by_zone: dict[str, list[Store]] = {}
    for store in stores:
        by_zone.setdefault(str(store_zone(store)), []).append(store)
    rows = {}
    for group in by_zone.values():
        rows.update(_stores_month([store.id for store in group], *_month_edges(store_zone(group[0]), month)))
    empty = Row("", 0, None, None, None, 0, None)
    ordered = sorted(((store, rows.get(store.id, empty)) for store in stores),
                     key=lambda pair: (pair[1].kept_pct is None, -(pair[1].kept_pct or 0), -pair[1].cars,
                                       pair[0].code))
    return [StoreFigures(store, replace(row, label=store.code), rank)
            for rank, (store, row) in enumerate(ordered, start=1)]


def group_workbook(month: date, stores: list[StoreFigures]) -> BytesIO:
    """The stores side by side as an Excel workbook (one sheet)."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Stores")
    sheet.append([f"{month:%Y-%m}", _("Store"), _("Cars"), *_heading()])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for entry in stores:
        row = entry.row
        sheet.append([entry.rank, f"{entry.store.code} {entry.store.name}", row.cars, row.median_minutes,
                      row.p90_minutes, row.kept_pct, row.late, row.warned_minutes])
    sheet.column_dimensions["B"].width = 28
    out = BytesIO()
    book.save(out)
    out.seek(0)
    return out
