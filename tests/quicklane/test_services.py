"""Quick-lane services against the database: packages, opening an order, the package price, the stages."""
from __future__ import annotations

from datetime import timedelta

import pytest

from dealer.errors import Forbidden
from dealer.extensions import db
from dealer.parts.models import Part
from dealer.quicklane import services
from dealer.quicklane.errors import (
    BayTaken,
    IllegalStage,
    LaneClosedError,
    LaneError,
    PartsShort,
    PromiseMoved,
    StaleStage,
)
from dealer.quicklane.models import LaneOrder
from dealer.repair import services as repair
from dealer.repair.models import QUICK_LANE, RepairOrder
from tests.factories import UserFactory
from tests.helpers import NOW, count
from tests.quicklane.builders import build_package, minutes, new_car, on_shift, settle, take_key, to_ready


def test_save_package_keeps_its_items_in_order(shop, package):
    assert [item.kind for item in package.items] == ["parts", "parts", "labor"]
    assert package.standard_minutes == 45
    again = services.save_package(shop.store.id, services.PackageInput(
        code="q5k", name="小保养", price_fen=29_900, bay_minutes=20, items=[
            services.ItemInput(kind="labor", operation_id=shop.oil_service.id, hours=50)]),
        actor=shop.manager, now=NOW, package_id=package.id)
    assert (again.code, again.wash_minutes, len(again.items)) == ("Q5K", 0, 1)


def test_save_package_refuses_another_stores_part(shop, package, other_store):
    foreign = Part(store_id=other_store.id, part_number="X1", name="别店机油", unit="升", price_fen=100)
    db.session.add(foreign)
    db.session.flush()
    with pytest.raises(LaneError) as error:
        services.save_package(shop.store.id, services.PackageInput(
            code="BAD", name="坏套餐", price_fen=100, bay_minutes=10,
            items=[services.ItemInput(kind="parts", part_id=foreign.id, quantity=1000)]), actor=shop.manager, now=NOW)
    assert error.value.field == "items.0.part_id"


def test_open_lane_order_expands_the_package_and_keeps_its_price(shop, package):
    lane = take_key(shop, package)
    order = repair.get_order(lane.repair_order_id, actor=shop.advisor)
    assert (order.source_kind, order.source_ref, order.kind) == (QUICK_LANE, lane.id, "maintenance")
    lines = order.jobs[0].lines
    assert [line.kind for line in lines] == ["parts", "parts", "labor"]
    totals = repair.price(order, repair.QUOTED)
    assert sum(line.amount_fen for line in lines) == 30_600 + 4_560 + 6_000
    assert totals.total_fen == 39_900  # the package price, exactly
    assert {line.discount_source for line in lines} == {"package"}
    assert sum(line.discount_fen for line in lines) == 41_160 - 39_900
    assert lane.promised_at == minutes(45) and lane.stage == "waiting" and lane.version == 1


def test_extra_lines_on_a_lane_order_are_not_discounted(shop, package):
    lane = take_key(shop, package)
    order = repair.get_order(lane.repair_order_id, actor=shop.advisor)
    job = repair.add_job(order.id, concern="雨刮", actor=shop.advisor, now=NOW)
    line = repair.add_line(job.id, repair.LineInput(kind="labor", operation_id=shop.brakes.id), actor=shop.advisor,
                           now=NOW)
    assert line.discount_fen == 0
    repair.approve_extra_work(order.id, [job.id], repair.ApprovalInput(
        method="phone", approver_name="车主", phone="13800000000"), actor=shop.advisor, now=NOW)
    assert repair.price(repair.get_order(order.id, actor=shop.advisor), repair.QUOTED).total_fen == 39_900 + 14_400


def test_a_package_dearer_than_its_lines_gets_no_discount(shop):
    on_shift(shop)
    package = build_package(shop, price_fen=50_000, code="BIG")
    lane = take_key(shop, package)
    assert repair.price(repair.get_order(lane.repair_order_id, actor=shop.advisor), repair.QUOTED).total_fen == 41_160


