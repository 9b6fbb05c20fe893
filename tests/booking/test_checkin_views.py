"""The advisor's day view and check-in page wiring for issue 16's last items: the VIN of a new owner's car, what
each car is due for, a quick-lane booking checked in with a package."""
from __future__ import annotations

import random
from datetime import timedelta

import pytest
import sqlalchemy as sa

from dealer.actors import SYSTEM
from dealer.booking import services
from dealer.booking.models import Booking
from dealer.booking.services import BOOKING
from dealer.customers.models import Customer, Vehicle
from dealer.demo import data
from dealer.extensions import db
from dealer.quicklane.models import LaneOrder
from dealer.sms import verification
from dealer.sms.models import SmsMessage
from tests.helpers import NOW, count, fresh, login, page_text
from tests.quicklane.builders import build_package, on_shift
from tests.repair.builders import build_shop

VIN = data.vin(random.Random(1617))


@pytest.fixture()
def shop(ctx, store, staff):
    built = build_shop(store, staff)
    services.set_up_store(store.id, actor=SYSTEM)
    db.session.commit()
    return built


def _book(shop, kind: str, phone: str, plate: str, *, key: str) -> Booking:
    """A booking for today 10:00 (NOW), made an hour before."""
    booked_at = NOW - timedelta(hours=1)
    verification.send_code(phone, store_id=shop.store.id, purpose=BOOKING, now=booked_at - timedelta(minutes=2))
    code = db.session.scalars(sa.select(SmsMessage.params).where(SmsMessage.phone == phone)
                              .order_by(SmsMessage.id.desc())).first()["code"]
    return services.book(services.BookingInput(
        store_id=shop.store.id, service_kind=kind, starts_at=NOW, name="车主", phone=phone, plate=plate),
        now=booked_at, idempotency_key=key, check=verification.PhoneCheck(code=code))


@pytest.fixture()
def at_now(monkeypatch):
    monkeypatch.setattr("dealer.booking.views.staff.utcnow", lambda: NOW)


def test_a_new_owners_car_is_checked_in_with_the_vin_typed_on_the_day_view(client, shop, staff, at_now):
    booking = _book(shop, "maintenance", "13900000016", "粤B9N016", key="view-key-0001")
    login(client, staff["service_advisor"])
    day = client.get(f"/booking/?day={NOW.date().isoformat()}")
    assert 'name="vin"' in day.get_data(as_text=True)
    refused = client.post(f"/booking/{booking.id}/check-in", data={"vin": ""},
                          headers={"Referer": f"http://localhost/booking/?day={NOW.date().isoformat()}"})
    assert "行驶证" in page_text(client.get(refused.headers["Location"]))
    assert fresh(Booking, booking.id).state == "booked" and count(Vehicle, Vehicle.vin == VIN) == 0
    checked = client.post(f"/booking/{booking.id}/check-in", data={"vin": VIN})
    assert "/repair/" in checked.headers["Location"]
    car = db.session.scalar(sa.select(Vehicle).where(Vehicle.vin == VIN))
    assert car.owner_id == fresh(Booking, booking.id).customer_id
    assert "网上预约" in page_text(client.get(f"/customers/{car.owner_id}"))


def test_the_day_view_shows_what_each_car_is_due_for_and_checks_a_lane_booking_in(client, shop, staff, at_now):
    on_shift(shop)
    package = build_package(shop)
    owner = db.session.get(Customer, shop.vehicle.owner_id)
    car = db.session.get(Vehicle, shop.vehicle.id)
    car.next_maintenance_due = NOW.date() + timedelta(days=5)
    db.session.commit()
    booking = _book(shop, "quick_lane", owner.mobile, car.plate, key="view-key-0002")
    login(client, staff["service_advisor"])
    day = client.get(f"/booking/?day={NOW.date().isoformat()}")
    assert "到期提醒" in page_text(day) and (NOW.date() + timedelta(days=5)).strftime("%-d日") in page_text(day)
    assert package.name in page_text(day) and 'name="key_tag"' in day.get_data(as_text=True)
    checked = client.post(f"/booking/{booking.id}/check-in", data={"package_id": str(package.id), "key_tag": "A1"})
    assert checked.headers["Location"].endswith("/quick-lane/")
    lane = db.session.scalar(sa.select(LaneOrder))
    assert (lane.key_tag, lane.vehicle_id) == ("A1", car.id)
    assert fresh(Booking, booking.id).order_id == lane.repair_order_id
