"""Extra work found in the bay (增项): reported with its price and the minutes it adds, shown to the owner with
the new ready time, then approved with the owner's consent (the car leaves the quick lane for the ordinary
workflow, with the new promise) or declined (the car goes on in the lane).

The work is a pending job of the repair order (`repair.services.new_job`), approved or declined through
repair's own cores (`accept_extra_work`, `refuse_extra_work`), so the approval records who consented, when and
how, as for any order. Each piece keeps its own time impact, the minutes it adds in the bay as the owner was
shown them, and the owner's answer (`LaneExtraWork`): the new ready time is computed from them, and the figures
count the minutes approved and declined.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from dealer.actors import TECHNICIAN, Actor
from dealer.audit import services as audit
from dealer.database import get_for_update
from dealer.extensions import db
from dealer.inputs import text_problem
from dealer.quicklane import promise as promises
from dealer.quicklane.errors import LaneError
from dealer.quicklane.models import (
    EXTRA_APPROVED,
    EXTRA_DECLINED,
    EXTRA_PENDING,
    IN_BAY,
    LABOR,
    LEFT_LANE,
    PARTS,
    LaneExtraWork,
    LaneOrder,
)
from dealer.quicklane.services.lane import lane_of, lane_snapshot, refresh_estimates
from dealer.quicklane.services.packages import lock_lane
from dealer.quicklane.services.stages import get_lane_order
from dealer.repair import services as repair
from dealer.repair.models import BY_PHONE, IN_PERSON, JOB_PENDING, RepairOrder

CONSENT_METHODS = (IN_PERSON, BY_PHONE)
CONSENT_LABELS = {IN_PERSON: _l("In person"), BY_PHONE: _l("By phone")}


@dataclass
class ExtraInput:
    concern: str
    minutes: int  # the minutes it adds in the bay
    kind: str  # parts | labor
    part_id: int | None = None
    quantity: int | None = None  # thousandths
    operation_id: int | None = None
    hours: int | None = None  # hundredths (None: the catalogue's)


@dataclass
class Consent:
    """The owner's answer: who gave it and how (in person at the desk, or by phone with the number called)."""

    approved: bool
    method: str = IN_PERSON
    approver_name: str = ""
    phone: str = ""
    reason: str = ""  # why the owner declined (optional)


@dataclass(frozen=True)
class ExtraOffer:
    """What the owner is shown: the work, its price, the minutes it adds and the new ready time."""

    lane: LaneOrder
    concern: str
    price_fen: int
    minutes: int
    new_estimate: datetime | None  # None: nobody on shift
    new_promise: datetime | None


def _lock(lane_id: int, actor: Actor) -> LaneOrder:
    lane = get_lane_order(lane_id, actor=actor)
    lock_lane(lane.store_id)
    return get_for_update(LaneOrder, lane.id, store_id=lane.store_id)


def _check(data: ExtraInput) -> None:
    data.concern = (data.concern or "").strip()
    if not data.concern or len(data.concern) > 200 or text_problem(data.concern):
        raise LaneError(_l("Describe the extra work (at most 200 characters)."), field="concern")
    if data.minutes is None or not 1 <= data.minutes <= 480:
        raise LaneError(_l("The extra minutes in the bay are between 1 and 480."), field="minutes")
    if data.kind not in (PARTS, LABOR):
        raise LaneError(_l("Choose a part or a labor operation."), field="item")
    if data.kind == LABOR and data.operation_id is None:
        raise LaneError(_l("Choose a labor operation of the store's catalogue."), field="operation_id")


def report_extra_work(lane_id: int, data: ExtraInput, *, actor: Actor, now: datetime) -> LaneOrder:
    """Add extra work found in the bay to the car's repair order, waiting for the owner (增项待确认).

    Raises NotFound, LaneError, and what repair's new line raises (RepairError).
    """
    lane = _lock(lane_id, actor)
    _check(data)
    if lane.stage != IN_BAY:
        raise LaneError(_l("Extra work is reported while the car is in the bay."))
    if lane.extra_job_id is not None:
        raise LaneError(_l("Extra work already waits for the owner's answer."))
    order = repair.lock_order(lane.repair_order_id, actor=actor)
    job = repair.new_job(order, data.concern, actor=actor, now=now,
                         reported_by_id=actor.user_id if TECHNICIAN in actor.roles else None)
    line = repair.LineInput(kind="parts", part_id=data.part_id, quantity=data.quantity) if data.kind == PARTS \
        else repair.LineInput(kind="labor", operation_id=data.operation_id, hours=data.hours)
    repair.new_line(order, job, line, actor=actor, now=now)
    repair.reprice(order)
    db.session.add(LaneExtraWork(store_id=lane.store_id, lane_order_id=lane.id, job_id=job.id, minutes=data.minutes,
                                 answer=EXTRA_PENDING, proposed_at=now))
    lane.extra_job_id = job.id
    lane.version += 1
    audit.record("quick_lane_extra_reported", lane, actor=actor,
                 changes={"concern": data.concern, "minutes": data.minutes})
    db.session.commit()
    return lane


