"""A new owner at booking (issue 16): the booking opens their customer file and their car's file at once (marked as
from online booking; the car by plate and model, its VIN 待补录); the advisor fills the VIN in off the registration
at check-in, in the same transaction as the order opens."""
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
from dealer.customers import vins
from dealer.customers.errors import VinTaken
from dealer.customers.models import Customer, Vehicle, VehicleOwnership
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


def test_book_files_a_new_owner_and_their_car_as_from_online_booking(shop):
    booking = _book(shop)
    customer = db.session.get(Customer, booking.customer_id)
    assert (customer.name, customer.mobile, customer.source) == ("王先生", PHONE, "online_booking")
    car = db.session.get(Vehicle, booking.vehicle_id)
    assert (car.plate, car.model, car.vin, car.vin_reversed, car.source, car.owner_id) == (
        "粤B12345", "速腾", None, None, "online_booking", customer.id)
    assert count(VehicleOwnership, VehicleOwnership.vehicle_id == car.id) == 1
    again = _book(shop, key="form-key-0002", plate="粤B54321", now=NOW + timedelta(minutes=2))  # a second car
    assert again.customer_id == customer.id and count(Customer) == 1
    assert again.vehicle_id not in (None, car.id) and count(Vehicle) == 2  # two cars waiting for their VINs


def test_book_a_known_plate_of_the_customer_uses_their_car(shop):
    owner = CustomerFactory(store=shop, mobile=PHONE, mobile_last4=PHONE[-4:])
    car = VehicleFactory(owner=owner, plate="粤B12345", plate_reversed="54321B粤")
    db.session.commit()
    booking = _book(shop)
    assert (booking.customer_id, booking.vehicle_id) == (owner.id, car.id) and count(Vehicle) == 1


def test_book_a_plate_of_another_customers_car_files_no_car(shop):
    other = VehicleFactory(owner=CustomerFactory(store=shop), plate="粤B12345", plate_reversed="54321B粤")
    db.session.commit()
    booking = _book(shop)  # a car sold on, or a mistyped plate: the advisor sorts it out at check-in
    assert booking.vehicle_id is None and count(Vehicle) == 1 and db.session.get(Vehicle, other.id).vin


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
    assert db.session.get(Vehicle, booking.vehicle_id).vin is None


def test_check_in_with_a_wrong_check_digit_is_refused_and_changes_nothing(shop, advisor):
    booking = _book(shop)
    wrong = VIN[:8] + ("0" if VIN[8] != "0" else "1") + VIN[9:]
    with pytest.raises(InvalidValue) as refused:
        checkin.check_in(booking.id, actor=advisor, now=TOMORROW_9, vin=wrong)
    assert refused.value.field == "vin"
    db.session.rollback()
    assert count(Vehicle, Vehicle.vin.is_not(None)) == 0 and count(RepairOrder) == 0


def test_check_in_with_the_vin_fills_in_the_booked_car_and_opens_the_order_on_it(shop, advisor):
    booking = _book(shop)
    order = checkin.check_in(booking.id, actor=advisor, now=TOMORROW_9, vin=VIN.lower())
    assert order.vehicle_id == booking.vehicle_id and count(Vehicle) == 1  # the car filed at booking
    car = db.session.get(Vehicle, order.vehicle_id)
    assert (car.vin, car.vin_reversed, car.plate, car.model, car.owner_id) == (
        VIN, VIN[::-1], "粤B12345", "速腾", booking.customer_id)
    booking = db.session.get(Booking, booking.id)
    assert (booking.state, booking.order_id) == (CHECKED_IN, order.id)


def test_check_in_with_a_vin_of_another_car_is_refused_and_changes_nothing(shop, advisor):
    other = VehicleFactory(owner=CustomerFactory(store=shop), vin=VIN, vin_reversed=VIN[::-1])
    db.session.commit()
    booking = _book(shop)
    with pytest.raises(VinTaken) as refused:
        checkin.check_in(booking.id, actor=advisor, now=TOMORROW_9, vin=VIN)
    assert refused.value.field == "vin" and refused.value.params["vehicle_id"] == other.id
    db.session.rollback()
    assert count(RepairOrder) == 0 and db.session.get(Vehicle, booking.vehicle_id).vin is None
    assert db.session.get(Booking, booking.id).state == "booked"


def test_check_in_of_a_car_whose_vin_was_filled_in_since_needs_none(shop, advisor):
    booking = _book(shop)
    vins.fill_in_vin(booking.vehicle_id, VIN, actor=advisor, now=NOW)  # at the desk, before the owner came
    db.session.commit()
    order = checkin.check_in(booking.id, actor=advisor, now=TOMORROW_9)
    assert order.vehicle_id == booking.vehicle_id


def test_a_phone_booking_of_a_new_owner_is_filed_at_check_in_as_from_the_desk(shop, manager, advisor):
    booking = owner.overbook(services.BookingInput(
        store_id=shop.id, service_kind="maintenance", starts_at=TOMORROW_9, name="李女士", phone="13900001616",
        plate="粤B77777"), reason="老客户电话预约", actor=manager, now=NOW)
    assert booking.customer_id is None  # the mobile was not verified: no file from the phone alone
    order = checkin.check_in(booking.id, actor=advisor, now=TOMORROW_9, vin=VIN)
    customer = db.session.get(Customer, order.customer_id)
    assert (customer.mobile, customer.source) == ("13900001616", "desk")
    car = db.session.get(Vehicle, order.vehicle_id)  # filed at the desk, with its VIN
    assert (car.vin, car.plate, car.source) == (VIN, "粤B77777", "desk")
