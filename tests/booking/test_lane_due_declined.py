"""Issue 16's last items, on SQLite and PostgreSQL: a quick-lane booking checked in as a quick-lane order (the lane's
own opening service); what each booked car is due for; declined extra work coming back as a reminder and as a
campaign target (repair.queries.declined_work_vehicles)."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from dealer.actors import SYSTEM
from dealer.booking import checkin, desk, progress, services
from dealer.booking.errors import BookingError
from dealer.booking.models import CHECKED_IN, Booking
from dealer.booking.services import BOOKING
from dealer.customers.models import Customer, Vehicle
from dealer.extensions import db
from dealer.quicklane import services as lane_services
from dealer.quicklane.models import LaneOrder
from dealer.reminders.declined import DECLINED_WORK_DAYS
from dealer.reminders.models import Reminder
from dealer.repair import queries as repair_queries
from dealer.repair import services as repair
from dealer.repair.models import RepairOrder
from dealer.repair.services import QC_ITEMS, QualityCheckInput
from dealer.sms import verification
from dealer.sms.models import SmsMessage
from tests.helpers import NOW, count
from tests.quicklane.builders import build_package, on_shift, take_key
from tests.repair.builders import add_labor, build_shop, by_phone, extra_work_order, open_order, pay


@pytest.fixture()
def shop(ctx, store, staff):
    built = build_shop(store, staff)
    services.set_up_store(store.id, actor=SYSTEM)
    db.session.commit()
    return built


def _book(shop, kind: str, *, key="form-key-lane1", minutes_before=60) -> Booking:
    """The shop's owner books their car for today 10:00 (NOW), an hour before (or so)."""
    owner = db.session.get(Customer, shop.vehicle.owner_id)
    booked_at = NOW - timedelta(minutes=minutes_before)
    verification.send_code(owner.mobile, store_id=shop.store.id, purpose=BOOKING, now=booked_at - timedelta(minutes=2))
    code = db.session.scalars(sa.select(SmsMessage.params).where(SmsMessage.phone == owner.mobile)
                              .order_by(SmsMessage.id.desc())).first()["code"]
    return services.book(services.BookingInput(
        store_id=shop.store.id, service_kind=kind, starts_at=NOW, name=owner.name, phone=owner.mobile,
        plate=shop.vehicle.plate), now=booked_at, idempotency_key=key, check=verification.PhoneCheck(code=code))


def test_a_quick_lane_booking_is_checked_in_as_a_quick_lane_order(shop):
    on_shift(shop)
    package = build_package(shop)
    booking = _book(shop, "quick_lane")
    assert desk.lane_packages([booking], actor=shop.advisor) == {shop.store.id: [(package.id, package.name)]}
    lane = checkin.check_in_lane(booking.id, package_id=package.id, key_tag="k7", actor=shop.advisor, now=NOW)
    assert (lane.vehicle_id, lane.package_id, lane.key_tag) == (shop.vehicle.id, package.id, "K7")
    order = db.session.get(RepairOrder, lane.repair_order_id)
    assert (order.source_kind, order.source_ref) == ("quick_lane", lane.id)
    booking = db.session.get(Booking, booking.id)
    assert (booking.state, booking.order_id) == (CHECKED_IN, order.id)


def test_a_quick_lane_check_in_without_a_package_or_for_another_service_is_refused(shop):
    on_shift(shop)
    package = build_package(shop)
    booking = _book(shop, "maintenance")
    with pytest.raises(BookingError):
        checkin.check_in_lane(booking.id, package_id=package.id, key_tag="K1", actor=shop.advisor, now=NOW)
    db.session.rollback()
    lane_booking = _book(shop, "quick_lane", key="form-key-lane2", minutes_before=50)
    with pytest.raises(BookingError):
        checkin.check_in_lane(lane_booking.id, package_id=None, key_tag="K1", actor=shop.advisor, now=NOW)
    db.session.rollback()
    assert count(LaneOrder) == 0 and db.session.get(Booking, lane_booking.id).state == "booked"


