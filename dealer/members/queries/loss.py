"""Customer loss (客户流失): owners whose last paid visit is older than the store's months (at risk 6, lost 12 by
default), with their cars, last advisor and lifetime spend; and the monthly figures (active, newly at risk, newly
lost, won back).

The last visit is the later of the last settled order (not a reversal) and the cars' last maintenance as imported
(`vehicles.last_maintenance_date`), so owners already overdue when their data came from the previous system are
found too; an owner with neither counts from the day their file was made. Everything is one grouped query per
question, whatever the number of owners.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from dealer.auth.models import User
from dealer.customers.models import Customer, Vehicle
from dealer.database import UTCDateTime
from dealer.extensions import db
from dealer.members.models import LossMonth, MemberSettings, OwnerSeen
from dealer.members.targeting import (
    PAID,
    SETTLING,
    counted_range,
    local_midnight,
    months_before,
    seen_counted_at,
    unseen,
)
from dealer.repair.models import RepairOrder

AT_RISK, LOST = "at_risk", "lost"
SORTS = ("last_visit", "spend")
PER_PAGE = 50


@dataclass
class LostOwner:
    customer_id: int
    name: str
    mobile: str
    advisor: str
    last_order_at: datetime | None
    last_service_on: date | None
    spend_fen: int
    plates: list[str]
    last_visit: date | None = field(init=False)  # the later of the last order's day and the last service

    def __post_init__(self):
        order_day = self.last_order_at.date() if self.last_order_at is not None else None
        if order_day is None or self.last_service_on is None:
            self.last_visit = order_day or self.last_service_on
        else:
            self.last_visit = max(order_day, self.last_service_on)


@dataclass
class LossPage:
    status: str
    owners: list[LostOwner]
    page: int
    has_next: bool
    at_risk_months: int
    lost_months: int
    counted_at: datetime | None = None  # tonight's counts the list came from (None: counted live)


def _months(settings: MemberSettings) -> tuple[int, int]:
    return settings.at_risk_months, settings.lost_months


def _orders(store_id: int, owners):
    """Per owner of `owners` (a subquery of customer ids): the last paid visit and the lifetime customer-paid spend
    (reversals count against it)."""
    return (sa.select(RepairOrder.customer_id.label("customer_id"),
                      sa.func.max(sa.case((RepairOrder.reversal_of_id.is_(None), RepairOrder.settled_at)))
                      .label("last_order_at"),
                      sa.func.coalesce(sa.func.sum(RepairOrder.customer_total_fen), 0).label("spend_fen"))
            .where(RepairOrder.store_id == store_id, RepairOrder.state.in_(PAID),
                   RepairOrder.customer_id.in_(sa.select(owners.c.id)))
            .group_by(RepairOrder.customer_id)).subquery("paid")


def _services(store_id: int, owners):
    """Per owner of `owners`: the last maintenance of any of their cars (as recorded or imported)."""
    return (sa.select(Vehicle.owner_id.label("customer_id"),
                      sa.func.max(Vehicle.last_maintenance_date).label("last_service_on"))
            .where(Vehicle.store_id == store_id, Vehicle.owner_id.in_(sa.select(owners.c.id)))
            .group_by(Vehicle.owner_id)).subquery("serviced")


def lost_owners(store_id: int, *, settings: MemberSettings, today: date, zone, status: str = AT_RISK,
                sort: str = "last_visit", page: int = 1) -> LossPage:
    """A page of the owners at risk (not seen for the at-risk months but not yet the lost ones) or lost.

    After the store's night (`seen_counted_at`): one range of tonight's counts, which carry what the list shows
    (the paid visits since the night leave it; their reversals since add to the spend), oldest first in the
    index's order or by spend. Before the night: every listed owner's spend and last visit, counted live."""
    at_risk, lost = _months(settings)
    not_seen, seen_within = (lost, None) if status == LOST else (at_risk, lost)  # at risk: not yet the lost ones
    seen_at = seen_counted_at(store_id, today=today, zone=zone)  # tonight's counts, when the night ran
    page = max(page, 1)
    window = {"limit": PER_PAGE + 1, "offset": (page - 1) * PER_PAGE}
    if seen_at is not None:
        rows = db.session.execute(_counted_page(sort == "spend", seen_within is not None), {
            "store_id": store_id, "seen_before": local_midnight(months_before(today, not_seen), zone),
            "seen_from": local_midnight(months_before(today, seen_within), zone) if seen_within else None,
            "since": seen_at - SETTLING, **window}).all()
    else:
        rows = db.session.execute(_live_page(store_id, today=today, zone=zone, sort=sort, not_seen_months=not_seen,
                                             seen_within_months=seen_within), window).all()
    owners = [LostOwner(row[0], row[1], row[2], row[3], row[4] and row[4].astimezone(zone), row[5], int(row[6]), [])
              for row in rows[:PER_PAGE]]  # the last order in the store's time: its day is the store's
    if owners:
        plates: dict[int, list[str]] = {}
        for owner_id, plate in db.session.execute(_PLATES, {"store_id": store_id,
                                                            "owners": [o.customer_id for o in owners]}):
            plates.setdefault(owner_id, []).append(plate)
        for owner in owners:
            owner.plates = plates.get(owner.customer_id, [])
    return LossPage(status, owners, page, len(rows) > PER_PAGE, at_risk, lost, seen_at)


_PLATES = (sa.select(Vehicle.owner_id, Vehicle.plate)
           .where(Vehicle.store_id == sa.bindparam("store_id"), Vehicle.owner_id.in_(sa.bindparam("owners", expanding=True)))
           .order_by(Vehicle.id))
_PAGE_COLUMNS = (Customer.name, Customer.mobile, sa.func.coalesce(User.full_name, ""))


@functools.cache
def _counted_page(by_spend: bool, seen_within: bool):
    """A page of tonight's counts (`targeting.counted_range`), built once for each shape; its values as parameters
    (the store, the range's bounds `seen_before` and `seen_from`, the night's cut `since`, `limit` and `offset`).
    The spend is the night's plus the orders settled since its cut (for the listed owners: reversals only)."""
    store_id, since = sa.bindparam("store_id"), sa.bindparam("since", type_=UTCDateTime())
    settled = (sa.select(RepairOrder.customer_id.label("customer_id"),
                         sa.func.sum(RepairOrder.customer_total_fen).label("spend_fen"))
               .where(RepairOrder.store_id == store_id, RepairOrder.state.in_(PAID), RepairOrder.settled_at >= since)
               .group_by(RepairOrder.customer_id)).subquery("settled")
    spend = OwnerSeen.spend_fen + sa.func.coalesce(settled.c.spend_fen, 0)
    counted = counted_range(store_id, seen_before=sa.bindparam("seen_before", type_=UTCDateTime()),
                            seen_from=sa.bindparam("seen_from", type_=UTCDateTime()) if seen_within else None,
                            since=since)
    return (sa.select(OwnerSeen.customer_id, *_PAGE_COLUMNS, OwnerSeen.last_order_at, OwnerSeen.last_service_on,
                      spend)
            .join(Customer, sa.and_(Customer.store_id == store_id, Customer.id == OwnerSeen.customer_id))
            .outerjoin(User, User.id == Customer.advisor_id)
            .outerjoin(settled, settled.c.customer_id == OwnerSeen.customer_id)
            .where(*counted)
            .order_by(*((spend.desc(), OwnerSeen.customer_id) if by_spend else (OwnerSeen.seen_at, OwnerSeen.customer_id)))
            .limit(sa.bindparam("limit")).offset(sa.bindparam("offset")))


