"""Each piece of extra work found in the bay (增项) keeps its own time impact: the minutes stored when it was
proposed make the new ready time the owner is shown, an approved piece's minutes join the car's, and the month's
figures count the minutes approved, declined and still waiting."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from dealer.extensions import db
from dealer.quicklane import queries, services
from dealer.quicklane.figures import ExtraMinutes, month_figures
from dealer.quicklane.models import LaneExtraWork
from dealer.repair import services as repair
from tests.helpers import bearer, login, persist
from tests.isolation import isolated_client
from tests.quicklane.builders import minutes, new_car, take_key


@pytest.fixture()
def in_bay(shop, package):
    lane = take_key(shop, package)
    return services.move(lane.id, to_stage="in_bay", version=1, bay=1, technician_id=shop.technician_user.id,
                         actor=shop.technician, now=minutes(5))


def _report(shop, lane, extra_minutes, *, concern="前刹车片磨损到限", now=minutes(15)):
    return services.report_extra_work(lane.id, services.ExtraInput(
        concern=concern, minutes=extra_minutes, kind="labor", operation_id=shop.brakes.id),
        actor=shop.technician, now=now)


def _answer(shop, lane, approved, now):
    consent = services.Consent(approved=True, method="in_person", approver_name="王先生") if approved \
        else services.Consent(approved=False, reason="下次再换")
    return services.answer_extra_work(lane.id, consent, actor=shop.advisor, now=now)


def _offer(shop, lane, now):
    order = repair.get_order(lane.repair_order_id, actor=shop.advisor)
    return services.extra_offer(lane, order, now=now)


def test_each_piece_keeps_its_minutes_and_the_owners_answer(shop, in_bay):
    lane = _report(shop, in_bay, 40)
    lane = _answer(shop, lane, False, minutes(20))
    lane = _report(shop, lane, 25, concern="空调滤芯脏", now=minutes(22))
    pieces = services.pieces_of(lane)
    assert [(piece.minutes, piece.answer, piece.proposed_at, piece.answered_at) for piece in pieces] == [
        (40, "declined", minutes(15), minutes(20)), (25, "pending", minutes(22), None)]
    assert pieces[1].job_id == lane.extra_job_id


def test_the_new_ready_time_adds_the_waiting_piece_s_own_minutes_not_the_declined_ones(shop, in_bay):
    lane = _answer(shop, _report(shop, in_bay, 40), False, minutes(20))
    lane = _report(shop, lane, 25, concern="空调滤芯脏", now=minutes(22))
    offer = _offer(shop, lane, minutes(22))
    # In the bay since 0:05 for 30 + 25 minutes, then 15 at the wash: 1:15 (the declined 40 add nothing).
    assert (offer.concern, offer.minutes, offer.new_estimate, offer.new_promise) == (
        "空调滤芯脏", 25, minutes(75), minutes(75))


def test_an_approved_piece_s_minutes_join_the_car_and_make_its_new_promise(shop, in_bay):
    lane = _answer(shop, _report(shop, in_bay, 40), False, minutes(20))
    lane = _answer(shop, _report(shop, lane, 25, now=minutes(22)), True, minutes(25))
    assert (lane.stage, lane.extra_minutes, lane.new_promised_at) == ("left_lane", 25, minutes(75))
    assert [piece.answer for piece in services.pieces_of(lane)] == ["declined", "approved"]
    assert repair.get_order(lane.repair_order_id, actor=shop.advisor).promised_at == minutes(75)


def test_the_month_s_figures_count_the_minutes_approved_declined_and_waiting(shop, package, manager):
    cars = [take_key(shop, package, new_car(shop), key_tag=f"K{n}") for n in (1, 2, 3)]
    for bay, lane in enumerate(cars[:2], start=1):
        services.move(lane.id, to_stage="in_bay", version=lane.version, bay=bay,
                      technician_id=shop.technician_user.id, actor=shop.technician, now=minutes(5))
    _answer(shop, _report(shop, cars[0], 40), False, minutes(20))
    _answer(shop, _report(shop, cars[1], 25), True, minutes(20))
    _report(shop, db.session.get(type(cars[0]), cars[0].id), 10, concern="雨刮片老化", now=minutes(30))
    figures = month_figures(shop.store.id, date(2026, 11, 1), actor=manager)
    assert figures.extra == ExtraMinutes(approved=1, approved_minutes=25, declined=1, declined_minutes=40,
                                         pending=1, pending_minutes=10)
    assert month_figures(shop.store.id, date(2026, 10, 1), actor=manager).extra == ExtraMinutes()


def test_the_database_holds_one_waiting_piece_per_car(shop, in_bay):
    lane = _report(shop, in_bay, 40)
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.add(LaneExtraWork(store_id=lane.store_id, lane_order_id=lane.id, job_id=lane.package_job_id,
                                     minutes=10, answer="pending", proposed_at=minutes(16)))
        db.session.flush()


def test_the_api_lists_each_piece_with_its_minutes_and_the_figures_their_sum(client, shop, in_bay, staff):
    lane = _answer(shop, _report(shop, in_bay, 40), False, minutes(20))
    _report(shop, lane, 25, concern="空调滤芯脏", now=minutes(22))
    tokens = {role: bearer(user) for role, user in staff.items()}
    persist()
    body = client.get(f"/api/v1/quick-lane/orders/{lane.id}/extra", headers=tokens["technician"]).get_json()
    assert [(item["concern"], item["approval"], item["minutes"]) for item in body["items"]] == [
        ("前刹车片磨损到限", "declined", 40), ("空调滤芯脏", "pending", 25)]
    assert body["pending"]["minutes"] == 25
    figures = client.get("/api/v1/quick-lane/figures?month=2026-11", headers=tokens["manager"]).get_json()
    assert figures["extra"] == {"approved": 0, "approved_minutes": 0, "declined": 1, "declined_minutes": 40,
                                "pending": 1, "pending_minutes": 25}


def test_the_extra_work_page_lists_every_piece_with_its_minutes(app, shop, in_bay, staff):
    lane = _answer(shop, _report(shop, in_bay, 40), False, minutes(20))
    _report(shop, lane, 25, concern="空调滤芯脏", now=minutes(22))
    persist()
    client = isolated_client(app)
    login(client, staff["service_advisor"])
    page = client.get(f"/quick-lane/{lane.id}/extra").get_data(as_text=True)
    rows = queries.extra_work(lane.id, actor=shop.advisor, now=minutes(22)).items
    assert [(item.minutes, item.approval) for item in rows] == [(40, "declined"), (25, "pending")]
    assert page.count('data-testid="lane-extra-piece"') == 2
    assert "+40 分钟" in page or "+40 min" in page
    assert 'data-testid="lane-extra-offer"' in page
