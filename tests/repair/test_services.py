"""Repair orders: opening, jobs and lines, prices, and the cost assurance (费用安心), on both databases."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from dealer.customers.models import OdometerReading
from dealer.customers.services import OdometerWentBackwards
from dealer.errors import NotFound
from dealer.extensions import db
from dealer.parts.models import Part
from dealer.repair import queries, services
from dealer.repair.models import (
    JOB_APPROVED,
    JOB_ESTIMATE,
    JOB_PENDING,
    OPEN,
    LaborRate,
    OrderEvent,
    RepairLine,
    RepairOrder,
)
from dealer.repair.services import (
    ApprovalWouldBeExceeded,
    DiscountNeedsManager,
    JobLocked,
    LineInput,
    OrderInput,
    RepairError,
)
from tests.factories import StoreFactory, UserFactory, VehicleFactory
from tests.helpers import NOW, actor
from tests.repair.builders import (
    PROMISE,
    add_labor,
    add_part,
    approved_order,
    by_phone,
    finished_order,
    open_order,
    pay,
)


def test_open_order_numbers_per_store_and_day_and_records_the_odometer(shop):
    first = open_order(shop, "做保养", "空调不凉", odometer_km=31_000)
    second = open_order(shop, "异响")
    day = NOW.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai")).strftime("%Y%m%d")
    assert first.number == f"RO-{day}-0001" and second.number == f"RO-{day}-0002"
    assert [job.concern for job in first.jobs] == ["做保养", "空调不凉"]
    assert all(job.approval == JOB_ESTIMATE for job in first.jobs)
    assert first.state == OPEN and first.advisor_id == shop.advisor.user_id
    assert first.customer_id == shop.vehicle.owner_id
    assert shop.vehicle.odometer_km == 31_000
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OdometerReading)
                             .where(OdometerReading.vehicle_id == shop.vehicle.id, OdometerReading.km == 31_000)) == 1
    assert [e.action for e in first.events] == ["open"]


def test_open_order_numbers_start_again_next_day(shop):
    open_order(shop)
    later = open_order(shop, now=NOW + timedelta(days=1))
    assert later.number.endswith("-0001")


def test_open_order_refuses_a_lower_odometer_unless_corrected(shop):
    open_order(shop, odometer_km=31_000)
    with pytest.raises(OdometerWentBackwards):
        open_order(shop, odometer_km=29_000)
    db.session.rollback()
    order = open_order(shop, odometer_km=29_000, odometer_is_correction=True, odometer_note="仪表更换")
    assert order.odometer_km == 29_000


@pytest.mark.parametrize("change, field", [
    ({"concerns": ["  ", ""]}, "concerns"),
    ({"promised_at": None}, "promised_at"),
    ({"promised_at": NOW - timedelta(minutes=1)}, "promised_at"),
    ({"kind": "haircut"}, "kind"),
    ({"fuel_eighths": 9}, "fuel_eighths"),
])
def test_open_order_refuses_bad_input_and_writes_nothing(shop, change, field):
    data = dict(concerns=["保养"], promised_at=PROMISE, kind="maintenance")
    data.update(change)
    with pytest.raises(RepairError) as refused:
        services.open_order(shop.vehicle.id, OrderInput(**data), actor=shop.advisor, now=NOW)
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RepairOrder)) == 0


def test_open_order_of_another_stores_vehicle_is_not_found(shop, other_store):
    stranger = VehicleFactory(owner__store=other_store, store=other_store)
    with pytest.raises(NotFound):
        services.open_order(stranger.id, OrderInput(concerns=["x"], promised_at=PROMISE), actor=shop.advisor, now=NOW)


def test_labor_line_uses_flat_rate_hours_per_model_family_and_the_category_rate(shop):
    order = open_order(shop)
    line = add_labor(shop, order.jobs[0], shop.brakes)
    assert (line.hours, line.rate_fen, line.amount_fen) == (120, 12000, 14400)
    shop.vehicle.model_family = "midsize"
    line = add_labor(shop, order.jobs[0], shop.brakes)
    assert (line.hours, line.amount_fen) == (150, 18000)


def test_labor_line_written_by_hand_needs_description_hours_and_category(shop):
    job = open_order(shop).jobs[0]
    line = services.add_line(job.id, LineInput(kind="labor", description="检查异响", hours=75, category="diagnosis"),
                             actor=shop.advisor, now=NOW)
    assert line.amount_fen == 9000 and line.operation_code == ""
    for bad, field in ((LineInput(kind="labor", hours=75, category="diagnosis"), "description"),
                       (LineInput(kind="labor", description="x", hours=0, category="diagnosis"), "hours"),
                       (LineInput(kind="labor", description="x", hours=10, category="massage"), "category")):
        with pytest.raises(RepairError) as refused:
            services.add_line(job.id, bad, actor=shop.advisor, now=NOW)
        assert refused.value.field == field
        db.session.rollback()


def test_labor_line_without_a_rate_for_its_category_is_refused(shop):
    db.session.execute(sa.delete(LaborRate).where(LaborRate.category == "maintenance"))
    with pytest.raises(RepairError) as refused:
        add_labor(shop, open_order(shop).jobs[0])
    assert refused.value.field == "category"


def test_parts_line_copies_the_catalogue_price_and_rounds_half_up(shop):
    job = open_order(shop).jobs[0]
    line = add_part(shop, job, shop.oil, quantity=4_333)  # 4.333 l x 68.00 = 294.644 -> 294.64
    assert (line.part_number, line.unit_price_fen, line.amount_fen, line.genuine) == ("G052195M4", 6800, 29464, True)
    shop.oil.price_fen = 7000  # a later price change does not touch the line
    db.session.flush()
    assert db.session.get(RepairLine, line.id).unit_price_fen == 6800


def test_parts_line_of_another_store_or_zero_quantity_is_refused(shop, other_store):
    job = open_order(shop).jobs[0]
    with pytest.raises(RepairError) as refused:
        add_part(shop, job, quantity=0)
    assert refused.value.field == "quantity"
    db.session.rollback()

    foreign = Part(store_id=other_store.id, part_number="X1", name="x", price_fen=1, on_hand=0, reserved=0)
    db.session.add(foreign)
    db.session.flush()
    with pytest.raises(RepairError) as refused:
        add_part(shop, job, foreign)
    assert refused.value.field == "part_id"


def test_totals_follow_every_change(shop):
    order = open_order(shop)
    job = order.jobs[0]
    labor = add_labor(shop, job)  # 0.5 h x 120 = 60.00
    oil = add_part(shop, job)  # 4.5 l x 68 = 306.00
    estimate = services.price(order, services.QUOTED)
    assert estimate.total_fen == 36600
    assert (estimate.net_fen, estimate.vat_fen) == (32389, 4211)  # 366 / 1.13 = 323.893 -> 323.89
    services.update_line(oil.id, quantity=4000, actor=shop.advisor, now=NOW)
    services.update_line(labor.id, payer="warranty", actor=shop.advisor, now=NOW)
    estimate = services.price(order, services.QUOTED)
    assert estimate.total_fen == 27200 and estimate.by_payer["warranty"].amount_fen == 6000
    services.remove_line(oil.id, actor=shop.advisor, now=NOW)
    assert services.price(order, services.QUOTED).total_fen == 0


def test_manual_discount_within_the_limit_and_above_it_needs_a_manager(shop):
    job = open_order(shop).jobs[0]
    line = add_labor(shop, job, manual_discount_bp=1000)  # the default limit: 10%
    assert (line.discount_fen, line.discount_source, line.discount_approved_by_id) == (600, "manual", None)
    with pytest.raises(DiscountNeedsManager):
        services.update_line(line.id, manual_discount_bp=1500, actor=shop.advisor, now=NOW)
    db.session.rollback()
    line = services.update_line(line.id, manual_discount_bp=1500, actor=shop.manager, now=NOW)
    assert line.discount_fen == 900 and line.discount_approved_by_id == shop.manager.user_id


def test_warranty_line_gets_no_discount(shop):
    job = open_order(shop).jobs[0]
    with pytest.raises(RepairError) as refused:
        add_labor(shop, job, payer="warranty", manual_discount_bp=500)
    assert refused.value.field == "manual_discount_bp"


def test_approved_job_lines_are_frozen(shop):
    order = approved_order(shop)
    job = order.jobs[0]
    with pytest.raises(JobLocked):
        add_labor(shop, job)
    db.session.rollback()
    with pytest.raises(JobLocked):
        services.update_line(job.lines[1].id, quantity=9000, actor=shop.advisor, now=NOW)
    db.session.rollback()
    with pytest.raises(JobLocked):
        services.remove_line(job.lines[0].id, actor=shop.advisor, now=NOW)


def test_extra_work_after_approval_is_pending_and_not_billed_until_approved(shop):
    order = approved_order(shop)
    assert order.approved_total_fen == 36600
    extra = services.add_job(order.id, concern="前刹车片磨损到极限", actor=shop.technician, now=NOW, finding=True)
    assert extra.approval == JOB_PENDING and extra.is_extra and extra.reported_by_id == shop.technician.user_id
    add_labor(shop, extra, shop.brakes)  # 1.2 h x 120 = 144.00
    assert services.price(order).total_fen == 36600  # not billed
    assert services.price(order, services.PROPOSED).total_fen == 14400
    approval = services.approve_extra_work(order.id, [extra.id], by_phone(), actor=shop.advisor, now=NOW)
    assert approval.amount_fen == 14400 and approval.approved_total_fen == 51000
    assert order.approved_total_fen == 51000 and services.price(order).total_fen == 51000
    assert extra.approval == JOB_APPROVED
    assert [e.action for e in order.events][-2:] == ["extra_work_reported", "extra_work_approved"]


def test_the_bill_can_never_exceed_the_approval(shop):
    order = approved_order(shop)
    order.approved_total_fen = 36599  # as if a rate changed under an approved order
    with pytest.raises(ApprovalWouldBeExceeded):
        services.reprice(order)


def test_declined_extra_work_is_never_billed(shop):
    order = approved_order(shop)
    extra = services.add_job(order.id, concern="更换雨刮", actor=shop.advisor, now=NOW)
    add_labor(shop, extra, shop.brakes)
    services.decline_extra_work(order.id, [extra.id], reason="下次再说", actor=shop.advisor, now=NOW)
    assert services.price(order).total_fen == 36600
    with pytest.raises(JobLocked):
        add_labor(shop, extra)


def test_store_level_staff_cannot_touch_another_stores_order(shop, other_store):
    order = open_order(shop)
    stranger = actor(UserFactory(username="adv-gz", roles=["service_advisor"], store=other_store))
    with pytest.raises(NotFound):
        services.add_job(order.id, concern="x", actor=stranger, now=NOW)
    with pytest.raises(NotFound):
        services.get_order(order.id, actor=stranger)


def test_group_manager_sees_orders_of_every_store(shop, group_manager):
    order = open_order(shop)
    other = StoreFactory(code="ZZ99")
    assert services.get_order(order.id, actor=actor(group_manager)) is order
    page = queries.list_orders(actor=actor(group_manager), filters=queries.OrderFilter())
    assert order in page.items and other.id != order.store_id


def test_list_orders_filters(shop):
    first = open_order(shop)
    approved_order(shop)
    page = queries.list_orders(actor=shop.advisor, filters=queries.OrderFilter(states=(OPEN,)))
    assert [o.id for o in page.items] == [first.id]


def test_a_capped_list_counts_only_so_far_past_the_page_and_says_there_are_more(shop):
    orders = [open_order(shop) for _ in range(7)]
    exact = queries.list_orders(actor=shop.advisor, filters=queries.OrderFilter(), per_page=2)
    assert (exact.total, exact.pages) == (7, 4)
    capped = queries.list_orders(actor=shop.advisor, filters=queries.OrderFilter(), per_page=2, count_cap=3)
    assert (capped.total, capped.pages, capped.capped, capped.has_next) == (3, 2, True, True)
    assert [o.id for o in capped.items] == [o.id for o in exact.items] == [orders[-1].id, orders[-2].id]
    deep = queries.list_orders(actor=shop.advisor, filters=queries.OrderFilter(), page=3, per_page=2, count_cap=3)
    assert (deep.total, deep.capped, deep.has_next) == (7, False, True)  # counted to page 3 and past it
    last = queries.list_orders(actor=shop.advisor, filters=queries.OrderFilter(), page=4, per_page=2, count_cap=20)
    assert (last.total, last.capped, last.has_next, len(last.items)) == (7, False, False, 1)


def test_every_change_is_an_event_with_who_and_when(shop):
    order = approved_order(shop)
    events = db.session.scalars(sa.select(OrderEvent).where(OrderEvent.order_id == order.id)
                                .order_by(OrderEvent.id)).all()
    assert [(e.action, e.from_state, e.to_state) for e in events] == [
        ("open", "", "open"), ("submit_estimate", "open", "estimated"), ("approve_estimate", "estimated", "approved")]
    assert all(e.actor_id == shop.advisor.user_id and e.created_at == NOW for e in events)


def test_open_order_takes_only_an_advisor_of_the_store(shop, other_store, staff):
    stranger = UserFactory(username="adv-gz2", roles=["service_advisor"], store=other_store)
    db.session.commit()
    for bad in (stranger.id, staff["technician"].id, 999_999):
        with pytest.raises(RepairError) as refused:
            open_order(shop, advisor_id=bad)
        assert refused.value.field == "advisor_id"
        db.session.rollback()
    assert open_order(shop, advisor_id=staff["service_advisor"].id).advisor_id == staff["service_advisor"].id


def test_customer_visits_count_orders_and_spend_with_reversals_deducted(shop):
    first = finished_order(shop)
    services.settle(first.id, pay(first, (36600, "cash")), actor=shop.cashier, now=NOW)
    second = finished_order(shop, now=NOW + timedelta(days=1))
    services.settle(second.id, pay(second, (36600, "cash")), actor=shop.cashier, now=NOW + timedelta(days=1))
    services.reverse(second.id, reason="开错", refunds=pay(second, (36600, "cash")), actor=shop.manager,
                     now=NOW + timedelta(days=1))
    cancelled = open_order(shop, now=NOW + timedelta(days=2))
    services.cancel(cancelled.id, reason="客户改期", actor=shop.advisor, now=NOW + timedelta(days=2))
    history = queries.customer_visits(shop.vehicle.owner_id, actor=shop.advisor)
    assert (history.visits, history.spend_fen) == (2, 36600)
    assert history.last_visit == NOW + timedelta(days=1)
    assert len(history.orders) == 4 and history.orders[0].id == cancelled.id


def test_a_changed_promise_must_be_in_the_future(shop):
    order = open_order(shop)
    with pytest.raises(RepairError) as refused:
        services.update_order(order.id, promised_at=NOW - timedelta(hours=1), notes="", actor=shop.advisor, now=NOW)
    assert refused.value.field == "promised_at"
    db.session.rollback()
    later = NOW + timedelta(days=1)
    assert services.update_order(order.id, promised_at=later, notes="等配件", actor=shop.advisor,
                                 now=NOW).promised_at == later
