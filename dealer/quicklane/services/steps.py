"""The repair order's own steps, driven from the lane's taps (快修驱动工单流程).

A lane order is an ordinary repair order: every step goes through the repair module's cores (the services'
bodies that never commit), inside the lane's one transaction, so the order's timeline, stock ledger, QC
record and signals are the same as at the front desk. What the lane does by rule instead of a person:

- key taken (接车): the estimate is the package, presented and approved at once: the owner agreed to the
  package price at the desk, recorded as an approval `IN_PERSON` in the owner's name (no signature pad);
  the package's parts are reserved as on any approval.
- into a bay (进工位): every approved job is assigned to the bay's technician and the order dispatched
  (派工); the package's parts are issued from stock to the bay (出库) without a trip to the parts counter.
- out of the bay (出工位, to the wash or ready): the jobs are marked done (no clock: the bay's times are the
  lane's stamps) and the order sent to quality check.
- ready (完工): the tap is the final inspection (终检), signed by whoever taps with the lane's checklist;
  the store's independent final inspection holds (the technician who worked the car cannot tap it). The
  owner gets the lane's own SMS (`quick_lane_ready`, with the key tag) instead of repair's `car_ready`.
- handed over (交车): the order must be settled at the cashier first (the normal settlement, at the package
  price); the hand-over delivers it through repair's delivery, so `order_delivered` fires.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from dealer.actors import Actor
from dealer.customers.models import Customer
from dealer.extensions import db
from dealer.quicklane.errors import LaneError
from dealer.quicklane.models import HANDED_OVER, IN_BAY, READY, WASHING, LaneOrder
from dealer.repair import services as repair
from dealer.repair.models import (
    APPROVED,
    IN_PERSON,
    IN_PROGRESS,
    JOB_APPROVED,
    PARTS,
    QUALITY_CHECK,
    SETTLED,
    WORK_DONE,
    RepairOrder,
)
from dealer.repair.models import READY as ORDER_READY
from dealer.sms.outbox import cancel_queued, enqueue


def agree_package(order: RepairOrder, *, actor: Actor, now: datetime) -> None:
    """Present the package as the estimate and record the owner's agreement given at the desk (never commits)."""
    customer = db.session.get(Customer, order.customer_id)
    repair.transition(order, "submit_estimate", actor=actor, now=now)
    repair.accept_estimate(order, repair.ApprovalInput(
        method=IN_PERSON, approver_name=customer.name or order.vehicle.plate, aftermarket_consent=True,
        note=str(_l("Quick lane: the package price agreed at the desk"))), actor=actor, now=now)


def drive(lane: LaneOrder, to_stage: str, *, actor: Actor, now: datetime) -> None:
    """Take the repair order's steps a lane tap stands for (never commits). Raises LaneError and what the
    repair steps raise (IllegalTransition, WorkflowError, InspectorDidTheWork, InsufficientStock)."""
    order = repair.lock_order(lane.repair_order_id, actor=actor)
    if to_stage == IN_BAY:
        _into_workshop(order, lane.technician_id, actor=actor, now=now)
        return
    if lane.stage == IN_BAY:
        _out_of_bay(order, actor=actor, now=now)
    if to_stage == READY:
        _pass_final_inspection(order, actor=actor, now=now)
        _tell_owner(lane, order, now)
    elif to_stage == HANDED_OVER:
        if order.state != SETTLED:
            raise LaneError(_l("Settle order %(number)s at the cashier before the car is handed over.",
                               number=order.number), field="to_stage")
        repair.hand_over(order, actor=actor, now=now)
        cancel_queued(store_id=order.store_id, now=now, dedupe_keys=[_ready_key(order)], reason="delivered")
    elif to_stage != WASHING:
        raise LaneError(_l("Choose the car's next stage."), field="to_stage")


def _approved(order: RepairOrder):
    return [job for job in order.jobs if job.approval == JOB_APPROVED]


def _into_workshop(order: RepairOrder, technician_id: int, *, actor: Actor, now: datetime) -> None:
    if order.state not in (APPROVED, IN_PROGRESS):
        raise LaneError(_l("Order %(number)s is not waiting for the workshop: open it to see why.",
                           number=order.number), field="to_stage")
    if order.state == APPROVED:
        for job in _approved(order):
            if not job.assignments:
                repair.assign_technicians(order, job, [technician_id], actor=actor, now=now)
        repair.send_to_workshop(order, actor=actor, now=now)
    for job in _approved(order):
        for line in job.lines:
            if line.kind == PARTS and line.issued < (line.quantity or 0):
                repair.issue_line(order, line, quantity=line.quantity - line.issued, actor=actor, now=now)


def _out_of_bay(order: RepairOrder, *, actor: Actor, now: datetime) -> None:
    if order.state != IN_PROGRESS:
        return  # someone took the order to quality check from its page already
    for job in _approved(order):
        if job.work != WORK_DONE:
            repair.finish_job(order, job, actor=actor, now=now)
    repair.send_to_quality_check(order, actor=actor, now=now)


def _pass_final_inspection(order: RepairOrder, *, actor: Actor, now: datetime) -> None:
    if order.state == ORDER_READY:
        return  # passed from its page already
    if order.state != QUALITY_CHECK:
        raise LaneError(_l("Order %(number)s is not at quality check: open it to see why.", number=order.number),
                        field="to_stage")
    repair.sign_quality_check(order, repair.QualityCheckInput(
        passed=True, checklist=dict.fromkeys(repair.QC_ITEMS, True)), actor=actor, now=now, tell_owner=False)


def _ready_key(order: RepairOrder) -> str:
    return f"quick_lane_ready:{order.id}"


def _tell_owner(lane: LaneOrder, order: RepairOrder, now: datetime) -> None:
    """The lane's car-ready SMS through the outbox: once per order (its dedupe key), in this transaction."""
    customer = db.session.get(Customer, order.customer_id)
    enqueue("quick_lane_ready", store_id=order.store_id, phone=customer.mobile, customer=customer,
            vehicle_id=lane.vehicle_id, now=now, dedupe_key=_ready_key(order),
            params={"name": customer.name, "plate": lane.plate, "key_tag": lane.key_tag,
                    "store_phone": order.store.phone})