def _live_page(store_id: int, *, today: date, zone, sort: str, not_seen_months: int, seen_within_months: int | None):
    """A page of the owners not seen as `targeting.unseen` counts them live (before the store's night): the listed
    owners from indexes alone, then their orders and cars; `limit` and `offset` as parameters."""
    listed = (sa.select(Customer.id).where(Customer.store_id == store_id, unseen(
        store_id, today=today, zone=zone, not_seen_months=not_seen_months, seen_within_months=seen_within_months))
              .cte("listed").prefix_with("MATERIALIZED"))
    paid, serviced = _orders(store_id, listed), _services(store_id, listed)
    spend = sa.func.coalesce(paid.c.spend_fen, 0)
    order = ((spend.desc(), Customer.id) if sort == "spend"
             else (sa.func.coalesce(paid.c.last_order_at, serviced.c.last_service_on, Customer.created_at).asc(),
                   Customer.id))
    return (sa.select(Customer.id, *_PAGE_COLUMNS, paid.c.last_order_at, serviced.c.last_service_on, spend)
            .outerjoin(paid, paid.c.customer_id == Customer.id)
            .outerjoin(serviced, serviced.c.customer_id == Customer.id)
            .outerjoin(User, User.id == Customer.advisor_id)
            .where(Customer.store_id == store_id, Customer.id.in_(sa.select(listed.c.id)))
            .order_by(*order).limit(sa.bindparam("limit")).offset(sa.bindparam("offset")))


