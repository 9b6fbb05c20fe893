"""The repair-order pages: each page for its roles, each form changing state, field errors, 403s, store scope.

The rules themselves are pinned in test_services.py and test_workflow.py; these tests check the wiring.
"""
from __future__ import annotations

import base64
import re
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from dealer import money
from dealer.customers.models import OdometerReading
from dealer.extensions import db
from dealer.parts.models import Part
from dealer.repair import services
from dealer.repair.models import (
    APPROVED,
    CANCELLED,
    COMEBACK_DISMISSED,
    DELIVERED,
    ESTIMATED,
    IN_PROGRESS,
    JOB_APPROVED,
    JOB_DECLINED,
    JOB_PENDING,
    OPEN,
    QUALITY_CHECK,
    READY,
    SETTLED,
    WORK_DONE,
    WORK_STARTED,
    Approval,
    LaborOperation,
    RepairJob,
    RepairLine,
    RepairOrder,
    TimeEntry,
)
from tests.factories import UserFactory
from tests.helpers import NOW, field_has_error, fresh, login, persist, text
from tests.isolation import isolated_client
from tests.repair.builders import (
    TINY_PNG,
    add_labor,
    add_part,
    approved_order,
    finished_order,
    open_order,
)

REPAIR_STAFF = ("service_advisor", "technician", "parts_clerk", "cashier", "manager")
NOT_REPAIR = ("rescue_dispatcher", "cs_supervisor", "admin")
ALL_QC = list(services.QC_ITEMS)
SIGNATURE = "data:image/png;base64," + base64.b64encode(TINY_PNG).decode()


@pytest.fixture()
def sign_in(app, shop, staff):
    """Return a function giving a client signed in as the staff member of a role (one client per role)."""
    persist()
    clients = {}

    def signed_in(role):
        if role not in clients:
            clients[role] = isolated_client(app)
            login(clients[role], staff[role])
        return clients[role]

    return signed_in


@pytest.fixture()
def advisor(sign_in):
    return sign_in("service_advisor")


def hx(client, path, data=None):
    """Post as htmx does from the order page."""
    return client.post(path, data=data or {}, headers={"HX-Request": "true"})


def an_order(shop, *concerns, **extra):
    order = open_order(shop, *concerns, **extra)
    persist()
    return order


def estimated(shop):
    order = an_order(shop, "做保养")
    add_labor(shop, order.jobs[0])
    add_part(shop, order.jobs[0])
    services.submit_estimate(order.id, actor=shop.advisor, now=NOW)
    persist()
    return order


def in_workshop(shop):
    order = approved_order(shop)
    services.assign_job(order.jobs[0].id, [shop.technician_user.id], actor=shop.advisor, now=NOW)
    services.dispatch(order.id, actor=shop.advisor, now=NOW)
    persist()
    return order


# -- opening an order ----------------------------------------------------------------------------

def test_vehicle_page_offers_a_new_order_to_advisors_only(sign_in, shop):
    page = text(sign_in("service_advisor").get(f"/vehicles/{shop.vehicle.id}"))
    assert f"/repair/vehicles/{shop.vehicle.id}/orders/new" in page
    assert "/repair/vehicles/" not in text(sign_in("technician").get(f"/vehicles/{shop.vehicle.id}"))


def test_nav_links_repair_orders_for_those_who_work_on_them(sign_in):
    assert 'data-testid="nav-repair"' in text(sign_in("cashier").get("/desk"))
    assert 'data-testid="nav-repair"' not in text(sign_in("cs_supervisor").get("/desk"))


def test_new_order_opens_it_with_a_job_per_concern_and_the_promise_in_utc(advisor, shop):
    form = advisor.get(f"/repair/vehicles/{shop.vehicle.id}/orders/new")
    assert form.status_code == 200 and 'name="promised_at"' in text(form)

    response = advisor.post(f"/repair/vehicles/{shop.vehicle.id}/orders/new", data={
        "concerns": "做保养\r\n\r\n  空调不凉 \r\n", "kind": "maintenance", "odometer_km": "31000",
        "fuel_eighths": "4", "damage_notes": "左后门划痕", "valuables": "行车记录仪",
        "promised_at": "2031-01-05T17:30", "notes": "客户在休息室等"})

    order = db.session.scalars(sa.select(RepairOrder).options(selectinload(RepairOrder.jobs))).one()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/repair/orders/{order.id}")
    assert [job.concern for job in order.jobs] == ["做保养", "空调不凉"]
    assert order.promised_at == datetime(2031, 1, 5, 9, 30, tzinfo=timezone.utc)  # 17:30 in Shanghai
    assert (order.kind, order.odometer_km, order.fuel_eighths, order.valuables) == (
        "maintenance", 31000, 4, "行车记录仪")
    page = text(advisor.get(f"/repair/orders/{order.id}"))
    assert order.number in page and "2031" in page and "17:30" in page and "空调不凉" in page