def pieces_of(lane: LaneOrder) -> list[LaneExtraWork]:
    """The lane order's pieces of extra work, in the order they were found, each with its minutes and answer."""
    return list(db.session.scalars(sa.select(LaneExtraWork).where(
        LaneExtraWork.store_id == lane.store_id, LaneExtraWork.lane_order_id == lane.id)
        .order_by(LaneExtraWork.proposed_at, LaneExtraWork.id)))


def _pending_piece(lane: LaneOrder, pieces: list[LaneExtraWork] | None = None) -> LaneExtraWork | None:
    if lane.extra_job_id is None:
        return None
    pieces = pieces_of(lane) if pieces is None else pieces
    return next((piece for piece in pieces if piece.job_id == lane.extra_job_id and piece.answer == EXTRA_PENDING),
                None)


def extra_offer(lane: LaneOrder, order: RepairOrder, *, now: datetime, pieces: list[LaneExtraWork] | None = None,
                vat_rate_bp: int | None = None) -> ExtraOffer | None:
    """The pending extra work as the owner is shown it, with its stored minutes and the new ready time; None when
    nothing waits. `pieces` and `vat_rate_bp`: the lane order's pieces and the store's rate when the caller read
    them already."""
    job = next((job for job in order.jobs if job.id == lane.extra_job_id and job.approval == JOB_PENDING), None)
    piece = _pending_piece(lane, pieces) if job is not None else None
    if job is None or piece is None:
        return None
    price = repair.price(order, (JOB_PENDING,), vat_rate_bp=vat_rate_bp)
    price_fen = sum(line.amount_fen - line.discount_fen for line in price.lines
                    if line.key in {stored.id for stored in job.lines})
    estimate = _estimate_with(lane, piece.minutes, now)
    return ExtraOffer(lane, job.concern, price_fen, piece.minutes, estimate,
                      promises.round_up(estimate) if estimate else None)


def _estimate_with(lane: LaneOrder, minutes: int, now: datetime) -> datetime | None:
    """The car's ready time with the piece's minutes added, the rest of the lane as it is."""
    cars = []
    for car in lane_snapshot(lane.store_id, now)[0]:  # the queue as plain columns, not lane orders
        if car.key == lane.id:
            car = promises.Car(key=car.key, bay_minutes=car.bay_minutes + minutes,
                               wash_minutes=car.wash_minutes, in_bay_since=car.in_bay_since,
                               washing_since=car.washing_since)
        cars.append(car)
    try:
        return promises.forecast(now, lane_of(lane.store_id), cars).get(lane.id)
    except promises.LaneClosed:
        return None


def answer_extra_work(lane_id: int, consent: Consent, *, actor: Actor, now: datetime) -> LaneOrder:
    """Record the owner's answer to the extra work. Approved (with who consented and how): the work is
    approved on the repair order, which leaves the quick lane for the ordinary workflow with the new promise.
    Declined: the work is declined and the car goes on in the lane. Raises NotFound, LaneError, WorkflowError.
    """
    lane = _lock(lane_id, actor)
    if lane.extra_job_id is None:
        raise LaneError(_l("No extra work waits for the owner's answer."))
    order = repair.lock_order(lane.repair_order_id, actor=actor)
    piece = _pending_piece(lane)
    if consent.approved:
        if consent.method not in CONSENT_METHODS:
            raise LaneError(_l("Choose how the owner consented: in person or by phone."), field="method")
        offer = extra_offer(lane, order, now=now)
        repair.accept_extra_work(order, [lane.extra_job_id], repair.ApprovalInput(
            method=consent.method, approver_name=consent.approver_name or "", phone=consent.phone or "",
            aftermarket_consent=True), actor=actor, now=now)
        new_promise = offer.new_promise if offer and offer.new_promise else lane.promised_at
        order.promised_at = new_promise
        lane.extra_minutes += piece.minutes if piece else 0
        lane.stage, lane.left_at, lane.new_promised_at = LEFT_LANE, now, new_promise
        repair.record_event(order, "left_quick_lane", to_state=order.state, actor=actor, now=now,
                            note=new_promise.isoformat())
        audit.record("quick_lane_left", lane, actor=actor,
                     changes={"method": consent.method, "approver": consent.approver_name,
                              "new_promised_at": new_promise})
    else:
        repair.refuse_extra_work(order, [lane.extra_job_id], reason=consent.reason or "", actor=actor, now=now)
        audit.record("quick_lane_extra_declined", lane, actor=actor, changes={"reason": consent.reason})
    if piece is not None:
        piece.answer, piece.answered_at = EXTRA_APPROVED if consent.approved else EXTRA_DECLINED, now
    lane.extra_job_id = None
    lane.version += 1
    db.session.flush()
    refresh_estimates(lane.store_id, now)
    db.session.commit()
    return lane