@dataclass
class MonthFigures:
    month: date  # its first day
    active: int  # a paid visit within the at-risk months before the month's end
    newly_at_risk: int  # their last visit passed the at-risk months during the month
    newly_lost: int  # ... the lost months
    won_back: int  # came in the month after more than the at-risk months away


_BOUNDS = ("start_at", "end_at", "risk_start", "risk_end", "lost_start", "lost_end", "floor_at")


def _months_bounds(today: date, *, at_risk: int, lost: int, months: int) -> list[tuple[date, tuple[date, ...]]]:
    """(first day, bounds as `_BOUNDS` names them) of the last `months` calendar months, oldest first."""
    first = today.replace(day=1)
    days = []
    for back in range(months - 1, -1, -1):
        start_day = months_before(first, back)
        end_day = (start_day + timedelta(days=32)).replace(day=1)
        risk_start, lost_start = months_before(start_day, at_risk), months_before(start_day, lost)
        days.append((start_day, (start_day, end_day, risk_start, months_before(end_day, at_risk),
                                 lost_start, months_before(end_day, lost), min(risk_start, lost_start))))
    return days


def _paid_visits(store_id: int):
    return [RepairOrder.store_id == store_id, RepairOrder.state.in_(PAID), RepairOrder.reversal_of_id.is_(None)]


