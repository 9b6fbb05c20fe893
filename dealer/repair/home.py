"""The read side of repair's home-page panels (auth.signals.home_panels): the day's work at each desk.

Each function runs a fixed number of queries, whatever the rows: lists stop at `limit` (the full page is a
link away), figures are aggregates grouped by store. Each names the actor's stores first, as the per-store
indexes lead with `store_id`. The receivers that render them are in handlers.py.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, load_only

from dealer.actors import Actor
from dealer.customers.models import Customer, Vehicle
from dealer.extensions import db
from dealer.repair import measures
from dealer.repair.models import (
    APPROVED,
    CANCELLED,
    ESTIMATED,
    IN_PROGRESS,
    JOB_PENDING,
    QUALITY_CHECK,
    READY,
    SETTLED,
    RepairJob,
    RepairOrder,
)
from dealer.stores.models import Store
from dealer.stores.services import visible_store_ids
from dealer.timezones import zone_named

HOME_ROWS = 20  # rows a home list shows; its full page is a link away
IN_WORKSHOP = (APPROVED, IN_PROGRESS, QUALITY_CHECK)
# What a home row shows (plate, owner's name, state, the promise or ready time in the store's zone), and no
# more: the advisor's home lists sixty orders, and whole orders with their cars and owners were a third of it.
HOME_ROW_LOADS = (
    load_only(RepairOrder.id, RepairOrder.store_id, RepairOrder.number, RepairOrder.state, RepairOrder.vehicle_id,
              RepairOrder.customer_id, RepairOrder.promised_at, RepairOrder.ready_at, raiseload=True),
    joinedload(RepairOrder.store, innerjoin=True).load_only(Store.id, Store.code, Store.timezone, raiseload=True),
    joinedload(RepairOrder.vehicle, innerjoin=True).load_only(Vehicle.id, Vehicle.plate, raiseload=True),
    joinedload(RepairOrder.customer, innerjoin=True).load_only(Customer.id, Customer.name, raiseload=True),
)


def _has_pending_job():
    """Extra work (增项) on the order waits for the owner's approval."""
    return sa.exists().where(RepairJob.store_id == RepairOrder.store_id, RepairJob.order_id == RepairOrder.id,
                             RepairJob.approval == JOB_PENDING)


def _waiting_approval():
    return sa.or_(RepairOrder.state == ESTIMATED, sa.and_(RepairOrder.state.in_(IN_WORKSHOP), _has_pending_job()))


@dataclass
class FrontDesk:
    """What the advisor follows today: cars in the workshop, waiting for the owner, ready to hand over."""

    in_workshop: list[RepairOrder]
    waiting_approval: list[RepairOrder]
    to_hand_over: list[RepairOrder]


def front_desk(*, actor: Actor, limit: int = HOME_ROWS) -> FrontDesk:
    """Return the store's cars in the workshop (earliest promise first), waiting for the owner's approval (the
    estimate or extra work) and ready to hand over (ready, or paid and not yet delivered). Three queries.
    """
    values = {"store_ids": visible_store_ids(actor)}
    in_workshop, waiting_approval, to_hand_over = _front_desk_statements(limit)
    return FrontDesk(in_workshop=list(db.session.scalars(in_workshop, values)),
                     waiting_approval=list(db.session.scalars(waiting_approval, values)),
                     to_hand_over=list(db.session.scalars(to_hand_over, values)))


@functools.cache
def _front_desk_statements(limit: int):
    """`front_desk`'s three statements, built once for each limit (parameter: store_ids): the home page is every
    advisor's first page, and the rows' loader options made each statement's construction cost more than its SQL."""
    def orders(*conditions, order_by):
        return (sa.select(RepairOrder)
                .where(RepairOrder.store_id.in_(sa.bindparam("store_ids", expanding=True)), *conditions)
                .options(*HOME_ROW_LOADS).order_by(*order_by, RepairOrder.id).limit(limit))

    return (orders(RepairOrder.state.in_(IN_WORKSHOP), order_by=(RepairOrder.promised_at.asc().nulls_last(),)),
            orders(_waiting_approval(), order_by=(RepairOrder.opened_at,)),
            orders(RepairOrder.state.in_((READY, SETTLED)), order_by=(RepairOrder.ready_at,)))


@dataclass
class DayFigures:
    """A store's day at a glance (the manager's home page)."""

    store: Store
    cars_in: int = 0  # orders opened today (not cancelled, reversals aside)
    ready: int = 0  # orders finished today that had a promised time (repair.measures)
    on_time: int = 0  # of those, finished by their promised time
    waiting_approval: int = 0  # now: estimates and extra work waiting for the owner
    in_workshop: int = 0  # now
    revenue_fen: int = 0  # what the owners paid for the orders settled today, reversals deducted


def day_figures(*, actor: Actor, now: datetime) -> list[DayFigures]:
    """Return today's figures of each store the actor sees, side by side (by store code).

    Five queries whatever the number of stores and orders: the stores, then one aggregate per figure, each
    a range of a per-store index ((store_id, state), (store_id, opened_at), (store_id, ready_at),
    (store_id, settled_at)), grouped by store. "Today" is each store's own calendar day.
    """
    stores = list(db.session.scalars(sa.select(Store).where(Store.id.in_(visible_store_ids(actor)))
                                     .order_by(Store.code)))
    figures = {store.id: DayFigures(store) for store in stores}
    if not stores:
        return []
    days: dict[str, tuple[list[int], datetime, datetime]] = {}
    for store in stores:
        zone = zone_named(store.timezone)
        start = datetime.combine(now.astimezone(zone).date(), time(), zone).astimezone(timezone.utc)
        days.setdefault(store.timezone, ([], start, start + timedelta(days=1)))[0].append(store.id)

    def today(column):
        return sa.or_(*(sa.and_(RepairOrder.store_id.in_(ids), column >= start, column < end)
                        for ids, start, end in days.values()))

    def count_if(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    def grouped(*columns, where):
        return db.session.execute(sa.select(RepairOrder.store_id, *columns).where(where)
                                  .group_by(RepairOrder.store_id)).all()

    ids = list(figures)
    for store_id, waiting, working in grouped(
            count_if(_waiting_approval()), count_if(RepairOrder.state.in_(IN_WORKSHOP)),
            where=sa.and_(RepairOrder.store_id.in_(ids), RepairOrder.state.in_((ESTIMATED, *IN_WORKSHOP)))):
        figures[store_id].waiting_approval, figures[store_id].in_workshop = int(waiting), int(working)
    for store_id, cars_in in grouped(sa.func.count(), where=sa.and_(
            today(RepairOrder.opened_at), RepairOrder.state != CANCELLED, RepairOrder.reversal_of_id.is_(None))):
        figures[store_id].cars_in = int(cars_in)
    # Ready on time as the month's figures and the five assurances count it (measures): only a promise can be kept.
    for store_id, ready, in_time in grouped(sa.func.count(), count_if(sa.not_(measures.late())),
                                            where=sa.and_(today(RepairOrder.ready_at), measures.promised())):
        figures[store_id].ready, figures[store_id].on_time = int(ready), int(in_time)
    for store_id, revenue in grouped(sa.func.coalesce(sa.func.sum(RepairOrder.customer_total_fen), 0),
                                     where=today(RepairOrder.settled_at)):
        figures[store_id].revenue_fen = int(revenue)
    return list(figures.values())