def test_due_for_names_what_each_booked_car_is_due_for_in_two_queries(shop):
    car = db.session.get(Vehicle, shop.vehicle.id)
    today = NOW.date()
    car.next_maintenance_due, car.insurance_expiry = today + timedelta(days=10), today - timedelta(days=3)
    car.next_inspection_due = today + timedelta(days=200)  # not yet
    db.session.commit()
    booking = _book(shop, "maintenance")
    assert booking.vehicle_id == car.id  # read before counting
    statements = []
    listener = lambda _conn, _cursor, statement, *_: statements.append(statement)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        due = desk.due_for([booking], today=today)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert [(item.kind, item.due_date) for item in due[car.id]] == [
        ("insurance", today - timedelta(days=3)), ("maintenance", today + timedelta(days=10))]
    assert len(statements) == 2


def test_declined_work_becomes_a_reminder_on_the_call_list_and_a_campaign_target(shop):
    order, brakes, filter_job = extra_work_order(shop)
    link = db.session.scalar(sa.select(SmsMessage.params).where(SmsMessage.kind == "order_progress_link",
                                                                SmsMessage.dedupe_key == f"progress:{order.id}"))
    progress.decide(link["link"].rsplit("/", 1)[1], brakes.id, "declined", now=NOW)  # online
    repair.decline_extra_work(order.id, [filter_job.id], reason="", actor=shop.advisor, now=NOW)  # at the desk
    reminder = db.session.scalar(sa.select(Reminder).where(Reminder.kind == "declined_work"))
    assert (reminder.vehicle_id, reminder.state) == (order.vehicle_id, "open")
    assert reminder.due_date == NOW.date() + timedelta(days=DECLINED_WORK_DAYS) and count(Reminder) == 1
    assert "前刹车片磨损" in reminder.note and "空调滤芯脏" in reminder.note
    calls = repair_queries.declined_work_vehicles([shop.store.id], NOW - timedelta(days=1))
    assert [(row.vehicle_id, row.customer_id, row.items) for row in calls] == [
        (order.vehicle_id, order.customer_id, 2)]
    assert repair_queries.declined_work_vehicles([shop.store.id], NOW + timedelta(minutes=1)) == []
    assert desk.due_for([_book(shop, "repair", minutes_before=30)], today=NOW.date())[order.vehicle_id][-1].kind == "declined_work"


def test_a_quick_lane_orders_wash_shows_the_lanes_own_time(shop):
    on_shift(shop)
    lane = take_key(shop, build_package(shop))
    tech = shop.technician_user.id
    lane = lane_services.move(lane.id, to_stage="in_bay", version=lane.version, bay=1, technician_id=tech,
                              actor=shop.technician, now=NOW + timedelta(minutes=5))
    lane_services.move(lane.id, to_stage="washing", version=lane.version, actor=shop.technician,
                       now=NOW + timedelta(minutes=35))
    link = db.session.scalar(sa.select(SmsMessage.params).where(
        SmsMessage.kind == "order_progress_link", SmsMessage.dedupe_key == f"progress:{lane.repair_order_id}"))
    stages = {stage.state: stage for stage in progress.read_progress(link["link"].rsplit("/", 1)[1], now=NOW).stages}
    assert stages["washing"].at == NOW + timedelta(minutes=35) and stages["washing"].current
    assert not stages["ready"].current


def _done_later(shop, concern: str, *, now, finish=True):
    """Another order of the shop's car with one job of that concern, approved and (finish) its work done."""
    order = open_order(shop, concern, now=now)
    job = order.jobs[0]
    add_labor(shop, job, now=now)
    repair.submit_estimate(order.id, actor=shop.advisor, now=now)
    repair.approve_estimate(order.id, by_phone(), actor=shop.advisor, now=now)
    repair.assign_job(job.id, [shop.technician_user.id], actor=shop.advisor, now=now)
    repair.dispatch(order.id, actor=shop.advisor, now=now)
    if finish:
        repair.clock_on(job.id, actor=shop.technician, now=now)
        repair.mark_job_done(job.id, actor=shop.technician, now=now)
    return job


def test_declined_work_done_later_on_another_order_no_longer_counts(shop):
    """Booking 5: an item declined, then done on the car's next order, left the campaign's list of declined work."""
    order, brakes, filter_job = extra_work_order(shop)
    repair.decline_extra_work(order.id, [brakes.id, filter_job.id], reason="", actor=shop.advisor, now=NOW)

    def still_declined():
        return [(row.vehicle_id, row.items) for row in
                repair_queries.declined_work_vehicles([shop.store.id], NOW - timedelta(days=1))]

    assert still_declined() == [(order.vehicle_id, 2)]
    _done_later(shop, "空调滤芯脏", now=NOW + timedelta(days=2), finish=False)  # booked, not done yet
    _done_later(shop, "更换雨刮", now=NOW + timedelta(days=2))  # other work done
    assert still_declined() == [(order.vehicle_id, 2)]
    _done_later(shop, " 前刹车片磨损", now=NOW + timedelta(days=3))  # the same work, done on another order
    assert still_declined() == [(order.vehicle_id, 1)]
    _done_later(shop, "空调滤芯脏", now=NOW + timedelta(days=4))
    assert still_declined() == []


