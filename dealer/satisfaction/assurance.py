"""The five assurances (五个安心) measured from the records, per store and month, aggregated in SQL.

- time (时间安心): orders ready in the month that had a promised time; on time when ready by it; the average
  lateness of the late ones.
- cost (费用安心): orders settled in the month; within when the owner's bill is within the approved amount
  (anything under 100 % is a defect, shown loudly).
- quality (质量安心): orders settled in the month; first-time fix unless a confirmed comeback (返修) later points
  at one of its jobs; the comeback rate is the share that are themselves confirmed comebacks; QC first pass
  when the order was checked and no check failed.
- after repair (修后安心): follow-ups of repair and quick-lane orders served in the month; done within the
  deadline when the form (link or phone) came in by the due time; the average feedback score; open cases.
- emergency (紧急时安心): rescue calls received in the month, not cancelled; dispatched within 5 minutes and on
  scene within the area's target (rescue's own targets); median and 90th-percentile arrival (nearest rank).

A period is a store-local month. The figures of several months (the 12-month trend) or of several stores (the
group ranking) come in one grouped query per measure: months are told apart by a CASE over their bounds, so each
query is one index range on (store_id, time) whatever the number of rows. Closed months are read from the monthly
roll-up (`rollup`: the same counts, written nightly) when it has them; the current month's orders up to the night
too, with the orders since and its follow-ups and rescues counted live (`month_figures`).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, fields
from datetime import date, datetime

import sqlalchemy as sa

from dealer.database import utcnow
from dealer.dialect import seconds_between
from dealer.extensions import db
from dealer.repair import measures
from dealer.repair.models import RepairOrder
from dealer.rescue.models import CANCELLED as RESCUE_CANCELLED
from dealer.rescue.models import OUTSIDE, TOWN, RescueCall, RescueSettings
from dealer.satisfaction import rollup
from dealer.satisfaction.models import (
    OPEN,
    QUICK_LANE,
    REPAIR_ORDER,
    FollowUp,
    SatisfactionCase,
)
from dealer.satisfaction.services.month import month_bounds, next_month
from dealer.timezones import store_zone

# A moment compared with a target in seconds: julianday arithmetic on SQLite is a float a hair off.
_SLACK = 0.001


pct = measures.pct  # one definition of a share, repair's (the repair figures page prints the same)


@dataclass
class Figures:
    """One store's month: every assurance's counts (each figure's n beside it) and what follows from them."""

    ready: int = 0            # time: orders ready with a promised time
    on_time: int = 0
    late_seconds: float = 0.0  # summed over the late ones
    settled: int = 0          # cost and quality: orders settled
    within: int = 0           # bill within the approved amount
    came_back: int = 0        # a later confirmed comeback points at it
    comebacks: int = 0        # it is itself a confirmed comeback
    checked: int = 0          # QC checked
    first_pass: int = 0       # and no check failed
    follow_ups: int = 0       # after repair
    done_in_time: int = 0
    forms: int = 0
    points: int = 0
    open_cases: int = 0
    rescues: int = 0          # emergency
    dispatched_in_target: int = 0
    arrived: int = 0
    arrived_in_target: int = 0
    arrival_median: float | None = None  # minutes
    arrival_p90: float | None = None

    @property
    def on_time_pct(self):
        return pct(self.on_time, self.ready)

    @property
    def late(self) -> int:
        return self.ready - self.on_time

    @property
    def average_lateness_minutes(self):
        return measures.average_minutes(self.late_seconds, self.late)

    @property
    def within_pct(self):
        return pct(self.within, self.settled)

    @property
    def cost_defect(self) -> bool:
        return self.within < self.settled

    @property
    def first_time_fix_pct(self):
        return pct(self.settled - self.came_back, self.settled)

    @property
    def comeback_pct(self):
        return pct(self.comebacks, self.settled)

    @property
    def first_pass_pct(self):
        return pct(self.first_pass, self.checked)

    @property
    def done_in_time_pct(self):
        return pct(self.done_in_time, self.follow_ups)

    @property
    def average_score(self):
        return round(self.points / self.forms, 2) if self.forms else None

    @property
    def dispatched_pct(self):
        return pct(self.dispatched_in_target, self.rescues)

    @property
    def arrived_pct(self):
        return pct(self.arrived_in_target, self.rescues)


MEASURES = tuple(field.name for field in fields(Figures))  # what the roll-up keeps, one row each
# What a partial month keeps (the orders' counts, `_orders`): each order's part is fixed once its time has passed
# (ready only from a passed QC check, a bill fixed at settlement, a comeback confirmed only before its own
# settlement, a reversal an order of its own), but for a comeback confirmed later against it, which marks its
# month stale. A sum over orders, so the night's part and the part since add up.
ORDER_MEASURES = ("ready", "on_time", "late_seconds", "settled", "within", "came_back", "comebacks", "checked",
                  "first_pass")


def counts(figure: Figures) -> dict[str, float | None]:
    """What the roll-up keeps of a store-month: every field of its Figures (counts and sums, never a ratio)."""
    return {name: getattr(figure, name) for name in MEASURES}


def from_counts(values: dict[str, float | None]) -> Figures:
    """The Figures of a rolled-up store-month (counts come back as whole numbers, sums as they were)."""
    kept = {}
    for field in fields(Figures):
        value = values.get(field.name)
        if field.type == "int":
            kept[field.name] = int(value or 0)
        elif field.type == "float":
            kept[field.name] = float(value or 0)
        else:
            kept[field.name] = None if value is None else float(value)
    return Figures(**kept)


def period_index(column, bounds: list[datetime]):
    """Which period a moment falls in (0..len-2), for moments within bounds[0] <= m < bounds[-1]."""
    whens = [(column < bound, index) for index, bound in enumerate(bounds[1:-1])]
    return sa.case(*whens, else_=len(bounds) - 2) if whens else sa.literal(0)


def _month_bucket(column, months: list[date]):
    whens = [(column == month, index) for index, month in enumerate(months)]
    return sa.case(*whens, else_=-1)


def _count_if(condition):
    return sa.func.sum(sa.case((condition, 1), else_=0))


def figures(store_ids: list[int], bounds: list[datetime], months: list[date]) -> dict[tuple[int, int], Figures]:
    """The figures of each store and period: `bounds` the periods' UTC edges (n + 1), `months` their 1sts.

    Seven grouped queries, whatever the rows, stores or periods.
    """
    found: dict[tuple[int, int], Figures] = {}

    def at(store_id, index) -> Figures:
        return found.setdefault((int(store_id), int(index)), Figures())

    _orders(store_ids, bounds, at)
    _after_repair(store_ids, months, at)
    _emergency(store_ids, bounds, at)
    return found


# The statements are built once for each shape (the number of periods or months, few or not) with their values as
# parameters: building a dozen statements of CASEs and sums, and their cache keys, cost more than a page's SQL.
_STORE_IDS = sa.bindparam("store_ids", expanding=True)


def _edges(count: int, type_) -> list:
    """The periods' edges as parameters edge_0 .. edge_{count - 1} (`_edge_values` gives their values)."""
    return [sa.bindparam(f"edge_{index}", type_=type_) for index in range(count)]


def _edge_values(store_ids, bounds) -> dict:
    return {"store_ids": list(store_ids), **{f"edge_{index}": bound for index, bound in enumerate(bounds)}}


@functools.cache
def _ready_statement(edges: int):
    """Time: ready orders that had a promise (repair.measures, as repair's own figures), by period."""
    order = RepairOrder
    bounds = _edges(edges, order.ready_at.type)
    ready = period_index(order.ready_at, bounds)
    return (sa.select(order.store_id, ready, sa.func.count(), _count_if(sa.not_(measures.late())),
                      sa.func.sum(measures.late_seconds()))
            .where(order.store_id.in_(_STORE_IDS), measures.promised(), order.ready_at >= bounds[0],
                   order.ready_at < bounds[-1])
            .group_by(order.store_id, ready))


@functools.cache
def _settled_statement(edges: int, few: bool):
    """Cost and quality: settled orders, by period."""
    order = RepairOrder
    bounds = _edges(edges, order.settled_at.type)
    settled = period_index(order.settled_at, bounds)
    return (sa.select(order.store_id, settled, sa.func.count(),
                      _count_if(sa.func.coalesce(order.customer_total_fen, 0) <= order.approved_total_fen),
                      _count_if(measures.came_back(_STORE_IDS, few=few)),
                      _count_if(measures.is_comeback(_STORE_IDS, few=few)),
                      _count_if(measures.qc_checked()), _count_if(measures.qc_checked(False)))
            .where(order.store_id.in_(_STORE_IDS), measures.counted(order.settled_at), order.settled_at >= bounds[0],
                   order.settled_at < bounds[-1])
            .group_by(order.store_id, settled))


def _orders(store_ids, bounds, at, *, few: bool = False) -> None:
    """The orders' measures (ORDER_MEASURES) by the period their time falls in: two grouped queries. `few`: the
    orders of the hours since the night (`measures.came_back`)."""
    values = _edge_values(store_ids, bounds)
    for store_id, index, n, on_time, late_seconds in db.session.execute(_ready_statement(len(bounds)), values):
        figure = at(store_id, index)
        figure.ready, figure.on_time, figure.late_seconds = int(n), int(on_time or 0), float(late_seconds or 0)
    for store_id, index, n, within, came_back, comebacks, checked, failed in db.session.execute(
            _settled_statement(len(bounds), few), values):
        figure = at(store_id, index)
        figure.settled, figure.within = int(n), int(within or 0)
        figure.came_back, figure.comebacks = int(came_back or 0), int(comebacks or 0)
        figure.checked, figure.first_pass = int(checked or 0), int(checked or 0) - int(failed or 0)


@functools.cache
def _after_repair_statements(count: int):
    """Follow-ups of repair and quick-lane orders by the month they were served in (`count` months), and their open
    cases. The form's time and points are kept on the follow-up when the form is recorded (`answered_at`,
    `points`): the follow-ups alone, no join to the forms."""
    months = [sa.bindparam(f"month_{index}", type_=FollowUp.service_month.type) for index in range(count)]
    month = _month_bucket(FollowUp.service_month, months)
    served = (FollowUp.store_id.in_(_STORE_IDS), FollowUp.service_month.in_(months),
              FollowUp.source_kind.in_((REPAIR_ORDER, QUICK_LANE)))
    in_time = sa.and_(FollowUp.answered_at.is_not(None), FollowUp.answered_at <= FollowUp.due_at)
    follow_ups = (sa.select(FollowUp.store_id, month, sa.func.count(FollowUp.id), _count_if(in_time),
                            sa.func.count(FollowUp.answered_at), sa.func.sum(FollowUp.points))
                  .where(*served).group_by(FollowUp.store_id, month))
    cases = (sa.select(FollowUp.store_id, month, sa.func.count(SatisfactionCase.id))
             .join(SatisfactionCase, sa.and_(SatisfactionCase.follow_up_id == FollowUp.id,
                                             SatisfactionCase.store_id == FollowUp.store_id))
             .where(*served, SatisfactionCase.state == OPEN).group_by(FollowUp.store_id, month))
    return follow_ups, cases


def _after_repair(store_ids, months, at) -> None:
    """Follow-ups of repair and quick-lane orders by the month they were served in, and their open cases."""
    follow_ups, cases = _after_repair_statements(len(months))
    values = {"store_ids": list(store_ids), **{f"month_{index}": month for index, month in enumerate(months)}}
    for store_id, index, n, done, forms, points in db.session.execute(follow_ups, values):
        figure = at(store_id, index)
        figure.follow_ups, figure.done_in_time, figure.forms, figure.points = (
            int(n), int(done or 0), int(forms), int(points or 0))
    for store_id, index, n in db.session.execute(cases, values):
        at(store_id, index).open_cases = int(n)


def order_counts(store_id: int, start: datetime, until: datetime) -> Figures:
    """A store's orders' measures (ORDER_MEASURES; the rest zero) from `start` up to `until`: what the night
    keeps of the current month."""
    found: dict[int, Figures] = {}
    _orders([store_id], [start, until], lambda _store_id, _index: found.setdefault(0, Figures()))
    return found.get(0, Figures())


def _store_minutes(column):
    """A store's rescue target in minutes (rescue_settings, outer-joined), or the default a store without a row has."""
    return sa.func.coalesce(column, column.default.arg)


def dispatch_in_target():
    seconds = seconds_between(RescueCall.dispatched_at, RescueCall.received_at)
    return sa.and_(RescueCall.dispatched_at.is_not(None),
                   seconds <= _store_minutes(RescueSettings.dispatch_target_minutes) * 60 + _SLACK)


def arrival_in_target():
    """Arrived within the store's target for the area (town or outside; the expressway's leg is not ours)."""
    seconds = seconds_between(RescueCall.arrived_at, RescueCall.received_at)
    target = sa.case((RescueCall.area == TOWN, _store_minutes(RescueSettings.arrival_town_minutes)),
                     else_=_store_minutes(RescueSettings.arrival_outside_minutes))
    return sa.and_(RescueCall.area.in_((TOWN, OUTSIDE)), seconds <= target * 60 + _SLACK)


def with_targets(stmt):
    return stmt.outerjoin(RescueSettings, RescueSettings.store_id == RescueCall.store_id)


@functools.cache
def _emergency_statements(edges: int):
    """Rescue calls received in each period, not cancelled: the counts, and the arrival's median and 90th
    percentile, nearest rank (the least value whose rank reaches p * n)."""
    call = RescueCall
    bounds = _edges(edges, call.received_at.type)
    index = period_index(call.received_at, bounds)
    where = (call.store_id.in_(_STORE_IDS), call.received_at >= bounds[0], call.received_at < bounds[-1],
             call.state != RESCUE_CANCELLED)
    counts = (with_targets(
        sa.select(call.store_id, index, sa.func.count(), _count_if(dispatch_in_target()),
                  _count_if(call.arrived_at.is_not(None)),
                  _count_if(sa.and_(call.arrived_at.is_not(None), arrival_in_target()))))
        .where(*where).group_by(call.store_id, index))
    seconds = seconds_between(call.arrived_at, call.received_at)
    ranked = (sa.select(call.store_id.label("store_id"), index.label("bucket"), seconds.label("seconds"),
                        sa.func.row_number().over(partition_by=(call.store_id, index), order_by=seconds).label("rank"),
                        sa.func.count().over(partition_by=(call.store_id, index)).label("n"))
              .where(*where, call.arrived_at.is_not(None)).subquery())
    percentiles = (sa.select(ranked.c.store_id, ranked.c.bucket,
                             sa.func.min(sa.case((ranked.c.rank >= ranked.c.n * 0.5, ranked.c.seconds))),
                             sa.func.min(sa.case((ranked.c.rank >= ranked.c.n * 0.9, ranked.c.seconds))))
                   .group_by(ranked.c.store_id, ranked.c.bucket))
    return counts, percentiles


def _emergency(store_ids, bounds, at) -> None:
    counts, percentiles = _emergency_statements(len(bounds))
    values = _edge_values(store_ids, bounds)
    for store_id, bucket, n, in_target, arrived, arrived_in_target in db.session.execute(counts, values):
        figure = at(store_id, bucket)
        figure.rescues, figure.dispatched_in_target = int(n), int(in_target or 0)
        figure.arrived, figure.arrived_in_target = int(arrived or 0), int(arrived_in_target or 0)
    for store_id, bucket, median, p90 in db.session.execute(percentiles, values):
        figure = at(store_id, bucket)
        figure.arrival_median = round(float(median) / 60, 1) if median is not None else None
        figure.arrival_p90 = round(float(p90) / 60, 1) if p90 is not None else None


def months_ending(month: date, count: int = 12) -> list[date]:
    """The `count` months up to and including `month`, oldest first."""
    months = [month]
    while len(months) < count:
        first = months[0]
        months.insert(0, date(first.year - 1, 12, 1) if first.month == 1 else date(first.year, first.month - 1, 1))
    return months


def _bounds(store, months: list[date]) -> list[datetime]:
    edges = [month_bounds(store, month)[0] for month in months]
    return edges + [month_bounds(store, months[-1])[1]]


def live_figures(store, months: list[date]) -> dict[date, Figures]:
    """A store's figures for consecutive `months`, computed from the records (seven grouped queries)."""
    found = figures([store.id], _bounds(store, months), months)
    return {month: found.get((store.id, index), Figures()) for index, month in enumerate(months)}


@dataclass(frozen=True)
class Trend:
    store: object
    months: list[date]
    figures: list[Figures]  # one per month, oldest first; the last is the month asked for

    @property
    def current(self) -> Figures:
        return self.figures[-1]

    def series(self) -> dict:
        """The charts' data: month labels and each measure's values (None where there is no base)."""
        def values(name):
            return [getattr(figure, name) for figure in self.figures]
        return {"months": [f"{month:%Y-%m}" for month in self.months],
                **{name: values(name) for name in SERIES}}


SERIES = ("on_time_pct", "average_lateness_minutes", "within_pct", "first_time_fix_pct", "comeback_pct",
          "first_pass_pct", "done_in_time_pct", "average_score", "dispatched_pct", "arrived_pct", "arrival_median",
          "arrival_p90")


def store_trend(store, month: date, *, count: int = 12, now: datetime | None = None) -> Trend:
    """A store's five assurances for `month` and the months before it (the 12-month trend): `month_figures`."""
    return overview(store, [store], month, count=count, now=now)[0]


def ranking(stores, month: date, *, now: datetime | None = None) -> list[tuple[object, Figures]]:
    """Every store's month side by side (a group manager's view): `month_figures`."""
    found = month_figures([(stores, [month])], now=now or utcnow())
    return [(store, found[(store.id, month)]) for store in stores]


def overview(store, stores, month: date, *, count: int = 12, now: datetime | None = None
             ) -> tuple[Trend, list[tuple[object, Figures]]]:
    """A store's trend and the month of every one of `stores` side by side (the assurance page), counted
    together: the store's month is one of the stores' (`month_figures` once)."""
    months = months_ending(month, count)
    found = month_figures([([store], months), (stores, [month])], now=now or utcnow())
    return (Trend(store, months, [found[(store.id, m)] for m in months]),
            [(each, found[(each.id, month)]) for each in stores])


def month_figures(wanted, *, now: datetime) -> dict[tuple[int, date], Figures]:
    """The figures of each store and month of `wanted` (pairs of stores and the consecutive months wanted of each
    of them): {(store id, month): Figures}.

    A month the roll-up keeps whole is read (one query for all). A partial one (the current month, or one closed
    since the last night) is its orders' counts up to the night, plus the orders since and the month's follow-ups,
    cases and rescues counted live: six grouped queries per set of stores with the same zone, month and night. Any
    other month (not rolled up, or stale) is computed live: seven grouped queries per zone over the span of those
    months.
    """
    months_of: dict[int, list[date]] = {}
    stores_by_id = {}
    for stores, months in wanted:
        for store in stores:
            stores_by_id[store.id] = store
            months_of[store.id] = sorted(set(months_of.get(store.id, [])) | set(months))
    kept = rollup.rolled_up([([store.id for store in stores], months) for stores, months in wanted], MEASURES)
    found: dict[tuple[int, date], Figures] = {}
    live: dict[str, list[tuple[object, list[date]]]] = {}
    partial: dict[tuple[str, date, datetime], list] = {}
    for store_id, months in months_of.items():
        store = stores_by_id[store_id]
        current, missing = rollup.month_of(now, store), []
        for month in months:
            row = kept.get((store.id, month))
            if row is not None and row.until is None and month < current:
                found[(store.id, month)] = from_counts(row.values)
            elif row is not None and row.until is not None and month <= current:
                partial.setdefault((str(store_zone(store)), month, row.until), []).append(store)
            else:
                missing.append(month)
        if missing:
            live.setdefault(str(store_zone(store)), []).append((store, missing))
    for group in live.values():
        span = _span(min(m[0] for _s, m in group), max(m[-1] for _s, m in group))
        computed = figures([store.id for store, _m in group], _bounds(group[0][0], span), span)
        for store, missing in group:
            found.update(((store.id, m), computed.get((store.id, span.index(m)), Figures())) for m in missing)
    for (_zone, month, until), group in partial.items():
        found.update(_topped_up(group, month, until, kept))
    return found


def _span(first: date, last: date) -> list[date]:
    """The months from `first` to `last`, both included."""
    months = [first]
    while months[-1] < last:
        months.append(next_month(months[-1]))
    return months


def _topped_up(stores, month: date, until: datetime, kept) -> dict[tuple[int, date], Figures]:
    """Partial months (the same zone, month and night): the night's order counts, plus the rest counted live."""
    ids = [store.id for store in stores]
    start, end = month_bounds(stores[0], month)
    found: dict[int, Figures] = {}

    def at(store_id, _index) -> Figures:
        return found.setdefault(int(store_id), Figures())

    _orders(ids, [until, end], at, few=True)
    _after_repair(ids, [month], at)
    _emergency(ids, [start, end], at)
    topped = {}
    for store in stores:
        figure, night = found.get(store.id, Figures()), from_counts(kept[(store.id, month)].values)
        for name in ORDER_MEASURES:
            setattr(figure, name, getattr(figure, name) + getattr(night, name))
        topped[(store.id, month)] = figure
    return topped


RANK_BY = ("on_time_pct", "within_pct", "first_time_fix_pct", "first_pass_pct", "done_in_time_pct",
           "average_score", "arrived_pct")


def ranked(rows: list[tuple[object, Figures]], by: str) -> list[tuple[object, Figures]]:
    """Best first by the measure `by` (higher is better for each of RANK_BY); stores without a base last."""
    key = by if by in RANK_BY else RANK_BY[0]
    return sorted(rows, key=lambda row: (getattr(row[1], key) is None, -(getattr(row[1], key) or 0), row[0].code))
