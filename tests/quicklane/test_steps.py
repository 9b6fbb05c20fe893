"""The repair order's own steps driven from the lane's taps: approval at the desk, dispatch and parts into the
bay, the job done and QC, the lane's ready SMS once, settlement at the package price, delivery with its signal."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from dealer.extensions import db
from dealer.parts.models import Part, StockMove
from dealer.quicklane import services
from dealer.quicklane.errors import LaneError
from dealer.quicklane.models import LaneOrder
from dealer.repair import queries as repair_queries
from dealer.repair import services as repair
from dealer.repair import signals as repair_signals
from dealer.repair.errors import InspectorDidTheWork
from dealer.repair.models import Approval, QualityCheck, RepairOrder
from dealer.sms.models import SmsMessage
from tests.helpers import NOW
from tests.quicklane.builders import build_package, minutes, on_shift, settle, take_key, to_ready


def _order(shop, lane) -> RepairOrder:
    return repair.get_order(lane.repair_order_id, actor=shop.advisor)


def _messages(kind):
    return list(db.session.scalars(sa.select(SmsMessage).where(SmsMessage.kind == kind)))


def test_taking_the_key_approves_the_package_in_person_and_reserves_its_parts(shop, package):
    lane = take_key(shop, package)
    order = _order(shop, lane)
    approval = db.session.scalars(sa.select(Approval).where(Approval.order_id == order.id)).one()
    assert (order.state, order.approved_total_fen) == ("approved", 39_900)
    assert (approval.method, approval.subject, approval.amount_fen) == ("in_person", "estimate", 39_900)
    assert approval.approver_name == order.customer.name
    assert db.session.get(Part, shop.oil.id).reserved == 4500


def test_into_the_bay_dispatches_to_its_technician_and_issues_the_package_parts(shop, package):
    lane = take_key(shop, package)
    services.move(lane.id, to_stage="in_bay", version=1, bay=1, technician_id=shop.technician_user.id,
                  actor=shop.technician, now=minutes(5))
    order = _order(shop, lane)
    assert order.state == "in_progress"
    assert [a.technician_id for a in order.jobs[0].assignments] == [shop.technician_user.id]
    assert [(line.issued, line.reserved) for line in order.jobs[0].lines if line.kind == "parts"] == [
        (4500, 0), (1000, 0)]
    oil = db.session.get(Part, shop.oil.id)
    assert (oil.on_hand, oil.reserved) == (20_000 - 4500, 0)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StockMove).where(
        StockMove.order_id == order.id)) == 2
    assert [event.action for event in repair_queries.timeline(order.id, actor=shop.advisor)][-3:] == [
        "approve_estimate", "assigned", "dispatch"]


def test_out_of_the_bay_the_job_is_done_and_the_order_waits_for_its_final_inspection(shop, package):
    lane = take_key(shop, package)
    lane = services.move(lane.id, to_stage="in_bay", version=1, bay=1, technician_id=shop.technician_user.id,
                         actor=shop.technician, now=minutes(5))
    services.move(lane.id, to_stage="washing", version=2, actor=shop.technician, now=minutes(30))
    order = _order(shop, lane)
    assert (order.state, order.jobs[0].work) == ("quality_check", "done")


def test_ready_is_the_final_inspection_and_tells_the_owner_once_with_the_lanes_sms(shop, package):
    lane = to_ready(shop, take_key(shop, package, key_tag="B42"), now=minutes(40))
    order = _order(shop, lane)
    check = db.session.scalars(sa.select(QualityCheck).where(QualityCheck.order_id == order.id)).one()
    assert (order.state, order.ready_at, check.passed, check.inspector_id) == (
        "ready", minutes(40), True, shop.advisor.user_id)
    assert all(check.checklist.values())
    [message] = _messages("quick_lane_ready")
    assert "B42" in message.body and lane.plate in message.body and message.state == "queued"
    assert message.dedupe_key == f"quick_lane_ready:{order.id}"
    assert _messages("car_ready") == []  # repair's own is not sent as well


def test_the_technician_who_worked_the_car_cannot_sign_it_ready(shop, package):
    lane = take_key(shop, package)
    lane = services.move(lane.id, to_stage="in_bay", version=1, bay=1, technician_id=shop.technician_user.id,
                         actor=shop.technician, now=minutes(5))
    lane = services.move(lane.id, to_stage="washing", version=2, actor=shop.technician, now=minutes(30))
    with pytest.raises(InspectorDidTheWork):
        services.move(lane.id, to_stage="ready", version=3, actor=shop.technician, now=minutes(40))
    db.session.rollback()
    assert _messages("quick_lane_ready") == []


def test_hand_over_waits_for_the_cashier_then_delivers_through_repair(shop, package):
    lane = to_ready(shop, take_key(shop, package), now=minutes(40))
    with pytest.raises(LaneError) as error:
        services.move(lane.id, to_stage="handed_over", version=lane.version, actor=shop.advisor, now=minutes(41))
    assert _order(shop, lane).number in str(error.value.message)
    db.session.rollback()
    settled = settle(shop, lane, now=minutes(42))
    assert settled.customer_total_fen == 39_900  # the normal cashier flow keeps the package price to the fen
    delivered = []

    def receiver(order, **kwargs):
        delivered.append(order.id)
    with repair_signals.order_delivered.connected_to(receiver):
        lane = services.move(lane.id, to_stage="handed_over", version=lane.version, actor=shop.advisor,
                             now=minutes(45))
    order = _order(shop, lane)
    assert delivered == [order.id]
    assert (order.state, order.delivered_at, lane.stage) == ("delivered", minutes(45), "handed_over")
    [message] = _messages("quick_lane_ready")
    assert message.state == "cancelled"  # still queued when the owner took the car: moot


def test_a_package_without_a_wash_goes_from_the_bay_to_ready_in_one_tap(shop):
    on_shift(shop)
    package = build_package(shop, wash_minutes=0, code="NOWASH")
    lane = take_key(shop, package)
    lane = services.move(lane.id, to_stage="in_bay", version=1, bay=1, technician_id=shop.technician_user.id,
                         actor=shop.technician, now=NOW)
    services.move(lane.id, to_stage="ready", version=2, actor=shop.advisor, now=minutes(30))
    assert _order(shop, db.session.get(LaneOrder, lane.id)).state == "ready"