def monthly_figures(store_id: int, *, settings: MemberSettings, today: date, zone, months: int = 12,
                    before: datetime | None = None) -> list[MonthFigures]:
    """The last `months` calendar months, the current one included, oldest first, in one query (the definition:
    the nightly roll-up writes it, and the page counts with it when the roll-up is missing or out of date).

    Each paid visit comes with the owner's previous and next visit (window functions over the store's paid
    orders, read once): the visit that was an owner's last before a month's end is the one with `at < end <=
    next`, and an owner came back in a month when a visit of theirs in the month follows one before the
    at-risk months. The months are a small table of their bounds joined to the visits (a query a month read the
    store's orders 12 times: 1.3 s at 1,000,000 orders).

    `before`: the visits settled before that moment only (the night's count of the current month, which the page
    brings up to date with the visits since, `loss_figures`); the closed months are the same either way."""
    at_risk, lost = _months(settings)
    days = _months_bounds(today, at_risk=at_risk, lost=lost, months=months)
    month = sa.union_all(*(
        sa.select(sa.literal(index).label("number"),
                  *(sa.literal(local_midnight(day, zone), UTCDateTime()).label(name) for name, day in zip(_BOUNDS, bounds)))
        for index, (_start, bounds) in enumerate(days))).subquery("month")
    # visits at the same moment may come in either order: lag and lead read the one ordering (index only)
    by_owner = {"partition_by": RepairOrder.customer_id, "order_by": RepairOrder.settled_at}
    visit = (sa.select(RepairOrder.settled_at.label("at"), sa.func.lag(RepairOrder.settled_at).over(**by_owner).label("prev"),
                       sa.func.lead(RepairOrder.settled_at).over(**by_owner).label("next"))
             .where(*_paid_visits(store_id), RepairOrder.settled_at < local_midnight(days[-1][1][1], zone),
                    *([RepairOrder.settled_at < before] if before is not None else []))).subquery("visit")
    at, m = visit.c.at, month.c
    # the owner's last visit before the month's end, when it is recent enough to count in any figure
    last = sa.and_(at < m.end_at, sa.or_(visit.c.next.is_(None), visit.c.next >= m.end_at),
                   at >= m.floor_at)
    in_month = sa.and_(at >= m.start_at, at < m.end_at)
    rows = db.session.execute(
        sa.select(m.number, _counted(sa.and_(last, at >= m.risk_end)),
                  _counted(sa.and_(last, at >= m.risk_start, at < m.risk_end)),
                  _counted(sa.and_(last, at >= m.lost_start, at < m.lost_end)),
                  _counted(sa.and_(in_month, visit.c.prev < m.risk_start)))
        .select_from(month.join(visit, sa.or_(last, in_month))).group_by(m.number)).all()
    found = {row[0]: tuple(int(value) for value in row[1:]) for row in rows}
    return [MonthFigures(start_day, *found.get(index, (0, 0, 0, 0))) for index, (start_day, _bounds) in enumerate(days)]


def _counted(condition):
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def current_month(store_id: int, *, settings: MemberSettings, today: date, zone, owners: list[int] | None = None,
                  before: datetime | None = None) -> MonthFigures:
    """The current month's figures, live, from the visits since its floor (the lost months before it) alone: one
    range of the store's paid visits grouped by owner, and a probe of the older visits only for the owners who
    came this month with nothing in between (the won-back ones).

    `owners`: these owners' part of the figures only; `before`: from their visits settled before that moment only."""
    at_risk, lost = _months(settings)
    start_day, bounds = _months_bounds(today, at_risk=at_risk, lost=lost, months=1)[0]
    values = {"store_id": store_id, "owners": owners, "before": before,
              **{name: local_midnight(day, zone) for name, day in zip(_BOUNDS, bounds, strict=True)}}
    row = db.session.execute(_current_month_statement(owners is not None, before is not None), values).one()
    return MonthFigures(start_day, *(int(value) for value in row))


_OLDER = aliased(RepairOrder, name="older")  # made once: an alias made per call is adapted anew each time


@functools.cache
def _current_month_statement(some_owners: bool, before: bool):
    """`current_month`'s statement, built once for each of its four shapes; its values as parameters (the store,
    the month's bounds as `_BOUNDS` names them, the owners, the moment before which)."""
    bound = {name: sa.bindparam(name, type_=UTCDateTime()) for name in _BOUNDS}
    at = RepairOrder.settled_at
    owners = (sa.select(RepairOrder.customer_id.label("customer_id"), sa.func.max(at).label("last"),
                        sa.func.max(sa.case((at < bound["start_at"], at))).label("before"),
                        sa.func.max(sa.case((at >= bound["start_at"], 1), else_=0)).label("in_month"))
              .where(*_paid_visits(sa.bindparam("store_id")), at >= bound["floor_at"], at < bound["end_at"],
                     *([RepairOrder.customer_id.in_(sa.bindparam("owners", expanding=True))] if some_owners else []),
                     *([at < sa.bindparam("before", type_=UTCDateTime())] if before else []))
              .group_by(RepairOrder.customer_id)).subquery("owner")
    o, older = owners.c, _OLDER
    came_before = sa.exists().where(older.store_id == sa.bindparam("store_id"), older.customer_id == o.customer_id,
                                    older.state.in_(PAID), older.reversal_of_id.is_(None),
                                    older.settled_at < bound["floor_at"])
    won_back = sa.and_(o.in_month == 1, sa.or_(o.before < bound["risk_start"],
                                               sa.and_(o.before.is_(None), came_before)))
    return sa.select(_counted(o.last >= bound["risk_end"]),
                     _counted(sa.and_(o.last >= bound["risk_start"], o.last < bound["risk_end"])),
                     _counted(sa.and_(o.last >= bound["lost_start"], o.last < bound["lost_end"])), _counted(won_back))


