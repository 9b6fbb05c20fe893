"""Comebacks (返修), the repair warranty, and the first-time-fix, comeback and on-time figures."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from dealer.extensions import db
from dealer.repair import services
from dealer.repair.models import COMEBACK_CONFIRMED, COMEBACK_DISMISSED, COMEBACK_PROPOSED, RepairSettings
from dealer.repair.services import ComebackError
from tests.helpers import NOW
from tests.repair.builders import add_labor, finished_order, open_order, pay

MONTH = date(2026, 11, 1)


def delivered(shop, now=NOW, **order_fields):
    order = finished_order(shop, now=now, **order_fields)
    services.settle(order.id, pay(order, (36600, "cash")), actor=shop.cashier, now=now)
    services.deliver(order.id, actor=shop.advisor, now=now)
    return order


def test_same_operation_within_the_window_is_proposed_as_a_comeback(shop):
    first = delivered(shop)
    later = NOW + timedelta(days=10)
    order = open_order(shop, "机油灯又亮了", now=later)
    add_labor(shop, order.jobs[0], now=later)  # the same oil-service operation
    job = order.jobs[0]
    assert job.comeback_state == COMEBACK_PROPOSED and job.comeback_of_id == first.jobs[0].id


def test_no_proposal_outside_the_window_or_for_other_work(shop):
    delivered(shop)
    order = open_order(shop, "刹车异响", now=NOW + timedelta(days=10))
    add_labor(shop, order.jobs[0], shop.brakes, now=NOW + timedelta(days=10))  # another operation and category
    assert order.jobs[0].comeback_state is None
    late = open_order(shop, "保养", now=NOW + timedelta(days=31))
    services.add_line(late.jobs[0].id, services.LineInput(kind="labor", operation_id=shop.oil_service.id),
                      actor=shop.advisor, now=NOW + timedelta(days=31))
    assert late.jobs[0].comeback_state is None


def test_a_confirmed_comeback_under_warranty_costs_the_owner_nothing(shop):
    delivered(shop)  # no odometer reading: the warranty runs on time alone
    now = NOW + timedelta(days=10)
    order = open_order(shop, "机油渗漏", now=now, odometer_km=31_000)
    add_labor(shop, order.jobs[0], now=now)
    job = services.confirm_comeback(order.jobs[0].id, actor=shop.advisor, now=now)
    assert job.comeback_state == COMEBACK_CONFIRMED and job.under_warranty
    assert {line.payer for line in job.lines} == {"internal"}
    assert services.price(order, services.QUOTED).total_fen == 0
    added = add_labor(shop, job, shop.brakes, now=now)  # later lines of the job follow
    assert added.payer == "internal"


def test_a_comeback_past_the_warranty_km_is_billed(shop):
    delivered(shop, odometer_km=30_000)
    now = NOW + timedelta(days=20)
    order = open_order(shop, "机油渗漏", now=now, odometer_km=35_500)
    add_labor(shop, order.jobs[0], now=now)
    job = services.confirm_comeback(order.jobs[0].id, actor=shop.advisor, now=now)
    assert job.comeback_state == COMEBACK_CONFIRMED and not job.under_warranty
    assert services.price(order, services.QUOTED).total_fen == 6000


def test_the_advisor_can_link_or_dismiss(shop):
    first = delivered(shop)
    now = NOW + timedelta(days=5)
    order = open_order(shop, "异响", now=now)
    with pytest.raises(ComebackError):
        services.dismiss_comeback(order.jobs[0].id, actor=shop.advisor, now=now)
    db.session.rollback()
    with pytest.raises(ComebackError):
        services.confirm_comeback(order.jobs[0].id, actor=shop.advisor, now=now)
    db.session.rollback()
    job = services.confirm_comeback(order.jobs[0].id, earlier_job_id=first.jobs[0].id, actor=shop.advisor, now=now)
    assert job.comeback_of_id == first.jobs[0].id
    other = open_order(shop, "保养", now=now)
    add_labor(shop, other.jobs[0], now=now)
    assert services.dismiss_comeback(other.jobs[0].id, actor=shop.advisor, now=now).comeback_state == \
        COMEBACK_DISMISSED


def test_a_shorter_store_window_is_respected(shop):
    db.session.add(RepairSettings(store_id=shop.store.id, comeback_window_days=7))
    delivered(shop)
    order = open_order(shop, "保养", now=NOW + timedelta(days=8))
    add_labor(shop, order.jobs[0], now=NOW + timedelta(days=8))
    assert order.jobs[0].comeback_state is None


def test_first_time_fix_and_comeback_rates_per_advisor_and_technician(shop):
    first = delivered(shop)
    delivered(shop)
    now = NOW + timedelta(days=3)
    comeback = finished_order(shop, now=now)
    services.confirm_comeback(comeback.jobs[0].id, earlier_job_id=first.jobs[0].id, actor=shop.advisor, now=now)
    services.settle(comeback.id, pay(comeback, (0, "cash"))[:0], actor=shop.cashier, now=now)
    figures = services.quality_figures(actor=shop.manager, month=MONTH)
    store = figures["store"][0]
    assert (store.delivered, store.came_back, store.comebacks) == (3, 1, 1)
    assert store.first_time_fix_rate == pytest.approx(2 / 3) and store.comeback_rate == pytest.approx(1 / 3)
    [advisor] = figures["advisors"]
    assert advisor.user_id == shop.advisor.user_id and advisor.came_back == 1
    [technician] = figures["technicians"]
    assert technician.user_id == shop.technician.user_id and (technician.delivered, technician.came_back) == (3, 1)


def test_on_time_figures(shop):
    finished_order(shop)  # ready at NOW, promised 4 h later: on time
    late = open_order(shop, "大修")
    late.promised_at = NOW + timedelta(minutes=1)
    late.ready_at = NOW + timedelta(minutes=31)
    db.session.commit()
    row = services.time_figures(actor=shop.manager, month=MONTH)
    assert (row.ready, row.on_time, row.average_late_minutes) == (2, 1, 30)


def test_the_payer_of_a_warranty_comeback_line_cannot_be_set_back_to_the_owner(shop):
    delivered(shop)
    now = NOW + timedelta(days=10)
    order = open_order(shop, "机油渗漏", now=now)
    line = add_labor(shop, order.jobs[0], now=now)
    services.confirm_comeback(order.jobs[0].id, actor=shop.advisor, now=now)
    services.update_line(line.id, payer="customer", actor=shop.advisor, now=now)
    assert line.payer == "internal"
