"""A new owner at booking (issue 16): the booking opens their customer file at once (marked as from online
booking); the car is filed at check-in with the VIN off its registration, in the same transaction as the order."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from dealer.actors import SYSTEM
from dealer.booking import checkin, owner, services
from dealer.booking.errors import VinNeeded
from dealer.booking.models import CHECKED_IN, Booking
from dealer.booking.services import BOOKING
from dealer.customers.errors import VinTaken
from dealer.customers.models import Customer, Vehicle
from dealer.customers.validators import InvalidValue
from dealer.demo import data
from dealer.extensions import db
from dealer.repair.models import RepairOrder
from dealer.sms import verification
from dealer.sms.models import SmsMessage
from tests.factories import CustomerFactory, VehicleFactory
from tests.helpers import count

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)  # Monday 10:00 in Shenzhen
TOMORROW_9 = datetime(2026, 11, 24, 9, 0, tzinfo=ZONE)
PHONE = "13812345678"
VIN = data.vin(random.Random(16))


@pytest.fixture()
def shop(ctx, store):
    services.set_up_store(store.id, actor=SYSTEM)
    return store


def _book(store, *, key="form-key-0001", phone=PHONE, plate="粤B12345", now=NOW) -> Booking:
    verification.send_code(phone, store_id=store.id, purpose=BOOKING, now=now - timedelta(minutes=1, seconds=5))
    code = db.session.scalars(sa.select(SmsMessage.params).where(SmsMessage.phone == phone)
                              .order_by(SmsMessage.id.desc())).first()["code"]
    return services.book(services.BookingInput(
        store_id=store.id, service_kind="maintenance", starts_at=TOMORROW_9, name="王先生", phone=phone,
        plate=plate, model="速腾"), now=now, idempotency_key=key, check=verification.PhoneCheck(code=code))


def test_book_files_a_new_owner_as_from_online_booking(shop):
    booking = _book(shop)
    customer = db.session.get(Customer, booking.customer_id)
    assert (customer.name, customer.mobile, customer.source) == ("王先生", PHONE, "online_booking")
    assert booking.vehicle_id is None and count(Vehicle) == 0  # the car waits for its VIN at check-in
    again = _book(shop, key="form-key-0002", plate="粤B54321", now=NOW + timedelta(minutes=2))  # a second car
    assert again.customer_id == customer.id and count(Customer) == 1


def test_book_keeps_the_stores_customer_and_their_source(shop):
    owner = CustomerFactory(store=shop, mobile=PHONE, mobile_last4=PHONE[-4:])
    db.session.commit()
    booking = _book(shop)
    assert booking.customer_id == owner.id and db.session.get(Customer, owner.id).source == "desk"


def test_check_in_without_a_vin_asks_for_it_and_changes_nothing(shop, advisor):
    booking = _book(shop)
    with pytest.raises(VinNeeded) as refused:
        checkin.check_in(booking.id, actor=advisor, now=TOMORROW_9)
    assert refused.value.field == "vin" and "行驶证" in str(refused.value.message)
    db.session.rollback()
    assert count(RepairOrder) == 0 and db.session.get(Booking, booking.id).state == "booked"


def test_check_in_with_a_wrong_check_digit_is_refused_and_files_nothing(shop, advisor):
    booking = _book(shop)
    wrong = VIN[:8] + ("0" if VIN[8] != "0" else "1") + VIN[9:]
    with pytest.raises(InvalidValue):
        checkin.check_in(booking.id, actor=advisor, now=TOMORROW_9, vin=wrong)
    db.session.rollback()
    assert count(Vehicle) == 0 and count(RepairOrder) == 0


def test_check_in_with_the_vin_files_the_car_under_the_booking_customer_and_opens_the_order(shop, advisor):
    booking = _book(shop)
    order = checkin.check_in(booking.id, actor=advisor, now=TOMORROW_9, vin=VIN.lower())
    car = db.session.get(Vehicle, order.vehicle_id)
    assert (car.vin, car.plate, car.model, car.owner_id) == (VIN, "粤B12345", "速腾", booking.customer_id)
    booking = db.session.get(Booking, booking.id)
    assert (booking.state, booking.order_id, booking.vehicle_id) == (CHECKED_IN, order.id, car.id)


def test_check_in_with_a_vin_of_another_car_is_refused(shop, advisor):
    other = VehicleFactory(owner=CustomerFactory(store=shop), vin=VIN, vin_reversed=VIN[::-1])
    db.session.commit()
    booking = _book(shop)
    with pytest.raises(VinTaken):
        checkin.check_in(booking.id, actor=advisor, now=TOMORROW_9, vin=VIN)
    db.session.rollback()
    assert count(RepairOrder) == 0 and count(Vehicle) == 1 and other.id


def test_check_in_of_a_car_filed_since_needs_no_vin(shop, advisor):
    booking = _book(shop)
    car = VehicleFactory(owner=db.session.get(Customer, booking.customer_id), plate="粤B12345",
                         plate_reversed="54321B粤")
    db.session.commit()
    order = checkin.check_in(booking.id, actor=advisor, now=TOMORROW_9)
    assert order.vehicle_id == car.id


def test_a_phone_booking_of_a_new_owner_is_filed_at_check_in_as_from_the_desk(shop, manager, advisor):
    booking = owner.overbook(services.BookingInput(
        store_id=shop.id, service_kind="maintenance", starts_at=TOMORROW_9, name="李女士", phone="13900001616",
        plate="粤B77777"), reason="老客户电话预约", actor=manager, now=NOW)
    assert booking.customer_id is None  # the mobile was not verified: no file from the phone alone
    order = checkin.check_in(booking.id, actor=advisor, now=TOMORROW_9, vin=VIN)
    customer = db.session.get(Customer, order.customer_id)
    assert (customer.mobile, customer.source) == ("13900001616", "desk")
