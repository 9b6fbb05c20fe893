"""Extra work the owners declined (增项未做), for membership's campaign target "owners who declined recommended work".

An item counts as declined until the same work is done on the car later: a job of another order of the car (not a
reversal, not cancelled) done after the refusal, with the same concern or from a finding on the same inspection
item (booking 5: before, an item done on the next visit still counted, and the campaign called its owner about it).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from dealer.extensions import db
from dealer.repair.models import (
    CANCELLED,
    JOB_DECLINED,
    WORK_DONE,
    InspectionResult,
    OrderEvent,
    RepairJob,
    RepairOrder,
)


@dataclass(frozen=True)
class DeclinedWork:
    store_id: int
    vehicle_id: int
    customer_id: int  # the owner on the order the work was declined on
    last_declined_at: datetime
    items: int  # declined extra items on those orders not done since


def _same_work(declined, declined_finding, refused_at):
    """Whether the declined job's work was done on another order of the car after the refusal."""
    later, later_order, later_finding = aliased(RepairJob), aliased(RepairOrder), aliased(InspectionResult)
    return (sa.select(later.id)
            .join(later_order, sa.and_(later_order.store_id == later.store_id, later_order.id == later.order_id))
            .outerjoin(later_finding, later_finding.id == later.inspection_result_id)
            .where(later.store_id == declined.store_id, later.vehicle_id == declined.vehicle_id,
                   later.order_id != declined.order_id, later.work == WORK_DONE, later.done_at >= refused_at,
                   later_order.reversal_of_id.is_(None), later_order.state != CANCELLED,
                   sa.or_(sa.func.lower(sa.func.trim(later.concern)) == sa.func.lower(sa.func.trim(declined.concern)),
                          sa.and_(declined_finding.item_id.is_not(None),
                                  later_finding.item_id == declined_finding.item_id)))
            .exists())


def declined_work_vehicles(store_ids: list[int], since: datetime) -> list[DeclinedWork]:
    """The cars whose owners declined recommended extra work (增项) since a moment, at the desk, on the phone, in
    the quick lane or online, and whose items are not all done since: one row per car with the order's customer, the
    last refusal and how many items are still not done. One grouped query; it reads the stores' order history by
    action and time, a batch read for a campaign, not for a page."""
    if not store_ids:
        return []
    refused = (sa.select(OrderEvent.store_id, OrderEvent.order_id, sa.func.max(OrderEvent.created_at).label("at"))
               .where(OrderEvent.store_id.in_(store_ids), OrderEvent.action == "extra_work_declined",
                      OrderEvent.created_at >= since)
               .group_by(OrderEvent.store_id, OrderEvent.order_id).subquery())
    finding = aliased(InspectionResult)
    rows = db.session.execute(
        sa.select(RepairOrder.store_id, RepairOrder.vehicle_id, RepairOrder.customer_id, sa.func.max(refused.c.at),
                  sa.func.count(RepairJob.id))
        .join(refused, sa.and_(refused.c.store_id == RepairOrder.store_id, refused.c.order_id == RepairOrder.id))
        .join(RepairJob, sa.and_(RepairJob.store_id == RepairOrder.store_id, RepairJob.order_id == RepairOrder.id,
                                 RepairJob.approval == JOB_DECLINED))
        .outerjoin(finding, finding.id == RepairJob.inspection_result_id)
        .where(RepairOrder.store_id.in_(store_ids), ~_same_work(RepairJob, finding, refused.c.at))
        .group_by(RepairOrder.store_id, RepairOrder.vehicle_id, RepairOrder.customer_id)
        .order_by(RepairOrder.store_id, RepairOrder.vehicle_id))
    return [DeclinedWork(*row) for row in rows]


def declined_items_left(store_id: int, vehicle_id: int, since: datetime) -> int:
    """How many extra items declined on the car since a moment are not done since (as `declined_work_vehicles`
    counts them), for one car: its orders by (store_id, vehicle_id), their refusals by order."""
    orders = sa.select(RepairOrder.id).where(RepairOrder.store_id == store_id, RepairOrder.vehicle_id == vehicle_id)
    refused = (sa.select(OrderEvent.order_id, sa.func.max(OrderEvent.created_at).label("at"))
               .where(OrderEvent.store_id == store_id, OrderEvent.order_id.in_(orders),
                      OrderEvent.action == "extra_work_declined", OrderEvent.created_at >= since)
               .group_by(OrderEvent.order_id).subquery())
    finding = aliased(InspectionResult)
    return db.session.scalar(
        sa.select(sa.func.count(RepairJob.id))
        .join(refused, sa.and_(RepairJob.store_id == store_id, RepairJob.order_id == refused.c.order_id))
        .outerjoin(finding, finding.id == RepairJob.inspection_result_id)
        .where(RepairJob.approval == JOB_DECLINED, ~_same_work(RepairJob, finding, refused.c.at)))
