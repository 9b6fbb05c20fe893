"""Booking's rules, called directly, on SQLite and PostgreSQL: holds, capacity, verification, idempotency, states."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from dealer.actors import SYSTEM
from dealer.booking import checkin, queries, services
from dealer.booking.errors import BookingStateError, CodeRefused, DayNotOpen, SlotFull, TooManyCodes
from dealer.booking.models import (
    CANCELLED,
    CHECKED_IN,
    NO_SHOW,
    Booking,
    Capacity,
    ClosedDay,
    Hold,
)
from dealer.booking.services import BOOKING
from dealer.customers.validators import InvalidValue
from dealer.errors import NotFound, ValidationFailed
from dealer.extensions import db
from dealer.repair.models import RepairOrder
from dealer.sms import verification
from dealer.sms.models import SmsMessage, VerificationCode
from tests.factories import CustomerFactory, UserFactory, VehicleFactory
from tests.helpers import actor, count

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)  # Monday 10:00 in Shenzhen
TOMORROW_9 = datetime(2026, 11, 24, 9, 0, tzinfo=ZONE)
PHONE = "13812345678"


@pytest.fixture()
def shop(ctx, store):
    services.set_up_store(store.id, actor=SYSTEM)
    return store


def _code(phone: str = PHONE) -> str:
    message = db.session.scalars(sa.select(SmsMessage).where(SmsMessage.phone == phone,
                                                             SmsMessage.kind == "booking_verification")
                                 .order_by(SmsMessage.id.desc())).first()
    return message.params["code"]


def _input(store, starts_at=TOMORROW_9, **overrides) -> services.BookingInput:
    values = {"store_id": store.id, "service_kind": "maintenance", "starts_at": starts_at, "name": "王先生",
              "phone": PHONE, "plate": "粤B12345", "model": "速腾"}
    values.update(overrides)
    return services.BookingInput(**values)


def _book(store, *, now=NOW, key="form-key-0001", phone=PHONE, **overrides) -> Booking:
    verification.send_code(phone, store_id=store.id, purpose=BOOKING, now=now - timedelta(minutes=1, seconds=5))
    return services.book(_input(store, phone=phone, **overrides), now=now, idempotency_key=key,
                         check=verification.PhoneCheck(code=_code(phone)))


def _narrow(store, kind="maintenance", minutes=120, bays=2):
    db.session.execute(sa.update(Capacity).where(Capacity.store_id == store.id, Capacity.service_kind == kind)
                       .values(capacity_minutes=minutes, bays=bays))
    db.session.commit()


def test_free_slots_cover_14_days_with_evening_service_on_weekdays(shop):
    rules = queries.store_rules(shop.id)
    free = queries.free_slots(rules, "maintenance", first=NOW.astimezone(ZONE).date(), days=14, now=NOW)
    assert len(free) == 14
    monday = free[NOW.astimezone(ZONE).date()]
    assert monday[0].strftime("%H:%M") == "10:15"  # now is 10:00: only later times
    assert monday[-1].strftime("%H:%M") == "20:45"  # 星夜服务 until 21:00
    saturday = free[datetime(2026, 11, 28).date()]
    assert saturday[-1].strftime("%H:%M") == "17:15"  # no evening service at the weekend


def test_book_with_the_sms_code_queues_the_booking_code_and_matches_the_owner(shop, staff):
    owner = CustomerFactory(store=shop, mobile=PHONE, mobile_last4=PHONE[-4:], advisor=staff["service_advisor"])
    car = VehicleFactory(owner=owner, plate="粤B12345", plate_reversed="54321B粤")
    db.session.commit()
    booking = _book(shop)
    assert (booking.customer_id, booking.vehicle_id, booking.advisor_id) == (owner.id, car.id,
                                                                              staff["service_advisor"].id)
    assert booking.starts_at == TOMORROW_9 and booking.minutes == 60
    sent = db.session.scalar(sa.select(SmsMessage).where(SmsMessage.kind == "booking_code"))
    assert sent.params["code"] == booking.code and sent.phone == PHONE


def test_the_booking_code_sms_names_the_service_booked(shop):
    _book(shop, service_kind="body_paint")
    sent = db.session.scalar(sa.select(SmsMessage).where(SmsMessage.kind == "booking_code"))
    assert sent.params["service"] == "钣喷" and "钣喷" in sent.body and "保养" not in sent.body


def test_a_new_owners_car_is_filed_at_booking_its_vin_waits_for_check_in(shop, manager):
    booking = _book(shop)
    assert booking.customer_id is not None and booking.vehicle_id is not None  # tests/booking/test_new_owner.py
    with pytest.raises(BookingStateError):
        checkin.check_in(booking.id, actor=manager, now=NOW)


def test_a_repeated_submission_makes_one_booking(shop):
    first = _book(shop)
    again = services.book(_input(shop), now=NOW, idempotency_key="form-key-0001",
                          check=verification.PhoneCheck(code="000000"))
    assert again.id == first.id
    assert count(Booking) == 1


def test_the_last_place_goes_once_then_the_nearest_free_times_are_offered(shop):
    _narrow(shop, minutes=60, bays=1)  # one maintenance an afternoon... and one a morning
    _book(shop)
    with pytest.raises(SlotFull) as refused:
        _book(shop, key="form-key-0002", phone="13912345678", starts_at=TOMORROW_9 + timedelta(minutes=30))
    nearest = refused.value.params["nearest"]
    assert nearest and all("T09:" not in moment and "T10:" not in moment for moment in nearest)
    assert count(Booking) == 1


def test_the_check_in_cap_limits_one_quarter_across_services(shop):
    for number, kind in enumerate(("maintenance", "repair", "inspection")):
        _book(shop, key=f"form-key-000{number}", phone=f"1391234567{number}", service_kind=kind)
    with pytest.raises(SlotFull):
        _book(shop, key="form-key-0009", phone="13912345679", service_kind="quick_lane")


def test_a_hold_takes_the_room_and_the_owners_own_hold_never_blocks_them(shop):
    _narrow(shop, minutes=60, bays=1)
    services.hold_time(shop.id, "maintenance", TOMORROW_9, holder="owner-a", now=NOW)
    with pytest.raises(SlotFull):
        services.hold_time(shop.id, "maintenance", TOMORROW_9 + timedelta(minutes=15), holder="owner-b", now=NOW)
    services.hold_time(shop.id, "maintenance", TOMORROW_9 + timedelta(minutes=15), holder="owner-a", now=NOW)
    assert count(Hold) == 1
    verification.send_code(PHONE, store_id=shop.id, purpose=BOOKING, now=NOW)
    booking = services.book(_input(shop, starts_at=TOMORROW_9 + timedelta(minutes=15)), holder="owner-a", now=NOW,
                            idempotency_key="form-key-0001", check=verification.PhoneCheck(code=_code()))
    assert booking.state == "booked" and count(Hold) == 0


def test_an_expired_hold_stops_counting(shop):
    _narrow(shop, minutes=60, bays=1)
    services.hold_time(shop.id, "maintenance", TOMORROW_9, holder="owner-a", now=NOW)
    later = NOW + timedelta(minutes=6)
    services.hold_time(shop.id, "maintenance", TOMORROW_9, holder="owner-b", now=later)
    assert db.session.scalars(sa.select(Hold.holder)).all() == ["owner-b"]  # the expired one is gone


@pytest.mark.parametrize("starts_at, words", [
    (datetime(2026, 11, 23, 9, 0, tzinfo=ZONE), "时间已过"),
    (datetime(2026, 11, 24, 12, 30, tzinfo=ZONE), "营业时间"),
    (datetime(2026, 11, 24, 9, 5, tzinfo=ZONE), "营业时间"),
    (datetime(2026, 11, 24, 9, 0, 0, 500000, tzinfo=ZONE), "营业时间"),  # not a listed time either
    (datetime(2026, 11, 28, 19, 0, tzinfo=ZONE), "营业时间"),  # Saturday: no evening service
    (datetime(2026, 12, 20, 9, 0, tzinfo=ZONE), "天内"),
])
def test_a_time_that_cannot_be_booked_is_refused_with_its_reason_in_chinese(shop, starts_at, words):
    with pytest.raises(DayNotOpen) as refused:
        services.hold_time(shop.id, "maintenance", starts_at, holder="owner-a", now=NOW)
    assert words in str(refused.value.message)


def test_a_holiday_is_closed(shop):
    db.session.add(ClosedDay(store_id=shop.id, day=TOMORROW_9.date(), reason="店休"))
    db.session.commit()
    with pytest.raises(DayNotOpen) as refused:
        services.hold_time(shop.id, "maintenance", TOMORROW_9, holder="owner-a", now=NOW)
    assert "休息" in str(refused.value.message)
    free = queries.free_slots(queries.store_rules(shop.id), "maintenance", first=TOMORROW_9.date(), days=1, now=NOW)
    assert free[TOMORROW_9.date()] == []


def test_a_bad_plate_and_a_foreign_mobile_are_refused_and_nothing_is_booked(shop):
    verification.send_code(PHONE, store_id=shop.id, purpose=BOOKING, now=NOW)
    with pytest.raises(ValidationFailed) as refused:
        services.book(_input(shop, plate="粤B1234", phone="+85291234567"), now=NOW, idempotency_key="form-key-1",
                      check=verification.PhoneCheck(code=_code()))
    assert set(refused.value.fields()) == {"plate", "phone"}
    assert count(Booking) == 0
    with pytest.raises(InvalidValue):
        verification.send_code("+85291234567", store_id=shop.id, purpose=BOOKING, now=NOW)


def test_the_code_is_stored_hashed_and_expires_after_5_minutes(shop):
    verification.send_code(PHONE, store_id=shop.id, purpose=BOOKING, now=NOW)
    code = _code()
    row = db.session.scalar(sa.select(VerificationCode))
    assert code not in (row.code_hash, row.salt) and len(row.code_hash) == 64
    with pytest.raises(CodeRefused) as refused:
        verification.check_code(PHONE, code, purpose=BOOKING, now=NOW + timedelta(minutes=5))
    assert "失效" in str(refused.value.message)
    assert verification.check_code(PHONE, code, purpose=BOOKING, now=NOW + timedelta(minutes=4, seconds=59))


def test_five_wrong_codes_void_it(shop):
    verification.send_code(PHONE, store_id=shop.id, purpose=BOOKING, now=NOW)
    code = _code()
    wrong = f"{(int(code) + 1) % 10 ** 6:06d}"
    for _ in range(5):
        with pytest.raises(CodeRefused):
            verification.check_code(PHONE, wrong, purpose=BOOKING, now=NOW)
    assert db.session.scalar(sa.select(VerificationCode.attempts)) == 5
    with pytest.raises(CodeRefused):
        verification.check_code(PHONE, code, purpose=BOOKING, now=NOW)  # even the right one: the code is void


def test_one_code_a_minute_and_five_an_hour_per_phone(shop):
    verification.send_code(PHONE, store_id=shop.id, purpose=BOOKING, now=NOW)
    with pytest.raises(TooManyCodes):
        verification.send_code(PHONE, store_id=shop.id, purpose=BOOKING, now=NOW + timedelta(seconds=59))
    for minute in range(1, 5):
        verification.send_code(PHONE, store_id=shop.id, purpose=BOOKING, now=NOW + timedelta(minutes=minute))
    with pytest.raises(TooManyCodes):
        verification.send_code(PHONE, store_id=shop.id, purpose=BOOKING, now=NOW + timedelta(minutes=6))
    assert count(VerificationCode) == 5


def test_codes_per_address_and_the_stores_daily_ceiling(shop):
    for number in range(3):
        verification.send_code(f"1391234560{number}", store_id=shop.id, address="10.0.0.1", purpose=BOOKING, now=NOW)
    with pytest.raises(TooManyCodes):
        verification.send_code("13912345609", store_id=shop.id, address="10.0.0.1", purpose=BOOKING, now=NOW)
    settings = queries.settings_of(shop.id)
    settings.daily_code_ceiling = 3
    db.session.add(settings)
    db.session.commit()
    with pytest.raises(TooManyCodes) as refused:
        verification.send_code("13912345609", store_id=shop.id, address="10.0.0.2", purpose=BOOKING, now=NOW)
    assert "今日验证码已达上限" in str(refused.value.message)


def test_a_proof_books_once(shop):
    verification.send_code(PHONE, store_id=shop.id, purpose=BOOKING, now=NOW)
    proof = verification.check_code(PHONE, _code(), purpose=BOOKING, now=NOW)
    services.book(_input(shop), now=NOW, idempotency_key="form-key-0001", check=verification.PhoneCheck(proof=proof))
    with pytest.raises(CodeRefused):
        services.book(_input(shop), now=NOW, idempotency_key="form-key-0002",
                      check=verification.PhoneCheck(proof=proof))


def test_cancel_frees_the_room_and_cancels_the_queued_sms(shop, manager):
    _narrow(shop, minutes=60, bays=1)
    booking = _book(shop)
    services.cancel_booking(booking.id, actor=manager, now=NOW)
    assert db.session.scalar(sa.select(SmsMessage.state).where(SmsMessage.kind == "booking_code")) == "cancelled"
    assert db.session.get(Booking, booking.id).state == CANCELLED
    _book(shop, key="form-key-0002", phone="13912345678", now=NOW + timedelta(minutes=2))
    with pytest.raises(BookingStateError):
        services.cancel_booking(booking.id, actor=manager, now=NOW)


def test_no_show_only_after_the_time(shop, manager):
    booking = _book(shop)
    with pytest.raises(BookingStateError):
        services.mark_no_show(booking.id, actor=manager, now=NOW)
    assert services.mark_no_show(booking.id, actor=manager, now=TOMORROW_9 + timedelta(hours=1)).state == NO_SHOW


def test_reschedule_moves_the_booking_to_a_free_time(shop, manager):
    _narrow(shop, minutes=60, bays=1)
    booking = _book(shop)
    moved = services.reschedule(booking.id, TOMORROW_9 + timedelta(hours=5), actor=manager, now=NOW)
    assert moved.starts_at == TOMORROW_9 + timedelta(hours=5)
    _book(shop, key="form-key-0002", phone="13912345678", now=NOW + timedelta(minutes=2))  # the morning is free


def test_check_in_opens_the_repair_order_from_the_booking(shop, staff, advisor):
    owner = CustomerFactory(store=shop, mobile=PHONE, mobile_last4=PHONE[-4:])
    car = VehicleFactory(owner=owner, plate="粤B12345", plate_reversed="54321B粤")
    db.session.commit()
    booking = _book(shop, note="刹车异响")
    order = checkin.check_in(booking.id, actor=advisor, now=TOMORROW_9 - timedelta(minutes=10))
    assert (order.source_kind, order.source_ref, order.vehicle_id) == ("booking", booking.id, car.id)
    assert order.kind == "maintenance" and "刹车异响" in order.jobs[0].concern
    assert order.promised_at == TOMORROW_9 + timedelta(minutes=60 + 30)
    booking = db.session.get(Booking, booking.id)
    assert (booking.state, booking.order_id) == (CHECKED_IN, order.id)
    with pytest.raises(BookingStateError):
        checkin.check_in(booking.id, actor=advisor, now=TOMORROW_9)
    assert count(RepairOrder) == 1


def test_another_stores_booking_is_not_found(shop, other_store, staff):
    booking = _book(shop)
    stranger = actor(UserFactory(username="gz-manager", roles=["manager"], store=other_store))
    with pytest.raises(NotFound):
        services.cancel_booking(booking.id, actor=stranger, now=NOW)


def test_set_up_store_adds_the_default_rules_once(shop):
    assert services.set_up_store(shop.id, actor=SYSTEM) is False
    assert count(Capacity, Capacity.store_id == shop.id) == 15  # 5 services x 3 day parts
