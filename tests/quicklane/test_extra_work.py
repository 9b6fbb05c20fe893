"""Extra work found in the bay (增项): its price and the new ready time shown, the owner's consent recorded and
the car out of the lane with the new promise; declined, the car goes on in the lane."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from dealer.extensions import db
from dealer.quicklane import queries, services
from dealer.quicklane.errors import LaneError
from dealer.quicklane.models import LaneOrder
from dealer.repair import services as repair
from dealer.repair.errors import WorkflowError
from dealer.repair.models import Approval
from tests.quicklane.builders import minutes, take_key

BRAKES = 14_400  # 1.2 h x 120.00


@pytest.fixture()
def in_bay(shop, package):
    lane = take_key(shop, package)
    return services.move(lane.id, to_stage="in_bay", version=1, bay=1, technician_id=shop.technician_user.id,
                         actor=shop.technician, now=minutes(5))


def _report(shop, lane, *, extra_minutes=40, now=minutes(15)):
    return services.report_extra_work(lane.id, services.ExtraInput(
        concern="前刹车片磨损到限", minutes=extra_minutes, kind="labor", operation_id=shop.brakes.id),
        actor=shop.technician, now=now)


def _offer(shop, lane, now):
    order = repair.get_order(lane.repair_order_id, actor=shop.advisor)
    return services.extra_offer(db.session.get(LaneOrder, lane.id), order, now=now)


def test_extra_work_shows_its_price_and_the_new_ready_time(shop, in_bay):
    lane = _report(shop, in_bay)
    offer = _offer(shop, lane, minutes(15))
    # In the bay since 0:05 for 30 + 40 minutes, then 15 at the wash: ready at 1:30 instead of 0:50.
    assert (offer.concern, offer.price_fen, offer.minutes) == ("前刹车片磨损到限", BRAKES, 40)
    assert (offer.new_estimate, offer.new_promise) == (minutes(90), minutes(90))
    order = repair.get_order(lane.repair_order_id, actor=shop.advisor)
    assert [job.approval for job in order.jobs] == ["approved", "pending"]
    assert repair.price(order).total_fen == 39_900  # not billed until the owner says yes


def test_approved_with_consent_the_car_leaves_the_lane_with_the_new_promise(shop, in_bay):
    lane = _report(shop, in_bay)
    lane = services.answer_extra_work(lane.id, services.Consent(
        approved=True, method="phone", approver_name="王先生", phone="13800138000"), actor=shop.advisor,
        now=minutes(20))
    order = repair.get_order(lane.repair_order_id, actor=shop.advisor)
    approval = db.session.scalars(sa.select(Approval).where(Approval.order_id == order.id,
                                                           Approval.subject == "extra_work")).one()
    assert (approval.method, approval.approver_name, approval.phone, approval.approved_at, approval.amount_fen) == (
        "phone", "王先生", "13800138000", minutes(20), BRAKES)
    assert (lane.stage, lane.left_at, lane.new_promised_at, lane.promised_at) == (
        "left_lane", minutes(20), minutes(90), minutes(45))
    assert order.promised_at == minutes(90) and order.state == "in_progress"
    assert repair.price(order).total_fen == 39_900 + BRAKES  # the package price kept; the brakes at list
    board = queries.board(shop.store.id, actor=shop.advisor, now=minutes(21))
    assert board.cars == []  # out of the lane (its bay free)


def test_declined_the_car_goes_on_in_the_lane(shop, in_bay):
    lane = _report(shop, in_bay)
    lane = services.answer_extra_work(lane.id, services.Consent(approved=False, reason="下次再换"),
                                      actor=shop.advisor, now=minutes(20))
    order = repair.get_order(lane.repair_order_id, actor=shop.advisor)
    assert [job.approval for job in order.jobs] == ["approved", "declined"]
    assert (lane.stage, lane.extra_job_id, lane.extra_minutes, lane.promised_at) == ("in_bay", None, 0, minutes(45))
    assert [(piece.minutes, piece.answer) for piece in services.pieces_of(lane)] == [(40, "declined")]
    lane = services.move(lane.id, to_stage="washing", version=lane.version, actor=shop.technician,
                         now=minutes(35))
    assert repair.get_order(lane.repair_order_id, actor=shop.advisor).state == "quality_check"


def test_the_car_cannot_leave_the_bay_while_the_owner_has_not_answered(shop, in_bay):
    lane = _report(shop, in_bay)
    with pytest.raises(WorkflowError):
        services.move(lane.id, to_stage="washing", version=lane.version, actor=shop.technician, now=minutes(35))


def test_consent_needs_who_and_how(shop, in_bay):
    lane = _report(shop, in_bay)
    with pytest.raises(LaneError) as error:
        services.answer_extra_work(lane.id, services.Consent(approved=True, method="signature",
                                                             approver_name="王先生"),
                                   actor=shop.advisor, now=minutes(20))
    assert error.value.field == "method"
    with pytest.raises(WorkflowError) as error:
        services.answer_extra_work(lane.id, services.Consent(approved=True, method="in_person", approver_name=" "),
                                   actor=shop.advisor, now=minutes(20))
    assert error.value.field == "approver_name"


def test_extra_work_is_reported_once_and_only_in_the_bay(shop, package, in_bay):
    _report(shop, in_bay)
    with pytest.raises(LaneError):
        _report(shop, in_bay)
    waiting = take_key(shop, package, key_tag="K2")
    with pytest.raises(LaneError):
        _report(shop, waiting)
