"""The drill-down of the five assurances (五个安心): the records behind one figure of a store-month, the ones that
missed first (`/satisfaction/assurance/<what>`). Each flag is the negation of the measure's own condition
(`repair.measures`, `assurance`), so a record is flagged exactly when the figure counts it as missed."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from dealer.extensions import db
from dealer.repair import measures
from dealer.repair.models import RepairOrder
from dealer.rescue.models import CANCELLED as RESCUE_CANCELLED
from dealer.rescue.models import RescueCall
from dealer.satisfaction.assurance import arrival_in_target, dispatch_in_target, with_targets
from dealer.satisfaction.models import (
    OPEN,
    QUICK_LANE,
    REPAIR_ORDER,
    FeedbackForm,
    FollowUp,
    SatisfactionCase,
)
from dealer.satisfaction.services.month import month_bounds

DRILLS = ("time", "cost", "quality", "after_repair", "emergency")


@dataclass(frozen=True)
class DrillRow:
    """One record behind a figure: `link` says its page (order, follow_up, rescue); `flags` what went wrong."""

    link: str
    id: int
    number: str
    at: datetime | None
    flags: tuple[str, ...]


def _flags(row, names) -> tuple[str, ...]:
    return tuple(name for name, value in zip(names, row, strict=True) if value)


def drill(store, month: date, what: str, *, limit: int = 200) -> list[DrillRow]:
    """The records behind one assurance's figures for a store-month, the ones that missed first (one query)."""
    start, end = month_bounds(store, month)
    order = RepairOrder
    if what == "time":
        names = ("late",)
        flags = (measures.late(),)
        stmt = (sa.select(order.id, order.number, order.ready_at, *flags)
                .where(order.store_id == store.id, measures.promised(), order.ready_at >= start,
                       order.ready_at < end))
        link, moment = "order", order.ready_at
    elif what in ("cost", "quality"):
        if what == "cost":
            names = ("over_approval",)
            flags = (sa.func.coalesce(order.customer_total_fen, 0) > order.approved_total_fen,)
        else:
            names = ("came_back", "comeback", "qc_failed")
            flags = (measures.came_back([store.id]), measures.is_comeback([store.id]),
                     measures.qc_checked(False))
        stmt = (sa.select(order.id, order.number, order.settled_at, *flags)
                .where(order.store_id == store.id, measures.counted(order.settled_at), order.settled_at >= start,
                       order.settled_at < end))
        link, moment = "order", order.settled_at
    elif what == "after_repair":
        names = ("not_in_time", "open_case")
        case = aliased(SatisfactionCase)
        flags = (sa.not_(sa.and_(FeedbackForm.id.is_not(None), FeedbackForm.submitted_at <= FollowUp.due_at)),
                 sa.exists(sa.select(1).select_from(case).where(
                     case.follow_up_id == FollowUp.id, case.store_id == FollowUp.store_id, case.state == OPEN)))
        stmt = (sa.select(FollowUp.id, FollowUp.source_number, FollowUp.served_at, *flags)
                .outerjoin(FeedbackForm, sa.and_(FeedbackForm.follow_up_id == FollowUp.id,
                                                 FeedbackForm.store_id == FollowUp.store_id))
                .where(FollowUp.store_id == store.id, FollowUp.service_month == month,
                       FollowUp.source_kind.in_((REPAIR_ORDER, QUICK_LANE))))
        link, moment = "follow_up", FollowUp.served_at
    elif what == "emergency":
        call = RescueCall
        names = ("dispatch_late", "arrival_late")
        flags = (sa.not_(dispatch_in_target()), sa.not_(sa.and_(call.arrived_at.is_not(None), arrival_in_target())))
        stmt = (with_targets(sa.select(call.id, sa.literal(""), call.received_at, *flags))
                .where(call.store_id == store.id, call.received_at >= start, call.received_at < end,
                       call.state != RESCUE_CANCELLED))
        link, moment = "rescue", call.received_at
    else:
        return []
    missed = sa.or_(*flags) if len(flags) > 1 else flags[0]
    stmt = stmt.order_by(sa.case((missed, 0), else_=1), moment, stmt.selected_columns[0]).limit(limit)
    return [DrillRow(link, row[0], row[1] or f"R{row[0]}", row[2], _flags(row[3:], names))
            for row in db.session.execute(stmt)]