def test_a_quick_lane_items_time_impact_is_the_lanes_stored_minutes_not_its_labor_hours(shop):
    """Booking 5: the lane proposes a piece of extra work with the minutes it adds in the bay; the progress page
    showed the labor lines' hours instead (the brake job's flat rate), a different time than the lane promised."""
    on_shift(shop)
    lane = take_key(shop, build_package(shop))
    lane = lane_services.move(lane.id, to_stage="in_bay", version=lane.version, bay=1,
                              technician_id=shop.technician_user.id, actor=shop.technician, now=NOW)
    lane = lane_services.report_extra_work(lane.id, lane_services.ExtraInput(
        concern="前刹车片磨损到限", minutes=25, kind="labor", operation_id=shop.brakes.id), actor=shop.technician,
        now=NOW + timedelta(minutes=10))
    token = db.session.scalar(sa.select(SmsMessage.params).where(
        SmsMessage.kind == "order_progress_link", SmsMessage.dedupe_key == f"progress:{lane.repair_order_id}"))[
        "link"].rsplit("/", 1)[1]
    [item] = progress.read_progress(token, now=NOW + timedelta(minutes=11)).pending
    order = repair.get_order(lane.repair_order_id, actor=shop.advisor)
    job = next(job for job in order.jobs if job.id == item.job_id)
    assert progress.labor_minutes(job) != 25  # the brake job's flat-rate hours
    assert item.labor_minutes == 25 and item.ready_at == max(order.promised_at, NOW + timedelta(minutes=11)) + \
        timedelta(minutes=25)
    decided = progress.decide(token, job.id, "declined", now=NOW + timedelta(minutes=12))
    assert decided.labor_minutes == 25


def _hand_back(shop, order_id: int, *, now) -> None:
    """QC passed, settled and delivered (交车), the order's work all done."""
    repair.request_quality_check(order_id, actor=shop.technician, now=now)
    repair.record_quality_check(order_id, QualityCheckInput(passed=True, checklist=dict.fromkeys(QC_ITEMS, True)),
                                actor=shop.advisor, now=now)
    order = repair.get_order(order_id, actor=shop.cashier)
    repair.settle(order_id, pay(order, (repair.price(order).total_fen, "cash")), actor=shop.cashier, now=now)
    repair.deliver(order_id, actor=shop.advisor, now=now)


def test_the_declined_work_reminder_ends_when_the_car_is_handed_back_with_the_work_done(shop):
    """Booking 6: the call list kept asking the owner about work done on a later visit."""
    order, brakes, filter_job = extra_work_order(shop)
    repair.decline_extra_work(order.id, [brakes.id, filter_job.id], reason="", actor=shop.advisor, now=NOW)
    [job] = [job for job in repair.get_order(order.id, actor=shop.advisor).jobs if job.id not in (brakes.id,
                                                                                                 filter_job.id)]
    repair.clock_on(job.id, actor=shop.technician, now=NOW)
    for line in job.lines:
        if line.kind == "parts":
            repair.issue_to_line(line.id, quantity=line.quantity, actor=shop.clerk, now=NOW)
    repair.mark_job_done(job.id, actor=shop.technician, now=NOW)

    def state():
        return db.session.scalar(sa.select(Reminder.state).where(Reminder.kind == "declined_work"))

    _hand_back(shop, order.id, now=NOW + timedelta(hours=2))  # the order it was declined on
    assert state() == "open"
    brakes_later = _done_later(shop, "前刹车片磨损", now=NOW + timedelta(days=3))
    _hand_back(shop, brakes_later.order_id, now=NOW + timedelta(days=3, hours=1))
    assert state() == "open"  # the cabin filter is still not done
    filter_later = _done_later(shop, "空调滤芯脏", now=NOW + timedelta(days=5))
    _hand_back(shop, filter_later.order_id, now=NOW + timedelta(days=5, hours=1))
    assert state() == "done" and count(Reminder) == 1