def test_a_part_out_of_stock_is_flagged_before_any_promise(shop):
    on_shift(shop)
    package = build_package(shop, oil_quantity=25_000)  # 20 l on hand
    offer = services.quote(shop.store.id, package.id, actor=shop.advisor, now=NOW)
    assert offer.promise is None and [s.part_number for s in offer.shortages] == [shop.oil.part_number]
    with pytest.raises(PartsShort):
        services.open_lane_order(new_car(shop).id, services.LaneInput(package_id=package.id, key_tag="K1",
                                                                      promised_at=minutes(45)),
                                 actor=shop.advisor, now=NOW)
    assert count(LaneOrder) == 0


def test_a_promise_that_moved_since_the_quote_is_refused(shop, package):
    offer = services.quote(shop.store.id, package.id, actor=shop.advisor, now=NOW)
    take_key(shop, package, key_tag="K1")  # another desk took a key meanwhile: one server, the queue grew
    with pytest.raises(PromiseMoved):
        services.open_lane_order(new_car(shop).id, services.LaneInput(package_id=package.id, key_tag="K2",
                                                                      promised_at=offer.promised_at),
                                 actor=shop.advisor, now=NOW)
    assert count(LaneOrder) == 1


def test_nobody_on_shift_gives_no_promise(shop):
    package = build_package(shop)
    with pytest.raises(LaneClosedError):
        services.quote(shop.store.id, package.id, actor=shop.advisor, now=NOW)


def test_a_key_tag_in_the_lane_is_not_given_twice(shop, package):
    take_key(shop, package, key_tag="k1")
    with pytest.raises(LaneError) as error:
        take_key(shop, package, key_tag="K1")
    assert error.value.field == "key_tag"


def test_the_cap_moves_the_promise_to_the_next_quarter_with_room(shop, package):
    services.save_settings(shop.store.id, bays=20, cap_per_quarter=1, actor=shop.manager, now=NOW)
    on_shift(shop, *_technicians(shop, 3))
    first = take_key(shop, package, key_tag="A")
    offer = services.quote(shop.store.id, package.id, actor=shop.advisor, now=NOW)
    assert first.promised_at == minutes(45)
    assert offer.promise.moved and offer.promised_at == minutes(60)


def _technicians(shop, n):
    users = [UserFactory(roles=["technician"], store=shop.store) for _ in range(n)]
    db.session.flush()
    return users


def test_stages_run_in_order_with_their_times(shop, package):
    lane = take_key(shop, package)
    tech = shop.technician_user.id
    lane = services.move(lane.id, to_stage="in_bay", version=1, bay=1, technician_id=tech, actor=shop.technician,
                         now=minutes(5))
    with pytest.raises(IllegalStage):
        services.move(lane.id, to_stage="ready", version=2, actor=shop.technician, now=minutes(30))
    lane = services.move(lane.id, to_stage="washing", version=2, actor=shop.technician, now=minutes(30))
    lane = services.move(lane.id, to_stage="ready", version=3, actor=shop.advisor, now=minutes(40))
    settle(shop, lane, now=minutes(41))
    lane = services.move(lane.id, to_stage="handed_over", version=4, actor=shop.advisor, now=minutes(42))
    assert (lane.in_bay_at, lane.washing_at, lane.ready_at, lane.handed_over_at) == (
        minutes(5), minutes(30), minutes(40), minutes(42))
    assert lane.version == 5


def test_a_stale_screen_is_refused_and_nothing_applies_twice(shop, package):
    lane = take_key(shop, package)
    services.move(lane.id, to_stage="in_bay", version=1, bay=1, technician_id=shop.technician_user.id,
                  actor=shop.technician, now=minutes(5))
    with pytest.raises(StaleStage):
        services.move(lane.id, to_stage="in_bay", version=1, bay=2, technician_id=shop.technician_user.id,
                      actor=shop.advisor, now=minutes(5))
    lane = db.session.get(LaneOrder, lane.id)
    assert (lane.stage, lane.bay, lane.version) == ("in_bay", 1, 2)


def test_a_bay_holds_one_car(shop, package):
    services.save_settings(shop.store.id, bays=2, cap_per_quarter=10, actor=shop.manager, now=NOW)
    on_shift(shop, *_technicians(shop, 1))
    first, second = take_key(shop, package, key_tag="A"), take_key(shop, package, key_tag="B")
    services.move(first.id, to_stage="in_bay", version=1, bay=1, technician_id=shop.technician_user.id,
                  actor=shop.advisor, now=minutes(1))
    with pytest.raises(BayTaken):
        services.move(second.id, to_stage="in_bay", version=1, bay=1, technician_id=shop.technician_user.id,
                      actor=shop.advisor, now=minutes(1))


