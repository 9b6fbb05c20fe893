"""The owner's booking pages and the store's booking list: the wiring, the messages, the flows a person uses."""
from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa

from dealer.actors import SYSTEM
from dealer.booking import queries, services
from dealer.booking.models import Booking, Capacity, CheckInQuarter, ClosedDay, Hold, SlotBucket
from dealer.database import utcnow
from dealer.extensions import db, limiter
from dealer.sms.models import SmsMessage
from tests.factories import CustomerFactory, VehicleFactory
from tests.helpers import count, fresh, login, page_text
from tests.isolation import isolated_client

PHONE = "13812345678"


@pytest.fixture()
def shop(ctx, store):
    services.set_up_store(store.id, actor=SYSTEM)
    limiter.reset()  # the code counters of earlier tests (memory storage, one app per session)
    return store


def _later_time(store, kind="maintenance"):
    """The first free time from tomorrow on (in the store's zone)."""
    rules = queries.store_rules(store.id)
    now = utcnow()
    today = now.astimezone(rules.zone).date()
    free = queries.free_slots(rules, kind, first=today + timedelta(days=1), days=5, now=now)
    return next(moment for times in free.values() for moment in times)


def _code(phone=PHONE) -> str:
    return db.session.scalars(sa.select(SmsMessage.params).where(SmsMessage.phone == phone,
                                                                 SmsMessage.kind == "booking_verification")
                              .order_by(SmsMessage.id.desc())).first()["code"]


def _hold(client, store, moment, kind="maintenance"):
    return client.post(f"/booking/book/hold?store={store.id}&service={kind}", data={"starts_at": moment.isoformat()})


DETAILS = {"name": "王先生", "phone": PHONE, "plate": "粤B12345", "model": "速腾", "note": "",
           "key": "page-form-key-1"}


def test_the_booking_page_lists_the_free_times_of_the_day(client, shop):
    moment = _later_time(shop)
    response = client.get(f"/booking/book?store={shop.id}&service=maintenance&day={moment.date().isoformat()}")
    assert response.status_code == 200
    assert moment.strftime("%H:%M") in page_text(response)
    assert 'name="viewport"' in response.get_data(as_text=True)


def test_a_past_day_says_so_and_shows_today(client, shop):
    response = client.get(f"/booking/book?store={shop.id}&day=2020-01-01")
    assert "该日期已过，以下是今天的空闲时段。" in page_text(response)


def test_book_from_the_pages_with_the_sms_code(client, shop):
    moment = _later_time(shop)
    assert _hold(client, shop, moment).headers["Location"].endswith("/booking/book/details")
    assert count(Hold) == 1
    sent = client.post("/booking/book/details", data={**DETAILS, "send": "1"})
    assert sent.status_code == 200 and count(SmsMessage, SmsMessage.kind == "booking_verification") == 1
    done = client.post("/booking/book/details", data={**DETAILS, "code": _code(), "confirm": "1"})
    booking = db.session.scalar(sa.select(Booking))
    assert done.headers["Location"].endswith(f"/booking/done/{shop.id}/{booking.code}")
    assert booking.starts_at == moment and count(Hold) == 0
    page = client.get(f"/booking/done/{shop.id}/{booking.code}")
    assert booking.code in page_text(page) and PHONE not in page_text(page)
    assert client.get(f"/booking/done/{shop.id}/NOSUCH00").status_code == 404


def test_a_double_tap_on_confirm_books_once(client, shop):
    _hold(client, shop, _later_time(shop))
    client.post("/booking/book/details", data={**DETAILS, "send": "1"})
    code = _code()
    first = client.post("/booking/book/details", data={**DETAILS, "code": code, "confirm": "1"})
    _hold(client, shop, _later_time(shop))  # the page again (back button), the same form key
    again = client.post("/booking/book/details", data={**DETAILS, "code": code, "confirm": "1"})
    assert first.headers["Location"] == again.headers["Location"]
    assert count(Booking) == 1


def test_a_bad_plate_and_a_foreign_mobile_show_their_messages_and_book_nothing(client, shop):
    _hold(client, shop, _later_time(shop))
    response = client.post("/booking/book/details", data={**DETAILS, "phone": "+85291234567", "plate": "粤B1",
                                                          "code": "123456", "confirm": "1"})
    text = page_text(response)
    assert response.status_code == 200 and count(Booking) == 0
    assert "粤B1 不是有效的车牌号" in text
    assert "请输入11位中国大陆手机号" in text


def test_a_second_code_within_a_minute_is_refused(client, shop):
    _hold(client, shop, _later_time(shop))
    client.post("/booking/book/details", data={**DETAILS, "send": "1"})
    response = client.post("/booking/book/details", data={**DETAILS, "send": "1"})
    assert count(SmsMessage, SmsMessage.kind == "booking_verification") == 1
    assert response.status_code == 200


