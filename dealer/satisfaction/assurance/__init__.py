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

The package: `values` (what one store-month's figures are made of), `counting` (the SQL that counts them), and
here the months and stores a page asks for, read from the roll-up or counted.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from dealer.database import utcnow
from dealer.satisfaction import rollup
from dealer.satisfaction.assurance import counting
from dealer.satisfaction.assurance.counting import (  # noqa: F401 (the package's names, as before it was one)
    arrival_in_target,
    dispatch_in_target,
    figures,
    order_counts,
    period_index,
    with_targets,
)
from dealer.satisfaction.assurance.values import (  # noqa: F401 (the package's names)
    MEASURES,
    ORDER_MEASURES,
    Figures,
    counts,
    from_counts,
    pct,
)
from dealer.satisfaction.services.month import month_bounds, next_month
from dealer.timezones import store_zone


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
    """A store's figures for consecutive `months`, computed from the records (one statement, `counting.count_all`)."""
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

    counting.count_all(ids, [until, end], [month], [start, end], at, few=True)
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