def test_new_order_errors_show_beside_their_fields_and_open_nothing(advisor, shop):
    response = advisor.post(f"/repair/vehicles/{shop.vehicle.id}/orders/new", data={
        "concerns": "", "kind": "maintenance", "promised_at": "2031-01-05T17:30"})
    assert response.status_code == 200 and field_has_error(response, "concerns")

    response = advisor.post(f"/repair/vehicles/{shop.vehicle.id}/orders/new", data={
        "concerns": "保养", "kind": "maintenance", "promised_at": "2020-01-05T17:30"})
    assert field_has_error(response, "promised_at")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RepairOrder)) == 0


def test_new_order_lower_odometer_is_refused_on_the_field_unless_corrected(advisor, shop):
    an_order(shop, odometer_km=31_000)
    data = {"concerns": "异响", "kind": "general_repair", "promised_at": "2031-01-05T17:30",
            "odometer_km": "29000", "despite_open_order": "y"}  # the first order is still open

    refused = advisor.post(f"/repair/vehicles/{shop.vehicle.id}/orders/new", data=data)
    assert refused.status_code == 200 and field_has_error(refused, "odometer_km")
    missing_note = advisor.post(f"/repair/vehicles/{shop.vehicle.id}/orders/new",
                                data={**data, "odometer_is_correction": "y"})
    assert field_has_error(missing_note, "odometer_note")

    accepted = advisor.post(f"/repair/vehicles/{shop.vehicle.id}/orders/new",
                            data={**data, "odometer_is_correction": "y", "odometer_note": "仪表更换"})
    assert accepted.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OdometerReading).where(
        OdometerReading.km == 29_000, OdometerReading.is_correction)) == 1


def test_edit_order_changes_the_promise_and_shows_errors_on_the_page(advisor, shop):
    order = an_order(shop)
    response = advisor.post(f"/repair/orders/{order.id}/edit", data={"edit-promised_at": "2031-02-01T09:00",
                                                                      "edit-notes": "改约"})
    assert response.status_code == 302
    assert fresh(RepairOrder, order.id).promised_at == datetime(2031, 2, 1, 1, 0, tzinfo=timezone.utc)
    response = advisor.post(f"/repair/orders/{order.id}/edit", data={"edit-promised_at": ""})
    assert response.status_code == 200 and field_has_error(response, "edit-promised_at")


# -- the order page and its lines ---------------------------------------------------------------

@pytest.mark.parametrize("role", REPAIR_STAFF)
def test_order_page_renders_for_everyone_working_on_repairs(sign_in, shop, role):
    order = estimated(shop)
    response = sign_in(role).get(f"/repair/orders/{order.id}")
    assert response.status_code == 200
    page = text(response)
    assert order.number in page and shop.vehicle.plate in page and "更换机油机滤" in page
    assert ('data-testid="approve-estimate"' in page) == (role in ("service_advisor", "manager"))


@pytest.mark.parametrize("role", NOT_REPAIR)
def test_order_page_is_refused_to_other_roles(sign_in, shop, role):
    order = an_order(shop)
    assert sign_in(role).get(f"/repair/orders/{order.id}").status_code == 403


def test_phone_is_masked_for_roles_that_do_not_call_customers(sign_in, shop):
    order = an_order(shop)
    mobile = shop.vehicle.owner.mobile
    assert mobile in text(sign_in("service_advisor").get(f"/repair/orders/{order.id}"))
    cashier_page = text(sign_in("cashier").get(f"/repair/orders/{order.id}"))
    assert mobile not in cashier_page and mobile[:3] + "****" + mobile[-4:] in cashier_page


def test_operation_search_offers_catalogue_operations_as_choices_of_the_add_line_form(advisor, shop):
    order = an_order(shop)
    for query in ("maint", "更换机油", "机油"):
        page = text(advisor.get(f"/repair/orders/{order.id}/operations/search", query_string={"q": query}))
        assert f'name="add-operation_id" value="{shop.oil_service.id}"' in page, query
        assert "BRK-FRONT" not in page
    assert "未找到工时项目" in text(advisor.get(f"/repair/orders/{order.id}/operations/search?q=zzz"))


def test_part_search_offers_parts_with_price_and_stock(advisor, shop):
    order = an_order(shop)
    page = text(advisor.get(f"/repair/orders/{order.id}/parts/search", query_string={"q": "G052"}))
    assert f'name="add-part_id" value="{shop.oil.id}"' in page
    assert "68.00" in page and "20" in page  # price and stock available


