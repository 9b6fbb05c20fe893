"""The workshop's rules of issue 12: the final inspection (终检) by someone other than the job's technicians, a
job done with parts never issued only with a reason, a second open order for a car only when meant, and the
car's orders on the vehicle page."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from dealer.extensions import db
from dealer.repair import queries, services
from dealer.repair.errors import InspectorDidTheWork, PartsNotIssued, VehicleHasOpenOrder
from dealer.repair.models import (
    IN_PROGRESS,
    QUALITY_CHECK,
    READY,
    WORK_DONE,
    OrderEvent,
    RepairJob,
    RepairOrder,
)
from dealer.repair.services import QualityCheckInput
from tests.factories import VehicleFactory
from tests.helpers import (
    NOW,
    assert_error,
    audit_entries,
    bearer,
    field_has_error,
    fresh,
    login,
    persist,
    text,
)
from tests.isolation import isolated_client
from tests.repair.builders import approved_order, finished_order, open_order, pay

ALL_QC = dict.fromkeys(services.QC_ITEMS, True)


@pytest.fixture()
def sign_in(app, shop, staff):
    persist()
    clients = {}

    def signed_in(role):
        if role not in clients:
            clients[role] = isolated_client(app)
            login(clients[role], staff[role])
        return clients[role]

    return signed_in


def _in_workshop(shop):
    order = approved_order(shop)
    job = order.jobs[0]
    services.assign_job(job.id, [shop.technician_user.id], actor=shop.advisor, now=NOW)
    services.dispatch(order.id, actor=shop.advisor, now=NOW)
    return order, job


def _waiting_for_quality_check(shop):
    order, job = _in_workshop(shop)
    for line in job.lines:
        if line.kind == "parts":
            services.issue_to_line(line.id, quantity=line.quantity, actor=shop.clerk, now=NOW)
    services.mark_job_done(job.id, actor=shop.technician, now=NOW)
    services.request_quality_check(order.id, actor=shop.technician, now=NOW)
    return order


def _save_settings(shop, **changes):
    values = dict(vat_rate_bp=1300, manual_discount_limit_bp=1000, comeback_window_days=30, warranty_months=3,
                  warranty_km=5000, warranty_terms="")
    services.settings.save_settings(shop.store.id, actor=shop.manager, **{**values, **changes})


# -- the final inspection (终检) --------------------------------------------------------------------

def test_record_quality_check_refuses_the_jobs_technician_as_inspector(shop):
    order = _waiting_for_quality_check(shop)

    for passed in (True, False):
        with pytest.raises(InspectorDidTheWork):
            services.record_quality_check(order.id, QualityCheckInput(passed=passed, checklist=ALL_QC, reason="漏油"),
                                          actor=shop.technician, now=NOW)
        db.session.rollback()
    assert fresh(RepairOrder, order.id).state == QUALITY_CHECK

    check = services.record_quality_check(order.id, QualityCheckInput(passed=True, checklist=ALL_QC),
                                          actor=shop.advisor, now=NOW)
    assert check.inspector_id == shop.advisor.user_id and fresh(RepairOrder, order.id).state == READY


def test_the_order_offers_no_verdict_to_its_own_technician_where_the_rule_is_on(shop):
    order = services.get_order(_waiting_for_quality_check(shop).id, actor=shop.advisor)
    verdicts = {"pass_quality_check", "fail_quality_check"}

    assert verdicts <= services.allowed_actions(order, shop.advisor)
    assert not verdicts & services.allowed_actions(order, shop.technician)  # no button the service refuses
    _save_settings(shop, independent_final_inspection=False)
    assert verdicts <= services.allowed_actions(order, shop.technician)


def test_record_quality_check_lets_the_technician_sign_where_the_store_switched_the_rule_off(shop):
    assert services.settings.settings_for(shop.store.id).independent_final_inspection is True  # the default
    _save_settings(shop, independent_final_inspection=False)
    order = _waiting_for_quality_check(shop)

    check = services.record_quality_check(order.id, QualityCheckInput(passed=True, checklist=ALL_QC),
                                          actor=shop.technician, now=NOW)

    assert check.inspector_id == shop.technician.user_id
    assert audit_entries("repair_settings_saved")[-1].changes["independent_final_inspection"] == [True, False]


def test_repair_settings_page_saves_the_final_inspection_rule(sign_in, shop):
    manager = sign_in("manager")
    assert "independent_final_inspection" in text(manager.get("/repair/settings"))
    saved = manager.post("/repair/settings", data={
        "vat_rate_bp": "13", "manual_discount_limit_bp": "10", "comeback_window_days": "30",
        "warranty_months": "3", "warranty_km": "5000"})  # the box unchecked
    assert saved.status_code == 302
    assert services.settings.settings_for(shop.store.id).independent_final_inspection is False


# -- a job done with parts never issued ------------------------------------------------------------

def test_mark_job_done_with_unissued_parts_needs_a_reason_kept_on_the_timeline(shop):
    order, job = _in_workshop(shop)
    services.clock_on(job.id, actor=shop.technician, now=NOW)

    with pytest.raises(PartsNotIssued) as refused:
        services.mark_job_done(job.id, reason="  ", actor=shop.technician, now=NOW)
    assert refused.value.field == "reason" and "0/4.5" in str(refused.value.message)
    db.session.rollback()
    assert fresh(RepairJob, job.id).work != WORK_DONE
    assert db.session.scalar(sa.select(OrderEvent.id).where(OrderEvent.order_id == order.id,
                                                            OrderEvent.action.like("job_done%"))) is None

    done = services.mark_job_done(job.id, reason="机油缺货，车主同意下次补", actor=shop.technician,
                                  now=NOW + timedelta(minutes=30))

    assert done.work == WORK_DONE
    step = [s for s in queries.timeline(order.id, actor=shop.advisor) if s.action == "job_done_parts_not_issued"]
    assert len(step) == 1 and "机油缺货，车主同意下次补" in step[0].note and "0/4.5" in step[0].note
    assert step[0].actor_name == shop.technician.name
    entry = audit_entries("repair_job_done_parts_not_issued")[-1]
    assert entry.changes["reason"] == "机油缺货，车主同意下次补" and entry.entity_id == job.id


def test_mark_job_done_with_every_part_issued_asks_nothing(shop):
    order, job = _in_workshop(shop)
    for line in job.lines:
        if line.kind == "parts":
            services.issue_to_line(line.id, quantity=line.quantity, actor=shop.clerk, now=NOW)

    services.mark_job_done(job.id, actor=shop.technician, now=NOW)

    assert [s.action for s in queries.timeline(order.id, actor=shop.advisor)][-1] == "job_done"
    assert fresh(RepairOrder, order.id).state == IN_PROGRESS


# -- a second open order for a car ----------------------------------------------------------------

def test_open_order_warns_of_the_cars_open_order_unless_confirmed(shop):
    first = open_order(shop, "保养")

    with pytest.raises(VehicleHasOpenOrder) as refused:
        open_order(shop, "异响", despite_open_order=False)
    assert refused.value.params["open_orders"] == [(first.id, first.number)]
    assert first.number in str(refused.value.message)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(RepairOrder.id))) == 1

    second = open_order(shop, "异响", despite_open_order=True)

    events = {e.action: e.note for e in second.events}
    assert events["opened_beside_open_order"] == first.number


def test_open_order_asks_nothing_once_the_cars_orders_are_closed(shop):
    first = open_order(shop, "保养")
    services.cancel(first.id, reason="车主改期", actor=shop.advisor, now=NOW)
    finished = finished_order(shop)
    services.settle(finished.id, pay(finished, (services.reprice(finished).total_fen, "cash")), actor=shop.cashier,
                    now=NOW)
    services.deliver(finished.id, actor=shop.advisor, now=NOW)

    order = open_order(shop, "异响", despite_open_order=False)

    assert "opened_beside_open_order" not in {e.action for e in order.events}


def test_new_order_page_links_the_open_order_and_opens_a_second_one_when_confirmed(sign_in, shop):
    first = open_order(shop, "保养")
    persist()
    advisor = sign_in("service_advisor")
    data = {"concerns": "异响", "kind": "general_repair", "promised_at": "2031-01-05T17:30"}

    warned = advisor.post(f"/repair/vehicles/{shop.vehicle.id}/orders/new", data=data)
    assert warned.status_code == 200 and field_has_error(warned, "despite_open_order")
    assert f'href="/repair/orders/{first.id}"' in text(warned) and first.number in text(warned)
    assert db.session.scalar(sa.select(sa.func.count(RepairOrder.id))) == 1

    confirmed = advisor.post(f"/repair/vehicles/{shop.vehicle.id}/orders/new",
                             data={**data, "despite_open_order": "y"})
    assert confirmed.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(RepairOrder.id))) == 2


def test_api_refuses_a_second_open_order_naming_the_open_one(app, shop, staff):
    first = open_order(shop, "保养")
    headers = bearer(staff["service_advisor"])
    body = {"vehicle_id": shop.vehicle.id, "concerns": ["异响"], "promised_at": "2031-01-05T17:30:00+08:00"}
    client = isolated_client(app)
    refused = client.post("/api/v1/repair-orders", headers=headers, json=body)
    assert_error(refused, 409, "repair.vehicle_has_open_order", fields=("despite_open_order",))
    assert first.number in refused.get_json()["error"]["message"]
    opened = client.post("/api/v1/repair-orders", headers=headers, json={**body, "despite_open_order": True})
    assert opened.status_code == 201


# -- the vehicle page lists the car's orders ---------------------------------------------------------

def test_vehicle_page_lists_the_cars_orders_newest_first_with_links(sign_in, shop):
    older = open_order(shop, "保养", now=NOW - timedelta(days=40))
    newer = open_order(shop, "异响", now=NOW)
    shop.vehicle = VehicleFactory(owner__store=shop.store, store=shop.store)
    elsewhere = open_order(shop, "洗车")
    persist()

    for role in ("service_advisor", "technician"):
        page = text(sign_in(role).get(f"/vehicles/{older.vehicle_id}"))
        assert 'data-testid="vehicle-orders"' in page
        assert page.index(newer.number) < page.index(older.number)
        assert f'href="/repair/orders/{newer.id}"' in page and f'href="/repair/orders/{older.id}"' in page
        assert elsewhere.number not in page


def test_vehicle_orders_is_bounded_and_says_there_are_more(shop):
    for day in range(3):
        open_order(shop, "保养", now=NOW + timedelta(days=day))

    orders, more = queries.vehicle_orders(shop.vehicle, limit=2)

    assert more is True and [o.opened_at for o in orders] == sorted((o.opened_at for o in orders), reverse=True)
    assert len(orders) == 2