def test_the_technician_cannot_hand_the_car_over(shop, package):
    lane = take_key(shop, package)
    to_ready(shop, lane)
    settle(shop, lane)
    with pytest.raises(Forbidden):
        services.move(lane.id, to_stage="handed_over", version=4, actor=shop.technician, now=minutes(9))


def test_estimates_are_recomputed_on_every_event(shop, package):
    first = take_key(shop, package, key_tag="A")
    second = take_key(shop, package, key_tag="B")
    assert (first.estimate_at, second.estimate_at) == (minutes(45), minutes(75))
    services.move(first.id, to_stage="in_bay", version=1, bay=1, technician_id=shop.technician_user.id,
                  actor=shop.technician, now=minutes(10))  # started 10 minutes late
    assert db.session.get(LaneOrder, second.id).estimate_at == minutes(85)
    assert count(RepairOrder) == 2


def test_the_agreed_promise_is_kept_when_the_lane_can_still_keep_it(shop, package):
    offer = services.quote(shop.store.id, package.id, actor=shop.advisor, now=NOW)
    # The owner agreed a minute ago; the lane has not changed: the agreed promise stands as agreed.
    lane = services.open_lane_order(new_car(shop).id, services.LaneInput(
        package_id=package.id, key_tag="K1", promised_at=offer.promised_at), actor=shop.advisor, now=minutes(1))
    assert lane.promised_at == offer.promised_at == minutes(45) and lane.estimate_at == minutes(46)


def test_an_agreed_promise_in_a_full_quarter_is_refused(shop, package):
    services.save_settings(shop.store.id, bays=2, cap_per_quarter=1, actor=shop.manager, now=NOW)
    on_shift(shop, *_technicians(shop, 1))
    take_key(shop, package, key_tag="A")  # 10:45
    offer = services.quote(shop.store.id, package.id, actor=shop.advisor, now=NOW)
    assert offer.promise.moved and offer.promised_at == minutes(60)
    with pytest.raises(PromiseMoved):  # the estimate (10:45) is met, but 10:45-11:00 holds its one promise
        services.open_lane_order(new_car(shop).id, services.LaneInput(
            package_id=package.id, key_tag="B", promised_at=minutes(50)), actor=shop.advisor, now=NOW)
    lane = services.open_lane_order(new_car(shop).id, services.LaneInput(
        package_id=package.id, key_tag="B", promised_at=minutes(60)), actor=shop.advisor, now=NOW)
    assert lane.promised_at == minutes(60)


def test_a_quote_older_than_the_grace_is_refused(shop, package):
    offer = services.quote(shop.store.id, package.id, actor=shop.advisor, now=NOW)
    with pytest.raises(PromiseMoved):
        services.open_lane_order(new_car(shop).id, services.LaneInput(
            package_id=package.id, key_tag="K1", promised_at=offer.promised_at), actor=shop.advisor, now=minutes(4))


def test_an_order_naming_no_lane_order_of_its_store_gets_no_package(shop, package, other_store):
    lane = take_key(shop, package)
    for ref in (lane.id, 999_999):  # a lane order that has its repair order already, and none at all
        order = repair.open_order(new_car(shop).id, repair.OrderInput(concerns=["保养"], promised_at=minutes(60)),
                                  actor=shop.advisor, now=NOW, source=repair.OrderSource(kind=QUICK_LANE, ref=ref))
        assert repair.get_order(order.id, actor=shop.advisor).jobs[0].lines == []


def test_suggest_package_preselects_the_due_maintenance_and_nothing_when_not_due(shop, package):
    due = new_car(shop)
    due.last_maintenance_km, due.next_maintenance_due = 15_000, NOW.date()
    later = new_car(shop)
    later.last_maintenance_km, later.next_maintenance_due = 15_000, NOW.date() + timedelta(days=90)
    db.session.flush()
    packages = services.package_choices(shop.store.id, actor=shop.advisor)
    today = shop.store.local_date(NOW)
    assert services.suggest_package(due, packages, today=today).id == package.id
    assert services.suggest_package(later, packages, today=today) is None