def test_add_labor_from_the_catalogue_with_htmx_returns_the_job_and_new_totals(advisor, shop):
    job = an_order(shop).jobs[0]
    response = hx(advisor, f"/repair/orders/{job.order_id}/labor", {
        "add-job_id": job.id, "add-operation_id": str(shop.oil_service.id), "add-payer": "customer"})

    assert response.status_code == 200
    page = text(response)
    line = db.session.scalars(sa.select(RepairLine)).one()
    assert (line.labor_operation_id, line.hours, line.amount_fen) == (shop.oil_service.id, 50, 6000)
    assert f'id="job-{job.id}" data-testid="job-1" hx-swap-oob="true"' in page and "更换机油机滤" in page
    assert 'id="totals" hx-swap-oob="true"' in page and "¥60.00" in page
    assert 'id="add-line"' in page and f'<option selected value="{job.id}">' in page  # ready for the next line
    assert "<html" not in page


def test_add_labor_by_hand_needs_a_category_shown_on_the_field(advisor, shop):
    job = an_order(shop).jobs[0]
    url = f"/repair/orders/{job.order_id}/labor"
    data = {"add-job_id": job.id, "add-operation_id": "", "add-description": "检查异响", "add-hours": "0.5",
            "add-payer": "customer"}

    refused = hx(advisor, url, data)
    assert refused.status_code == 200 and field_has_error(refused, "add-category")
    assert 'value="检查异响"' in text(refused)  # what was typed stays for correcting
    bad_hours = hx(advisor, url, {**data, "add-hours": "abc"})
    assert field_has_error(bad_hours, "add-hours")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RepairLine)) == 0

    added = advisor.post(url, data={**data, "add-category": "diagnosis"})
    assert added.status_code == 302 and added.headers["Location"].endswith(f"#job-{job.id}")
    assert db.session.scalars(sa.select(RepairLine)).one().hours == 50


def test_add_part_then_change_and_remove_lines(advisor, shop):
    job = an_order(shop).jobs[0]
    response = hx(advisor, f"/repair/orders/{job.order_id}/parts", {
        "add-job_id": job.id, "add-part_id": str(shop.oil.id), "add-quantity": "4.5", "add-payer": "customer"})
    line = db.session.scalars(sa.select(RepairLine)).one()
    assert (line.quantity, line.amount_fen) == (4500, 30600)
    assert "¥306.00" in text(response)

    edit = {f"line{line.id}-quantity": "5", f"line{line.id}-payer": "customer"}
    changed = hx(advisor, f"/repair/lines/{line.id}/edit", {**edit, f"line{line.id}-manual_discount": "10"})
    assert changed.status_code == 200
    line = fresh(RepairLine, line.id)
    assert (line.quantity, line.amount_fen, line.discount_fen) == (5000, 34000, 3400)
    assert "¥306.00" in text(changed)  # 340.00 - 34.00

    too_much = hx(advisor, f"/repair/lines/{line.id}/edit", {**edit, f"line{line.id}-manual_discount": "50"})
    assert field_has_error(too_much, f"line{line.id}-manual_discount")  # above the store's limit: a manager's
    assert fresh(RepairLine, line.id).manual_discount_bp == 1000

    removed = hx(advisor, f"/repair/lines/{line.id}/remove")
    assert removed.status_code == 200 and "¥0.00" in text(removed)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RepairLine)) == 0


def test_add_part_without_choosing_one_shows_the_error(advisor, shop):
    job = an_order(shop).jobs[0]
    response = hx(advisor, f"/repair/orders/{job.order_id}/parts", {"add-job_id": job.id, "add-quantity": "1",
                                                                   "add-payer": "customer"})
    assert response.status_code == 200
    assert "Choose a part of the store" in text(response) or "选择" in text(response)
    assert re.search(r'class="nav-link active"[^>]*data-bs-target="#add-part-pane"', text(response))  # open to correct


def test_add_line_goes_to_the_chosen_job_of_the_order_and_no_other(advisor, shop):
    order = an_order(shop, "保养", "异响")
    elsewhere = an_order(shop).jobs[0]  # a job of another order of the store
    page = text(advisor.get(f"/repair/orders/{order.id}"))
    assert page.count('data-testid="add-line-form"') == 1 and 'data-testid="labor-form"' in page
    assert f'<option selected value="{order.jobs[1].id}">2. 异响</option>' in page  # the latest job first

    refused = hx(advisor, f"/repair/orders/{order.id}/parts", {
        "add-job_id": elsewhere.id, "add-part_id": str(shop.oil.id), "add-quantity": "1", "add-payer": "customer"})
    assert refused.status_code == 200 and field_has_error(refused, "add-job_id")
    added = advisor.post(f"/repair/orders/{order.id}/parts", data={
        "add-job_id": order.jobs[0].id, "add-part_id": str(shop.oil.id), "add-quantity": "1", "add-payer": "customer"})

    assert added.status_code == 302 and added.headers["Location"].endswith(f"#job-{order.jobs[0].id}")
    assert [line.job_id for line in db.session.scalars(sa.select(RepairLine))] == [order.jobs[0].id]


