"""A new owner booked online arrives: the car booked is on the customer's file (plate and model, its VIN 待补录);
the advisor checks it in from the day's bookings with the VIN off its registration (行驶证), after being told it
is needed and that a mistyped one is wrong; the order opens on that car, under the customer the booking opened,
whose file says it came from online booking.
"""
from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from werkzeug.serving import make_server

from dealer.booking import queries, services
from dealer.booking.models import Booking, OpeningHours
from dealer.customers.models import Customer, Vehicle
from dealer.database import utcnow
from dealer.demo import data
from dealer.extensions import db
from dealer.sms import verification
from dealer.sms.models import SmsMessage
from dealer.stores.models import Store
from tests.browser.helpers import Device, demo_app

pytestmark = pytest.mark.browser

PHONE, PLATE, VIN = "13987650016", "粤B6N016", data.vin(random.Random(1616))


@pytest.fixture(scope="module")
def new_owner_server(tmp_path_factory):
    """The demo app; a new owner (a mobile and a plate the store does not know) booked SZ01's next free time."""
    app = demo_app(tmp_path_factory.mktemp("live-new-owner"), vehicles=10)
    with app.app_context():
        booking = _book_new_owner(db.session.scalar(sa.select(Store).where(Store.code == "SZ01")))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", "app": app, **booking}
    server.shutdown()


def _book_new_owner(store) -> dict:
    """Open SZ01 around the clock (whatever hour the test runs, today has free times) and book as the owner's
    phone does: the code sent, then the booking with it."""
    for row in db.session.scalars(sa.select(OpeningHours).where(OpeningHours.store_id == store.id)):
        row.opens_minute, row.closes_minute = {"morning": (0, 480), "afternoon": (480, 960),
                                               "evening": (960, 24 * 60)}[row.day_part]
    for weekday in range(5, 7):
        db.session.add(OpeningHours(store_id=store.id, weekday=weekday, day_part="evening", opens_minute=960,
                                    closes_minute=24 * 60))
    db.session.commit()
    now = utcnow()
    rules = queries.store_rules(store.id)
    free = queries.free_slots(rules, "maintenance", first=now.astimezone(rules.zone).date(), days=2, now=now)
    starts_at = next(moment for day in sorted(free) for moment in free[day])
    verification.send_code(PHONE, store_id=store.id, purpose=services.BOOKING, now=now - timedelta(seconds=90))
    code = db.session.scalars(sa.select(SmsMessage.params).where(SmsMessage.phone == PHONE)
                              .order_by(SmsMessage.id.desc())).first()["code"]
    booking = services.book(services.BookingInput(
        store_id=store.id, service_kind="maintenance", starts_at=starts_at, name="新车主", phone=PHONE, plate=PLATE,
        model="卡罗拉"), now=now, idempotency_key="browser-new-owner", check=verification.PhoneCheck(code=code))
    return {"booking_id": booking.id, "customer_id": booking.customer_id, "vehicle_id": booking.vehicle_id,
            "day": starts_at.astimezone(rules.zone).date().isoformat()}


def test_the_advisor_checks_a_new_owner_in_with_the_vin_from_the_registration(browser, new_owner_server):
    server = new_owner_server
    advisor = Device(browser, server["url"], "desk", "sz01-advisor1")
    page = advisor.page
    page.goto(f"/customers/{server['customer_id']}")  # the car booked is filed, its VIN to come
    expect(page.get_by_test_id("customer-vehicles")).to_contain_text(PLATE)
    expect(page.get_by_test_id("vin-pending")).to_have_text("车架号待补录（到店接车时填写）")
    page.goto(f"/booking/?day={server['day']}")
    row = page.get_by_test_id("booking-row").filter(has_text=PLATE)
    expect(row.get_by_test_id("check-in-vin")).to_be_visible()

    row.get_by_test_id("check-in").click()  # no VIN yet: told where to find it, nothing opened
    expect(page.get_by_role("alert")).to_contain_text("行驶证")
    row = page.get_by_test_id("booking-row").filter(has_text=PLATE)
    wrong = VIN[:8] + ("0" if VIN[8] != "0" else "1") + VIN[9:]
    row.get_by_test_id("check-in-vin").fill(wrong)
    row.get_by_test_id("check-in").click()
    expect(page.get_by_role("alert")).to_contain_text("校验位")

    row = page.get_by_test_id("booking-row").filter(has_text=PLATE)
    row.get_by_test_id("check-in-vin").fill(VIN.lower())
    row.get_by_test_id("check-in").click()
    page.wait_for_url("**/repair/orders/*")
    expect(page.locator("main")).to_contain_text(PLATE)

    page.goto(f"/customers/{server['customer_id']}")
    expect(page.get_by_test_id("customer-source")).to_have_text("网上预约")
    expect(page.locator("main")).to_contain_text(VIN)
    expect(page.get_by_test_id("vin-pending")).to_have_count(0)
    advisor.close("booking-new-owner")

    with server["app"].app_context():
        booking = db.session.get(Booking, server["booking_id"])
        car = db.session.get(Vehicle, booking.vehicle_id)
        assert (booking.state, car.vin, car.owner_id) == ("checked_in", VIN, server["customer_id"])
        assert car.id == server["vehicle_id"] and car.source == "online_booking"  # the car filed at booking
        assert db.session.get(Customer, server["customer_id"]).source == "online_booking"
