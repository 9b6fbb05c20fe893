"""The stages of a car in the lane (waiting -> in bay -> washing -> ready -> handed over), one tap each.

Each change names the version of the car the screen showed: a change from a stale screen (someone else
moved the car since) is refused, never applied twice. A bay holds one car (a unique index is the backstop).
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from dealer.actors import MANAGER, SERVICE_ADVISOR, TECHNICIAN, Actor
from dealer.audit import services as audit
from dealer.database import get_for_update, unique_violation
from dealer.errors import Forbidden, NotFound
from dealer.extensions import db
from dealer.quicklane.errors import BayTaken, IllegalStage, LaneError, StaleStage
from dealer.quicklane.models import HANDED_OVER, IN_BAY, READY, WAITING, WASHING, LaneOrder
from dealer.quicklane.services.lane import refresh_estimates
from dealer.quicklane.services.packages import lane_settings, lane_technicians, lock_lane
from dealer.quicklane.services.steps import drive
from dealer.stores.services import sees_store

STAGE_LABELS = {WAITING: _l("Waiting"), IN_BAY: _l("In bay"), WASHING: _l("Washing"), READY: _l("Ready"),
                HANDED_OVER: _l("Handed over")}
# Who moves a car into each stage: the workshop moves it through the bay and the wash, the desk hands it over.
STAGE_ROLES = {IN_BAY: {TECHNICIAN, SERVICE_ADVISOR, MANAGER}, WASHING: {TECHNICIAN, SERVICE_ADVISOR, MANAGER},
               READY: {TECHNICIAN, SERVICE_ADVISOR, MANAGER}, HANDED_OVER: {SERVICE_ADVISOR, MANAGER}}
TAP_STAGES = tuple(STAGE_ROLES)  # the stages a tap moves a car to (leaving the lane and closing the day are not)


def next_stage(lane: LaneOrder) -> str | None:
    """The one stage the car can go to now (a package without a wash goes from the bay to ready)."""
    if lane.stage == WAITING:
        return IN_BAY
    if lane.stage == IN_BAY:
        return WASHING if lane.wash_minutes else READY
    if lane.stage == WASHING:
        return READY
    if lane.stage == READY:
        return HANDED_OVER
    return None


def get_lane_order(lane_id: int, *, actor: Actor) -> LaneOrder:
    lane = db.session.get(LaneOrder, lane_id)
    if lane is None or not sees_store(actor, lane.store_id):
        raise NotFound()
    return lane


def move(lane_id: int, *, to_stage: str, version: int, actor: Actor, now: datetime, bay: int | None = None,
         technician_id: int | None = None) -> LaneOrder:
    """Move a car to its next stage; into a bay with the bay and the technician. Takes the repair order's own
    steps the tap stands for (`steps.drive`) and recomputes the lane's estimates. Raises NotFound, Forbidden,
    StaleStage, IllegalStage, BayTaken, LaneError and what the repair steps raise."""
    lane = get_lane_order(lane_id, actor=actor)
    # The lane's lock first (as opening takes it): every change rewrites the estimates of the cars in the
    # lane, so two changes at once would otherwise each hold one car and wait for the other's (a deadlock).
    lock_lane(lane.store_id)
    lane = get_for_update(LaneOrder, lane.id, store_id=lane.store_id)
    if to_stage not in TAP_STAGES:
        raise IllegalStage(_l("Choose the car's next stage."), field="to_stage")
    if not actor.has_any(STAGE_ROLES[to_stage]):
        raise Forbidden()
    if version != lane.version:
        raise StaleStage(_l("Someone else moved this car just now: it is %(stage)s. Look again before you tap.",
                            stage=STAGE_LABELS[lane.stage]), field="version")
    if to_stage != next_stage(lane):
        raise IllegalStage(_l("This car cannot go from %(from)s to %(to)s.", **{
            "from": STAGE_LABELS[lane.stage], "to": STAGE_LABELS[to_stage]}), field="to_stage")
    if to_stage == IN_BAY:
        _into_bay(lane, bay, technician_id, actor)
    drive(lane, to_stage, actor=actor, now=now)  # the repair order's own steps, in this transaction
    lane.stage = to_stage
    lane.version += 1
    stamp = {IN_BAY: "in_bay_at", WASHING: "washing_at", READY: "ready_at", HANDED_OVER: "handed_over_at"}[to_stage]
    setattr(lane, stamp, now)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError as error:
        if unique_violation(error, "quick_lane_orders", "store_id", "bay") or "bay" in str(error.orig):
            raise BayTaken(_l("Bay %(bay)s holds another car.", bay=bay), field="bay") from None
        raise
    refresh_estimates(lane.store_id, now)
    audit.record("quick_lane_stage", lane, actor=actor, changes={"stage": to_stage, "bay": lane.bay})
    db.session.commit()
    return lane


def _into_bay(lane: LaneOrder, bay: int | None, technician_id: int | None, actor: Actor) -> None:
    settings = lane_settings(lane.store_id)
    if bay is None or not 1 <= bay <= settings.bays:
        raise LaneError(_l("Choose a bay from 1 to %(n)s.", n=settings.bays), field="bay")
    if technician_id is None and TECHNICIAN in actor.roles:
        technician_id = actor.user_id
    on_shift = {user_id for user_id, _, on in lane_technicians(lane.store_id) if on}
    if technician_id not in on_shift:
        raise LaneError(_l("Choose a technician on the lane's shift."), field="technician_id")
    taken = db.session.scalar(sa.select(LaneOrder.id).where(LaneOrder.store_id == lane.store_id,
                                                            LaneOrder.stage == IN_BAY, LaneOrder.bay == bay))
    if taken is not None:
        raise BayTaken(_l("Bay %(bay)s holds another car.", bay=bay), field="bay")
    lane.bay, lane.technician_id = bay, technician_id