def test_add_and_remove_jobs(advisor, shop):
    order = an_order(shop, "保养", "异响")
    response = advisor.post(f"/repair/orders/{order.id}/jobs", data={"job-concern": "雨刮更换"})
    assert response.status_code == 302
    assert [j.concern for j in fresh(RepairOrder, order.id).jobs] == ["保养", "异响", "雨刮更换"]
    empty = advisor.post(f"/repair/orders/{order.id}/jobs", data={"job-concern": " "})
    assert empty.status_code == 200 and field_has_error(empty, "job-concern")
    job = fresh(RepairOrder, order.id).jobs[1]
    assert advisor.post(f"/repair/jobs/{job.id}/remove").status_code == 302
    assert [j.concern for j in fresh(RepairOrder, order.id).jobs] == ["保养", "雨刮更换"]


# -- estimate and approval -----------------------------------------------------------------------

def test_present_the_estimate_then_approve_it_by_signature(advisor, shop):
    order = an_order(shop, "做保养")
    add_labor(shop, order.jobs[0])
    persist()
    assert advisor.post(f"/repair/orders/{order.id}/estimate").status_code == 302
    assert fresh(RepairOrder, order.id).state == ESTIMATED

    page = advisor.get(f"/repair/orders/{order.id}/approve")
    assert page.status_code == 200 and "data-signature-pad" in text(page) and "¥60.00" in text(page)
    response = advisor.post(f"/repair/orders/{order.id}/approve", data={
        "method": "signature", "approver_name": "欧阳", "signature": SIGNATURE})

    assert response.status_code == 302
    order = fresh(RepairOrder, order.id)
    assert (order.state, order.approved_total_fen) == (APPROVED, 6000)
    approval = order.approvals[0]
    assert (approval.method, approval.signature_png) == ("signature", TINY_PNG)
    shown = text(advisor.get(f"/repair/orders/{order.id}"))
    assert "data:image/png;base64," in shown and "欧阳" in shown  # the signature in the approval history


def test_approval_errors_show_on_their_fields_and_change_nothing(advisor, shop):
    order = estimated(shop)
    no_signature = advisor.post(f"/repair/orders/{order.id}/approve", data={
        "method": "signature", "approver_name": "欧阳", "signature": ""})
    assert no_signature.status_code == 200 and "invalid-feedback" in text(no_signature)
    no_number = advisor.post(f"/repair/orders/{order.id}/approve", data={
        "method": "phone", "approver_name": "欧阳", "phone": "12"})
    assert field_has_error(no_number, "phone")
    no_name = advisor.post(f"/repair/orders/{order.id}/approve",
                           data={"method": "phone", "phone": "13812345678"})
    assert field_has_error(no_name, "approver_name")
    assert fresh(RepairOrder, order.id).state == ESTIMATED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Approval)) == 0


def test_aftermarket_parts_need_the_owners_consent(advisor, shop):
    order = an_order(shop, "前刹车片")
    add_part(shop, order.jobs[0], part=shop.aftermarket_pads, quantity=1000)
    services.submit_estimate(order.id, actor=shop.advisor, now=NOW)
    persist()
    data = {"method": "phone", "approver_name": "欧阳", "phone": "13812345678"}
    assert "aftermarket_consent" in text(advisor.get(f"/repair/orders/{order.id}/approve"))

    refused = advisor.post(f"/repair/orders/{order.id}/approve", data=data)
    assert field_has_error(refused, "aftermarket_consent")
    assert advisor.post(f"/repair/orders/{order.id}/approve",
                        data={**data, "aftermarket_consent": "y"}).status_code == 302
    assert fresh(RepairLine, order.jobs[0].lines[0].id).aftermarket_consent_id is not None


