"""Closing the lane's day (快修日结): the cars still in the lane are listed for the manager, and each is carried
over to the next day or closed with a reason (off the lane; its repair order goes on as any order)."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from dealer.actors import MANAGER, Actor
from dealer.audit import services as audit
from dealer.database import get_for_update
from dealer.errors import Forbidden
from dealer.extensions import db
from dealer.inputs import text_problem
from dealer.quicklane.errors import LaneError
from dealer.quicklane.models import CLOSED, IN_BAY, IN_LANE, LaneOrder
from dealer.quicklane.services.lane import refresh_estimates
from dealer.quicklane.services.packages import lock_lane
from dealer.quicklane.services.stages import get_lane_order


def _reason(reason: str, *, required: bool) -> str:
    reason = (reason or "").strip()
    if (required and not reason) or len(reason) > 200 or (reason and text_problem(reason)):
        raise LaneError(_l("Say why (at most 200 characters)."), field="reason")
    return reason


def _lock(lane_id: int, version: int, actor: Actor) -> LaneOrder:
    if MANAGER not in actor.roles:
        raise Forbidden()
    lane = get_lane_order(lane_id, actor=actor)
    lock_lane(lane.store_id)
    lane = get_for_update(LaneOrder, lane.id, store_id=lane.store_id)
    if lane.stage not in IN_LANE:
        raise LaneError(_l("This car is no longer in the lane."))
    if version != lane.version:
        raise LaneError(_l("Someone else moved this car just now: look again."), field="version")
    return lane


def carry_over(lane_id: int, *, version: int, reason: str = "", actor: Actor, now: datetime) -> LaneOrder:
    """Keep a car in the lane for the next day (结转). Raises NotFound, LaneError."""
    lane = _lock(lane_id, version, actor)
    reason = _reason(reason, required=False)
    lane.carried_over_at = now
    lane.version += 1
    audit.record("quick_lane_carried_over", lane, actor=actor, changes={"reason": reason})
    db.session.commit()
    return lane


def close_lane_order(lane_id: int, *, version: int, reason: str, actor: Actor, now: datetime) -> LaneOrder:
    """Take a car off the lane at the end of the day with the manager's reason (关闭); its repair order stays
    as it is, in the ordinary workflow. Raises NotFound, LaneError."""
    lane = _lock(lane_id, version, actor)
    reason = _reason(reason, required=True)
    was_in_bay = lane.stage == IN_BAY
    lane.stage, lane.closed_at, lane.close_reason = CLOSED, now, reason
    lane.version += 1
    db.session.flush()
    refresh_estimates(lane.store_id, now)
    audit.record("quick_lane_closed", lane, actor=actor, changes={"reason": reason, "was_in_bay": was_in_bay})
    db.session.commit()
    return lane
