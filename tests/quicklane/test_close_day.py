"""Closing the lane's day (快修日结): the cars still in the lane listed for the manager, each carried over with
its promise or closed with a reason (off the lane, its repair order untouched)."""
from __future__ import annotations

import pytest

from dealer.errors import Forbidden
from dealer.extensions import db
from dealer.quicklane import queries, services
from dealer.quicklane.errors import LaneError
from dealer.quicklane.models import LaneOrder
from dealer.repair import services as repair
from tests.helpers import audit_entries
from tests.quicklane.builders import minutes, take_key


def test_a_car_carried_over_stays_in_the_lane_with_its_promise(shop, package):
    lane = take_key(shop, package)
    lane = services.carry_over(lane.id, version=1, reason="等配件", actor=shop.manager, now=minutes(600))
    assert (lane.stage, lane.carried_over_at, lane.promised_at, lane.version) == (
        "waiting", minutes(600), minutes(45), 2)
    board = queries.board(shop.store.id, actor=shop.manager, now=minutes(601))
    assert [car.lane.id for car in board.cars] == [lane.id]


def test_a_car_closed_with_a_reason_leaves_the_lane_and_its_order_stays(shop, package):
    first, second = take_key(shop, package, key_tag="A"), take_key(shop, package, key_tag="B")
    services.move(first.id, to_stage="in_bay", version=1, bay=1, technician_id=shop.technician_user.id,
                  actor=shop.technician, now=minutes(5))
    with pytest.raises(LaneError) as error:
        services.close_lane_order(first.id, version=2, reason=" ", actor=shop.manager, now=minutes(600))
    assert error.value.field == "reason"
    lane = services.close_lane_order(first.id, version=2, reason="车主改天再来", actor=shop.manager,
                                     now=minutes(600))
    assert (lane.stage, lane.closed_at, lane.close_reason) == ("closed", minutes(600), "车主改天再来")
    assert repair.get_order(lane.repair_order_id, actor=shop.manager).state == "in_progress"
    board = queries.board(shop.store.id, actor=shop.manager, now=minutes(601))
    assert [car.lane.id for car in board.cars] == [second.id]
    assert db.session.get(LaneOrder, second.id).estimate_at == minutes(645)  # the bay is free: it goes next
    assert [entry.action for entry in audit_entries("quick_lane_closed")] == ["quick_lane_closed"]


def test_only_the_manager_closes_the_day_and_from_a_fresh_screen(shop, package):
    lane = take_key(shop, package)
    with pytest.raises(Forbidden):
        services.carry_over(lane.id, version=1, actor=shop.advisor, now=minutes(600))
    services.carry_over(lane.id, version=1, actor=shop.manager, now=minutes(600))
    with pytest.raises(LaneError):
        services.close_lane_order(lane.id, version=1, reason="x", actor=shop.manager, now=minutes(601))