def test_a_finding_becomes_extra_work_the_owner_approves(sign_in, shop):
    order = in_workshop(shop)
    technician, advisor = sign_in("technician"), sign_in("service_advisor")

    assert 'data-testid="finding-form"' in text(technician.get(f"/repair/orders/{order.id}"))
    response = technician.post(f"/repair/orders/{order.id}/findings", data={"finding-concern": "前刹车片磨损到限"})
    assert response.status_code == 302
    job = db.session.scalars(sa.select(RepairJob).where(RepairJob.approval == JOB_PENDING)).one()
    assert job.is_extra and job.reported_by_id == shop.technician_user.id

    hx(advisor, f"/repair/orders/{order.id}/labor", {"add-job_id": job.id, "add-operation_id": str(shop.brakes.id),
                                                     "add-payer": "customer"})
    page = text(advisor.get(f"/repair/orders/{order.id}"))
    assert 'data-testid="extra-work"' in page and 'data-testid="pending-amount"' in page
    form = advisor.get(f"/repair/orders/{order.id}/extra-work")
    assert form.status_code == 200 and "¥144.00" in text(form)  # 1.2 h x 120.00

    approved = advisor.post(f"/repair/orders/{order.id}/extra-work", data={
        "job_ids": str(job.id), "method": "phone", "approver_name": "欧阳", "phone": "13812345678"})
    assert approved.status_code == 302
    assert fresh(RepairJob, job.id).approval == JOB_APPROVED
    assert fresh(RepairOrder, order.id).approved_total_fen == 36600 + 14400


def test_the_owner_declines_extra_work(sign_in, shop):
    order = in_workshop(shop)
    job = services.add_job(order.id, concern="更换雨刮", finding=True, actor=shop.technician, now=NOW)
    persist()
    advisor = sign_in("service_advisor")
    refused = advisor.post(f"/repair/orders/{order.id}/extra-work/decline", data={"decline-reason": "下次再说"})
    assert refused.status_code == 200 and "invalid-feedback" in text(refused)  # no job chosen
    response = advisor.post(f"/repair/orders/{order.id}/extra-work/decline",
                            data={"decline-job_ids": str(job.id), "decline-reason": "下次再说"})
    assert response.status_code == 302
    assert fresh(RepairJob, job.id).approval == JOB_DECLINED


# -- the workshop --------------------------------------------------------------------------------

def test_assign_dispatch_clock_and_mark_done(sign_in, shop):
    order = approved_order(shop)
    persist()
    job = order.jobs[0]
    advisor, technician = sign_in("service_advisor"), sign_in("technician")

    not_yet = advisor.post(f"/repair/orders/{order.id}/dispatch")
    assert not_yet.status_code == 302 and fresh(RepairOrder, order.id).state == APPROVED  # nobody assigned
    assign = advisor.post(f"/repair/jobs/{job.id}/assign",
                          data={f"assign{job.id}-technicians": str(shop.technician_user.id)})
    assert assign.status_code == 302
    not_a_technician = advisor.post(f"/repair/jobs/{job.id}/assign",
                                    data={f"assign{job.id}-technicians": str(shop.advisor.user_id)})
    assert not_a_technician.status_code == 200 and "invalid-feedback" in text(not_a_technician)
    assert advisor.post(f"/repair/orders/{order.id}/dispatch").status_code == 302
    assert fresh(RepairOrder, order.id).state == IN_PROGRESS

    mine = technician.get("/repair/my-jobs")
    assert mine.status_code == 200 and order.number in text(mine) and shop.vehicle.plate in text(mine)
    assert technician.post(f"/repair/jobs/{job.id}/clock-on", data={"next": "/repair/my-jobs"}).headers[
        "Location"].endswith("/repair/my-jobs")
    assert fresh(RepairJob, job.id).work == WORK_STARTED
    assert "clock running" in text(technician.get("/repair/my-jobs")) or "clock-off" in text(
        technician.get("/repair/my-jobs"))
    technician.post(f"/repair/jobs/{job.id}/clock-off")
    assert db.session.scalars(sa.select(TimeEntry)).one().ended_at is not None
    asked = technician.post(f"/repair/jobs/{job.id}/done", data={"next": "/repair/my-jobs"})  # oil never issued
    assert asked.status_code == 200 and field_has_error(asked, "reason") and "0/4.5" in text(asked)
    assert fresh(RepairJob, job.id).work != WORK_DONE
    done = technician.post(f"/repair/jobs/{job.id}/done", data={"next": "/repair/my-jobs", "reason": "机油缺货"})
    assert done.headers["Location"].endswith("/repair/my-jobs")
    assert fresh(RepairJob, job.id).work == WORK_DONE
    shown = text(advisor.get(f"/repair/orders/{order.id}"))
    assert "机油缺货" in shown and "0/4.5" in shown  # on the order's history