def test_a_slot_that_filled_while_typing_offers_the_nearest_times(client, shop):
    db.session.execute(sa.update(Capacity).where(Capacity.store_id == shop.id).values(capacity_minutes=60, bays=1))
    db.session.commit()
    moment = _later_time(shop)
    _hold(client, shop, moment)
    client.post("/booking/book/details", data={**DETAILS, "send": "1"})
    db.session.execute(sa.delete(Hold))  # the hold ran out, and someone else took the place
    db.session.commit()
    services.hold_time(shop.id, "maintenance", moment, holder="another-owner", now=utcnow())
    response = client.post("/booking/book/details", data={**DETAILS, "code": _code(), "confirm": "1"})
    assert "/booking/book?" in response.headers["Location"] and count(Booking) == 0
    follow = client.get(response.headers["Location"])
    assert "该时段刚刚被约满" in page_text(follow)


def test_the_advisor_sees_todays_bookings_at_home_and_checks_one_in(client, shop, staff):
    owner = CustomerFactory(store=shop, mobile=PHONE, mobile_last4=PHONE[-4:])
    VehicleFactory(owner=owner, plate="粤B12345", plate_reversed="54321B粤")
    db.session.commit()
    moment = _later_time(shop)
    _hold(client, shop, moment)
    client.post("/booking/book/details", data={**DETAILS, "send": "1"})
    client.post("/booking/book/details", data={**DETAILS, "code": _code(), "confirm": "1"})
    booking = db.session.scalar(sa.select(Booking))
    login(client, staff["service_advisor"])
    listed = client.get(f"/booking/?day={moment.date().isoformat()}")
    assert "粤B12345" in page_text(listed)
    checked = client.post(f"/booking/{booking.id}/check-in")
    assert "/repair/" in checked.headers["Location"]
    assert fresh(Booking, booking.id).state == "checked_in"


def test_the_home_page_shows_todays_bookings_the_advisors_own_first(app, client, shop, staff):
    rules = queries.store_rules(shop.id)
    today = utcnow().astimezone(rules.zone).date()
    bucket = SlotBucket(store_id=shop.id, day=today, day_part="morning", service_kind="maintenance",
                        capacity_minutes=600, bays=10)
    noon = datetime.combine(today, time(12, 0), tzinfo=rules.zone)
    quarter = CheckInQuarter(store_id=shop.id, starts_at=noon, cap=10)
    db.session.add_all([bucket, quarter])
    db.session.flush()
    for number, (plate, advisor, minutes) in enumerate((("粤B11111", None, 0), ("粤B22222", staff["service_advisor"], 60))):
        db.session.add(Booking(store_id=shop.id, code=f"HOME{number:04d}", name="车主", phone=PHONE, plate=plate,
                               service_kind="maintenance", bucket_id=bucket.id, quarter_id=quarter.id,
                               starts_at=noon + timedelta(minutes=minutes), minutes=60,
                               advisor_id=advisor.id if advisor else None, idempotency_key=f"home-key-{number}"))
    db.session.commit()
    login(client, staff["service_advisor"])
    html = client.get("/").get_data(as_text=True)
    panel = html[html.index('data-testid="home-bookings"'):]
    assert panel.index("粤B22222") < panel.index("粤B11111")  # hers first, although later in the day
    technician = isolated_client(app)
    login(technician, staff["technician"])
    assert 'data-testid="home-bookings"' not in technician.get("/").get_data(as_text=True)


def test_a_holiday_says_the_store_is_closed_and_offers_the_next_free_times(client, shop):
    moment = _later_time(shop)
    db.session.add(ClosedDay(store_id=shop.id, day=moment.date(), reason="店休"))
    db.session.commit()
    response = client.get(f"/booking/book?store={shop.id}&service=maintenance&day={moment.date().isoformat()}")
    assert "本店当天休息，以下是最近的空闲时段。" in page_text(response)
    assert 'data-testid="later"' in response.get_data(as_text=True)


def test_a_time_outside_the_opening_hours_is_refused_in_chinese(client, shop):
    moment = _later_time(shop).replace(hour=12, minute=30)
    response = _hold(client, shop, moment)
    assert "/booking/book?" in response.headers["Location"] and count(Hold) == 0
    assert "该时间不在门店营业时间内" in page_text(client.get(response.headers["Location"]))


def test_the_store_list_reads_a_day_no_booking_can_have_as_today(client, shop, staff):
    login(client, staff["service_advisor"])
    assert client.get("/booking/?day=9999-12-31").status_code == 200


def test_the_owner_may_choose_their_advisor_and_only_one_of_the_store(client, shop, staff):
    _hold(client, shop, _later_time(shop))
    page = client.get("/booking/book/details")
    assert staff["service_advisor"].display_name in page_text(page)
    client.post("/booking/book/details", data={**DETAILS, "send": "1"})
    refused = client.post("/booking/book/details", data={**DETAILS, "code": _code(), "confirm": "1",
                                                         "advisor_id": str(staff["technician"].id)})
    assert refused.status_code == 200 and count(Booking) == 0
    client.post("/booking/book/details", data={**DETAILS, "code": _code(), "confirm": "1",
                                               "advisor_id": str(staff["service_advisor"].id)})
    assert db.session.scalar(sa.select(Booking.advisor_id)) == staff["service_advisor"].id
