"""The five assurances counted from the records, per store and period, in SQL (the definitions: the package's
docstring). Each statement is built once for its shape (the number of periods or months, few orders or not), its
values as parameters (docs/architecture.md, "Figures pages")."""
from __future__ import annotations

import functools
from datetime import date, datetime

import sqlalchemy as sa

from dealer.database import sections
from dealer.dialect import seconds_between
from dealer.extensions import db
from dealer.repair import measures
from dealer.repair.models import RepairOrder
from dealer.rescue.models import CANCELLED as RESCUE_CANCELLED
from dealer.rescue.models import OUTSIDE, TOWN, RescueCall, RescueSettings
from dealer.satisfaction.assurance.values import Figures
from dealer.satisfaction.models import (
    OPEN,
    QUICK_LANE,
    REPAIR_ORDER,
    FollowUp,
    SatisfactionCase,
)

# A moment compared with a target in seconds: julianday arithmetic on SQLite is a float a hair off.
_SLACK = 0.001


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

    One statement of six grouped queries (`count_all`), whatever the rows, stores or periods.
    """
    found: dict[tuple[int, int], Figures] = {}

    def at(store_id, index) -> Figures:
        return found.setdefault((int(store_id), int(index)), Figures())

    count_all(store_ids, bounds, months, bounds, at)
    return found


def count_all(store_ids, order_bounds, months, rescue_bounds, at, *, few: bool = False) -> None:
    """`orders` by `order_bounds`, `after_repair` by `months` and `emergency` by `rescue_bounds`, as one statement
    (`database.sections`: six grouped queries, one round trip)."""
    values = {**_edge_values(store_ids, order_bounds), **{f"month_{index}": month for index, month in enumerate(months)},
              **{f"rescue_edge_{index}": bound for index, bound in enumerate(rescue_bounds)}}
    appliers = (_ready, _settled, _follow_ups, _cases, _rescues, _arrivals)
    for section, *row in db.session.execute(_all_statement(len(order_bounds), len(months), len(rescue_bounds), few),
                                            values):
        appliers[section](at, *row)


@functools.cache
def _all_statement(order_edges: int, months: int, rescue_edges: int, few: bool):
    return sections(_ready_statement(order_edges), _settled_statement(order_edges, few),
                    *_after_repair_statements(months), *_emergency_statements(rescue_edges, "rescue_edge"))


# Each statement's row into the figures (`at(store_id, period)`); a row of `count_all` may carry floats and padding.
def _ready(at, store_id, index, n, on_time, late_seconds, *_padding) -> None:
    figure = at(store_id, index)
    figure.ready, figure.on_time, figure.late_seconds = int(n), int(on_time or 0), float(late_seconds or 0)


def _settled(at, store_id, index, n, within, came_back, comebacks, checked, failed, *_padding) -> None:
    figure = at(store_id, index)
    figure.settled, figure.within = int(n), int(within or 0)
    figure.came_back, figure.comebacks = int(came_back or 0), int(comebacks or 0)
    figure.checked, figure.first_pass = int(checked or 0), int(checked or 0) - int(failed or 0)


def _follow_ups(at, store_id, index, n, done, forms, points, *_padding) -> None:
    figure = at(store_id, index)
    figure.follow_ups, figure.done_in_time, figure.forms, figure.points = (
        int(n), int(done or 0), int(forms), int(points or 0))


def _cases(at, store_id, index, n, *_padding) -> None:
    at(store_id, index).open_cases = int(n)


def _rescues(at, store_id, bucket, n, in_target, arrived, arrived_in_target, *_padding) -> None:
    figure = at(store_id, bucket)
    figure.rescues, figure.dispatched_in_target = int(n), int(in_target or 0)
    figure.arrived, figure.arrived_in_target = int(arrived or 0), int(arrived_in_target or 0)


def _arrivals(at, store_id, bucket, median, p90, *_padding) -> None:
    figure = at(store_id, bucket)
    figure.arrival_median = round(float(median) / 60, 1) if median is not None else None
    figure.arrival_p90 = round(float(p90) / 60, 1) if p90 is not None else None


# The statements are built once for each shape (the number of periods or months, few or not) with their values as
# parameters: building a dozen statements of CASEs and sums, and their cache keys, cost more than a page's SQL.
_STORE_IDS = sa.bindparam("store_ids", expanding=True)


def _edges(count: int, type_, prefix: str = "edge") -> list:
    """The periods' edges as parameters edge_0 .. edge_{count - 1} (`_edge_values` gives their values)."""
    return [sa.bindparam(f"{prefix}_{index}", type_=type_) for index in range(count)]


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


def orders(store_ids, bounds, at, *, few: bool = False) -> None:
    """The orders' measures (ORDER_MEASURES) by the period their time falls in: two grouped queries. `few`: the
    orders of the hours since the night (`measures.came_back`)."""
    values = _edge_values(store_ids, bounds)
    for row in db.session.execute(_ready_statement(len(bounds)), values):
        _ready(at, *row)
    for row in db.session.execute(_settled_statement(len(bounds), few), values):
        _settled(at, *row)


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


def order_counts(store_id: int, start: datetime, until: datetime) -> Figures:
    """A store's orders' measures (ORDER_MEASURES; the rest zero) from `start` up to `until`: what the night
    keeps of the current month."""
    found: dict[int, Figures] = {}
    orders([store_id], [start, until], lambda _store_id, _index: found.setdefault(0, Figures()))
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
def _emergency_statements(edges: int, prefix: str = "edge"):
    """Rescue calls received in each period, not cancelled: the counts, and the arrival's median and 90th
    percentile, nearest rank (the least value whose rank reaches p * n). Its edges: parameters named `prefix`_i."""
    call = RescueCall
    bounds = _edges(edges, call.received_at.type, prefix)
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