def test_quality_check_fail_needs_a_reason_and_pass_needs_every_item(sign_in, shop):
    order = in_workshop(shop)
    job = order.jobs[0]
    services.clock_on(job.id, actor=shop.technician, now=NOW)
    for line in job.lines:
        if line.kind == "parts":
            services.issue_to_line(line.id, quantity=line.quantity, actor=shop.clerk, now=NOW)
    services.mark_job_done(job.id, actor=shop.technician, now=NOW)
    persist()
    technician = sign_in("technician")
    assert technician.post(f"/repair/orders/{order.id}/quality-check/request").status_code == 302
    assert fresh(RepairOrder, order.id).state == QUALITY_CHECK

    own_work = technician.post(f"/repair/orders/{order.id}/quality-check",
                               data={"result": "pass", "checklist": ALL_QC})
    assert own_work.status_code == 200 and "终检" in text(own_work)  # not the job's own technician
    assert fresh(RepairOrder, order.id).state == QUALITY_CHECK
    technician = sign_in("service_advisor")  # the final inspection is someone else's
    assert technician.get(f"/repair/orders/{order.id}/quality-check").status_code == 200
    no_result = technician.post(f"/repair/orders/{order.id}/quality-check", data={"checklist": ALL_QC})
    assert no_result.status_code == 200 and "invalid-feedback" in text(no_result)
    no_reason = technician.post(f"/repair/orders/{order.id}/quality-check", data={"result": "fail"})
    assert field_has_error(no_reason, "reason")
    not_all = technician.post(f"/repair/orders/{order.id}/quality-check",
                              data={"result": "pass", "checklist": ALL_QC[:-1]})
    assert not_all.status_code == 200 and "invalid-feedback" in text(not_all)
    assert fresh(RepairOrder, order.id).state == QUALITY_CHECK

    passed = technician.post(f"/repair/orders/{order.id}/quality-check",
                             data={"result": "pass", "checklist": ALL_QC})
    assert passed.status_code == 302 and fresh(RepairOrder, order.id).state == READY


def test_board_shows_open_orders_by_state_with_late_ones_highlighted(sign_in, shop):
    now = datetime.now(timezone.utc)
    late = open_order(shop, "异响", now=now - timedelta(hours=5), promised_at=now - timedelta(hours=1))
    on_time = open_order(shop, "保养", now=now, promised_at=now + timedelta(hours=3))
    persist()
    for role in REPAIR_STAFF:
        response = sign_in(role).get("/repair/board")
        assert response.status_code == 200, role
    page = text(sign_in("parts_clerk").get("/repair/board"))
    assert 'hx-trigger="every 60s"' in page and late.number in page and on_time.number in page
    cards = re.findall(r'class="card board-card[^"]*"', page)
    assert sorted(card.endswith('late"') for card in cards) == [False, True]
    partial = text(sign_in("parts_clerk").get("/repair/board", headers={"HX-Request": "true"}))
    assert "<html" not in partial and late.number in partial


def test_board_column_shows_its_most_urgent_cards_and_links_to_the_rest(sign_in, shop, monkeypatch):
    monkeypatch.setattr("dealer.repair.queries.BOARD_COLUMN_CARDS", 2)
    now = datetime.now(timezone.utc)
    orders = [open_order(shop, "保养", now=now - timedelta(hours=5), promised_at=now + timedelta(hours=hours))
              for hours in (3, -2, 1)]
    persist()
    page = text(sign_in("service_advisor").get("/repair/board"))
    column = page[page.index('data-testid="board-open"'):]
    assert re.search(r'<span class="badge text-bg-secondary">3</span>', column)
    assert orders[1].number in column and orders[2].number in column and orders[0].number not in column
    assert column.index(orders[1].number) < column.index(orders[2].number)  # the late one first
    more = re.search(r'data-testid="board-more"\s+href="([^"]+)">([^<]+)<', column)
    assert more and more.group(1) == "/repair/?state=open" and "1" in more.group(2)


def test_orders_list_filters_by_state(sign_in, shop):
    first = an_order(shop)
    second = estimated(shop)
    page = text(sign_in("cashier").get("/repair/?state=estimated"))
    assert second.number in page and first.number not in page


# -- settlement, documents ----------------------------------------------------------------------