@dataclass
class LossFigures:
    months: list[MonthFigures]
    closed_at: datetime | None  # when the nightly roll-up counted the closed months (None: counted live now)


def loss_figures(store_id: int, *, settings: MemberSettings, today: date, zone, months: int = 12) -> LossFigures:
    """The page's 12 months from the nightly roll-up (`member_loss_months`, counted with the store's months as they
    are now): the closed ones as counted; the current one as counted tonight brought up to date with the owners
    who came since (`since_the_night`). The current month live when tonight's count is missing; the whole
    definition live when a closed month is missing (before the first night of a month, after the months were
    changed)."""
    at_risk, lost = _months(settings)
    wanted = [start for start, _bounds in _months_bounds(today, at_risk=at_risk, lost=lost, months=months)]
    rows = db.session.execute(
        sa.select(LossMonth.month, LossMonth.active, LossMonth.newly_at_risk, LossMonth.newly_lost,
                  LossMonth.won_back, LossMonth.computed_at)
        .where(LossMonth.store_id == store_id, LossMonth.month >= wanted[0], LossMonth.month <= wanted[-1],
               LossMonth.at_risk_months == at_risk, LossMonth.lost_months == lost)
        .order_by(LossMonth.month)).all()
    closed_rows = [row for row in rows if row[0] < wanted[-1]]
    if [row[0] for row in closed_rows] != wanted[:-1]:
        return LossFigures(monthly_figures(store_id, settings=settings, today=today, zone=zone, months=months), None)
    closed = [MonthFigures(*row[:5]) for row in closed_rows]
    tonight = next((row for row in rows if row[0] == wanted[-1] and row[5] >= local_midnight(today, zone)), None)
    current = (since_the_night(store_id, MonthFigures(*tonight[:5]), counted_at=tonight[5], settings=settings,
                               today=today, zone=zone) if tonight is not None
               else current_month(store_id, settings=settings, today=today, zone=zone))
    return LossFigures([*closed, current], min(row[5] for row in closed_rows))


def since_the_night(store_id: int, counted: MonthFigures, *, counted_at: datetime, settings: MemberSettings,
                    today: date, zone) -> MonthFigures:
    """The current month as the night counted it (its visits settled before `counted_at` less SETTLING), brought
    up to date: each figure is a sum over owners, so the owners with a visit since come off as they were and back
    as they are (two counts of those few owners). A visit recorded since with a time before the cut (history
    imported late) counts from the next night, as in the closed months."""
    cut = counted_at - SETTLING
    owners = list(db.session.scalars(sa.select(RepairOrder.customer_id.distinct()).where(
        *_paid_visits(store_id), RepairOrder.settled_at >= cut)))
    if not owners:
        return counted
    was = current_month(store_id, settings=settings, today=today, zone=zone, owners=owners, before=cut)
    now = current_month(store_id, settings=settings, today=today, zone=zone, owners=owners)
    return MonthFigures(counted.month, *(total - before + after for total, before, after in zip(
        (counted.active, counted.newly_at_risk, counted.newly_lost, counted.won_back),
        (was.active, was.newly_at_risk, was.newly_lost, was.won_back),
        (now.active, now.newly_at_risk, now.newly_lost, now.won_back), strict=True)))