def test_cashier_settles_with_two_payments_and_prints_the_statement(sign_in, shop):
    order = finished_order(shop)
    persist()
    cashier = sign_in("cashier")
    listed = text(cashier.get("/repair/cashier"))
    assert order.number in listed and "366.00" in listed
    form = text(cashier.get(f"/repair/orders/{order.id}/settle"))
    assert re.search(r'data-testid="still-to-pay">¥0\.00<', form) and re.search(r"repair/settle(-[0-9a-f]+)?\.js", form)

    short = cashier.post(f"/repair/orders/{order.id}/settle", data={
        "payments-0-method": "wechat_pay", "payments-0-amount": "300", "payments-0-reference": "4200001234"})
    assert short.status_code == 200 and "366.00" in text(short)  # the payments do not add up
    assert re.search(r'data-testid="still-to-pay">¥66\.00<', text(short))
    no_reference = cashier.post(f"/repair/orders/{order.id}/settle", data={
        "payments-0-method": "cash", "payments-0-amount": "66", "payments-1-method": "wechat_pay",
        "payments-1-amount": "300"})
    assert field_has_error(no_reference, "payments-1-reference")
    assert fresh(RepairOrder, order.id).state == READY

    settled = cashier.post(f"/repair/orders/{order.id}/settle", data={
        "payments-0-method": "wechat_pay", "payments-0-amount": "300", "payments-0-reference": "4200001234",
        "payments-1-method": "cash", "payments-1-amount": "66.00", "payments-1-reference": ""})
    assert settled.status_code == 302
    assert settled.headers["Location"].endswith(f"/repair/orders/{order.id}/statement")
    order = fresh(RepairOrder, order.id)
    assert (order.state, order.customer_total_fen) == (SETTLED, 36600)

    statement = text(cashier.get(f"/repair/orders/{order.id}/statement"))
    assert money.capital_numerals(36600) in statement and "叁佰陆拾陆元" in statement
    assert "¥366.00" in statement and "323.89" in statement and "42.11" in statement  # net + VAT
    assert shop.store.name in statement and "4200001234" in statement
    assert "3" in statement and "5,000" in statement  # the default warranty: 3 months or 5,000 km
    # The print style sheet is linked, by its hashed name once `make assets` built it (tests/test_static_files.py).
    assert "@page" not in statement and re.search(r"/static/repair/print(-[0-9a-f]{32})?\.css", statement)


def test_work_order_has_no_prices_and_the_estimate_has_them(sign_in, shop):
    order = estimated(shop)
    work_order = text(sign_in("technician").get(f"/repair/orders/{order.id}/work-order"))
    assert "更换机油机滤" in work_order and "G052195M4" in work_order and "4.5" in work_order
    assert "¥" not in work_order and "366.00" not in work_order and "68.00" not in work_order

    estimate = text(sign_in("service_advisor").get(f"/repair/orders/{order.id}/estimate"))
    assert "366.00" in estimate and money.capital_numerals(36600) in estimate
    assert sign_in("technician").get(f"/repair/orders/{order.id}/estimate").status_code == 403


def test_statement_marks_aftermarket_parts(sign_in, shop):
    order = an_order(shop, "前刹车片")
    add_part(shop, order.jobs[0], part=shop.aftermarket_pads, quantity=1000)
    persist()
    page = text(sign_in("service_advisor").get(f"/repair/orders/{order.id}/estimate"))
    assert 'data-testid="aftermarket-mark"' in page


def test_deliver_after_settlement(sign_in, shop):
    order = finished_order(shop)
    services.settle(order.id, [services.PaymentInput("cash", 36600)], actor=shop.cashier, now=NOW)
    persist()
    assert sign_in("service_advisor").post(f"/repair/orders/{order.id}/deliver").status_code == 302
    assert fresh(RepairOrder, order.id).state == DELIVERED


def test_cancel_needs_a_reason(advisor, shop):
    order = an_order(shop)
    refused = advisor.post(f"/repair/orders/{order.id}/cancel", data={"cancel-reason": ""})
    assert refused.status_code == 200 and field_has_error(refused, "cancel-reason")
    cancelled = advisor.post(f"/repair/orders/{order.id}/cancel", data={"cancel-reason": "客户改天再来"})
    assert cancelled.status_code == 302
    assert fresh(RepairOrder, order.id).state == CANCELLED


def test_reverse_a_settled_order_with_a_refund(sign_in, shop):
    order = finished_order(shop)
    services.settle(order.id, [services.PaymentInput("cash", 36600)], actor=shop.cashier, now=NOW)
    persist()
    manager = sign_in("manager")
    assert manager.get(f"/repair/orders/{order.id}/reverse").status_code == 200
    no_reason = manager.post(f"/repair/orders/{order.id}/reverse", data={
        "reason": "", "payments-0-method": "cash", "payments-0-amount": "366"})
    assert field_has_error(no_reason, "reason")
    response = manager.post(f"/repair/orders/{order.id}/reverse", data={
        "reason": "开错单", "payments-0-method": "cash", "payments-0-amount": "366"})
    mirror = db.session.scalars(sa.select(RepairOrder).where(RepairOrder.reversal_of_id == order.id)).one()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/repair/orders/{mirror.id}")
    assert mirror.customer_total_fen == -36600
    page = text(manager.get(f"/repair/orders/{mirror.id}"))
    assert order.number in page and "-366.00" in page
    assert "-366.00" in text(manager.get(f"/repair/orders/{mirror.id}/statement"))
    assert sign_in("service_advisor").get(f"/repair/orders/{order.id}/reverse").status_code == 403


def test_comeback_proposal_is_shown_and_dismissed(sign_in, shop):
    earlier = finished_order(shop)
    services.settle(earlier.id, [services.PaymentInput("cash", 36600)], actor=shop.cashier, now=NOW)
    order = an_order(shop, "又漏油", now=NOW + timedelta(days=3))
    add_labor(shop, order.jobs[0])
    persist()
    advisor = sign_in("service_advisor")
    page = text(advisor.get(f"/repair/orders/{order.id}"))
    assert 'data-testid="comeback-proposal"' in page and earlier.number in page
    assert advisor.post(f"/repair/jobs/{order.jobs[0].id}/comeback/dismiss").status_code == 302
    assert fresh(RepairJob, order.jobs[0].id).comeback_state == COMEBACK_DISMISSED


def test_comeback_confirmed_from_the_page(sign_in, shop):
    earlier = finished_order(shop)
    services.settle(earlier.id, [services.PaymentInput("cash", 36600)], actor=shop.cashier, now=NOW)
    order = an_order(shop, "又漏油", now=NOW + timedelta(days=3))
    add_labor(shop, order.jobs[0])
    persist()
    advisor = sign_in("service_advisor")
    assert advisor.post(f"/repair/jobs/{order.jobs[0].id}/comeback/confirm").status_code == 302
    job = fresh(RepairJob, order.jobs[0].id)
    assert job.comeback_state == "confirmed" and job.comeback_of_id == earlier.jobs[0].id


def test_figures_page_for_managers(sign_in, shop):
    order = finished_order(shop)
    services.settle(order.id, [services.PaymentInput("cash", 36600)], actor=shop.cashier, now=NOW)
    persist()
    response = sign_in("manager").get("/repair/figures?month=2026-11")
    assert response.status_code == 200
    page = text(response)
    assert "2026-11" in page and "100.0%" in page  # one order settled, no comeback
    assert sign_in("manager").get("/repair/figures?month=garbage").status_code == 200
    assert sign_in("service_advisor").get("/repair/figures").status_code == 403


# -- roles and stores ----------------------------------------------------------------------------

@pytest.mark.parametrize("role, method, path", [
    ("technician", "post", "/repair/orders/{order}/labor"),
    ("parts_clerk", "post", "/repair/orders/{order}/estimate"),
    ("cashier", "get", "/repair/orders/{order}/approve"),
    ("technician", "post", "/repair/orders/{order}/cancel"),
    ("parts_clerk", "get", "/repair/orders/{order}/settle"),
    ("service_advisor", "post", "/repair/jobs/{job}/clock-on"),
    ("cashier", "get", "/repair/my-jobs"),
    ("parts_clerk", "get", "/repair/orders/{order}/quality-check"),
    ("service_advisor", "get", "/repair/figures"),
])
def test_a_wrong_role_is_refused(sign_in, shop, role, method, path):
    order = an_order(shop)
    response = getattr(sign_in(role), method)(path.format(order=order.id, job=order.jobs[0].id))
    assert response.status_code == 403


def test_another_stores_order_is_not_found_and_not_changed(app, shop, other_store):
    order = an_order(shop)
    stranger = UserFactory(username="gz-advisor", roles=["service_advisor"], store=other_store)
    persist()
    client = isolated_client(app)
    login(client, stranger)
    job = order.jobs[0]

    assert client.get(f"/repair/orders/{order.id}").status_code == 404
    assert client.get(f"/repair/orders/{order.id}/statement").status_code == 404
    assert client.get(f"/repair/vehicles/{shop.vehicle.id}/orders/new").status_code == 404
    response = client.post(f"/repair/orders/{order.id}/labor", data={
        "add-job_id": job.id, "add-operation_id": str(shop.oil_service.id), "add-payer": "customer"})
    assert response.status_code == 302
    assert client.post(f"/repair/orders/{order.id}/cancel", data={"cancel-reason": "x"}).status_code == 302
    assert fresh(RepairOrder, order.id).state == OPEN
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RepairLine)) == 0
    assert order.number not in text(client.get("/repair/board"))
    assert order.number not in text(client.get("/repair/"))


def test_other_stores_operations_and_parts_are_not_offered(app, shop, other_store):
    db.session.add(LaborOperation(store_id=other_store.id, code="MAINT-OIL2", name="更换机油机滤(广州)",
                                  category="maintenance", hours=60))
    db.session.add(Part(store_id=other_store.id, part_number="G052195M4X", name="机油", unit="升", price_fen=1,
                        on_hand=0, reserved=0))
    order = an_order(shop)
    advisor = isolated_client(app)
    user = UserFactory(username="sz-adv2", roles=["service_advisor"], store=shop.store)
    persist()
    login(advisor, user)
    assert "广州" not in text(advisor.get(f"/repair/orders/{order.id}/operations/search?q=MAINT"))
    assert "G052195M4X" not in text(advisor.get(f"/repair/orders/{order.id}/parts/search?q=G052"))
