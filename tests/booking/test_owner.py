"""The owner's booking link (move, cancel), the reminder the day before, no-shows, a manager's overbooking."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from dealer.actors import SYSTEM
from dealer.audit.models import AuditEntry
from dealer.booking import links, owner, queries, services
from dealer.booking.errors import BookingError, BookingStateError, SlotFull
from dealer.booking.models import BOOKED, CANCELLED, Booking, Capacity
from dealer.errors import NotFound
from dealer.extensions import db
from dealer.sms import verification
from dealer.sms.models import SmsMessage
from tests.helpers import count, fresh

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)  # Monday 10:00 in Shenzhen
TOMORROW_9 = datetime(2026, 11, 24, 9, 0, tzinfo=ZONE)
PHONE = "13812345678"


@pytest.fixture()
def shop(ctx, store):
    services.set_up_store(store.id, actor=SYSTEM)
    return store


def _book(store, *, key="form-key-0001", phone=PHONE, starts_at=TOMORROW_9, now=NOW, **overrides) -> Booking:
    verification.send_code(phone, store_id=store.id, purpose=services.BOOKING, now=now - timedelta(minutes=1, seconds=5))
    code = db.session.scalars(sa.select(SmsMessage.params).where(SmsMessage.phone == phone,
                                                                 SmsMessage.kind == "booking_verification")
                              .order_by(SmsMessage.id.desc())).first()["code"]
    data = services.BookingInput(store_id=store.id, service_kind="maintenance", starts_at=starts_at, name="王先生",
                                 phone=phone, plate="粤B12345", **overrides)
    return services.book(data, now=now, idempotency_key=key, check=verification.PhoneCheck(code=code))


def _token(booking) -> str:
    link = db.session.scalar(sa.select(SmsMessage.params).where(SmsMessage.kind == "booking_code",
                                                                SmsMessage.params["code"].as_string() == booking.code))
    return link["link"].rsplit("/", 1)[1]


def test_the_booking_sms_carries_a_signed_link_the_code_alone_cannot_forge(shop):
    booking = _book(shop)
    token = _token(booking)
    assert owner.by_token(token).id == booking.id
    for forged in (f"{shop.id}.{booking.code}", f"{shop.id}.{booking.code}.{'0' * 24}", token[:-1] + "x",
                   f"{shop.id + 1}.{booking.code}.{token.rsplit('.', 1)[1]}", "", "1..x"):
        with pytest.raises(NotFound):
            owner.by_token(forged)


def test_the_owner_cancels_from_the_link_until_the_stores_deadline(shop):
    early, late = _book(shop), _book(shop, key="form-key-0002", phone="13912345678",
                                     starts_at=datetime(2026, 11, 23, 11, 30, tzinfo=ZONE))
    assert owner.cancel_by_owner(_token(early), now=NOW).state == CANCELLED
    with pytest.raises(BookingStateError):  # 11:30 today, 2 hours before is 09:30: too late at 10:00
        owner.cancel_by_owner(_token(late), now=NOW)
    with pytest.raises(BookingStateError):  # already cancelled
        owner.cancel_by_owner(_token(early), now=NOW)
    assert fresh(Booking, late.id).state == BOOKED


def test_the_owner_moves_to_a_free_time_and_never_into_a_full_one(shop, manager):
    booking = _book(shop)
    moved = owner.move_by_owner(_token(booking), TOMORROW_9 + timedelta(hours=2), now=NOW)
    assert moved.starts_at == TOMORROW_9 + timedelta(hours=2) and moved.state == BOOKED
    db.session.execute(sa.update(Capacity).where(Capacity.store_id == shop.id).values(capacity_minutes=60, bays=1))
    db.session.commit()
    _book(shop, key="form-key-0002", phone="13912345678", starts_at=TOMORROW_9 + timedelta(days=1))
    with pytest.raises(SlotFull):
        owner.move_by_owner(_token(booking), TOMORROW_9 + timedelta(days=1, minutes=30), now=NOW)
    assert fresh(Booking, booking.id).starts_at == TOMORROW_9 + timedelta(hours=2)


def test_the_reminder_of_tomorrows_bookings_is_queued_once(shop):
    tomorrow, later = _book(shop), _book(shop, key="form-key-0002", phone="13912345678",
                                         starts_at=TOMORROW_9 + timedelta(days=1))
    today = NOW.astimezone(ZONE).date()
    assert owner.remind_tomorrow(now=NOW, day=today, store_ids=[shop.id]) == 1
    assert owner.remind_tomorrow(now=NOW + timedelta(hours=1), day=today, store_ids=[shop.id]) == 0
    sent = db.session.scalars(sa.select(SmsMessage).where(SmsMessage.kind == "booking_reminder")).all()
    assert [message.phone for message in sent] == [PHONE]
    assert "09:00" in sent[0].body and "保养" in sent[0].body and links.token(shop.id, tomorrow.code) in sent[0].body
    assert fresh(Booking, tomorrow.id).reminded_at == NOW and fresh(Booking, later.id).reminded_at is None


def test_a_cancelled_booking_loses_its_queued_reminder_and_a_moved_one_is_reminded_anew(shop):
    booking = _book(shop)
    today = NOW.astimezone(ZONE).date()
    owner.remind_tomorrow(now=NOW, day=today, store_ids=[shop.id])
    owner.move_by_owner(_token(booking), TOMORROW_9 + timedelta(hours=2), now=NOW)
    assert owner.remind_tomorrow(now=NOW, day=today, store_ids=[shop.id]) == 1
    states = db.session.scalars(sa.select(SmsMessage.state).where(SmsMessage.kind == "booking_reminder")
                                .order_by(SmsMessage.id)).all()
    assert states == ["cancelled", "queued"]
    owner.cancel_by_owner(_token(booking), now=NOW)
    assert db.session.scalars(sa.select(SmsMessage.state).where(SmsMessage.kind == "booking_reminder")).all() == [
        "cancelled", "cancelled"]


def test_no_shows_are_counted_per_owner(shop, manager):
    for number in range(3):
        booking = _book(shop, key=f"form-key-000{number}", starts_at=TOMORROW_9 + timedelta(days=number),
                        now=NOW + timedelta(minutes=2 * number))  # one code a minute per phone
        if number < 2:
            services.mark_no_show(booking.id, actor=manager, now=TOMORROW_9 + timedelta(days=number, hours=1))
    assert queries.no_show_counts([shop.id], [PHONE, "13912345678"]) == {(shop.id, PHONE): 2}


def test_only_a_manager_overbooks_a_full_time_and_only_with_a_reason(shop, manager, advisor):
    db.session.execute(sa.update(Capacity).where(Capacity.store_id == shop.id).values(capacity_minutes=60, bays=1))
    db.session.commit()
    _book(shop)
    data = services.BookingInput(store_id=shop.id, service_kind="maintenance", starts_at=TOMORROW_9, name="李女士",
                                 phone="13912345678", plate="粤B54321")
    with pytest.raises(BookingError):
        owner.overbook(data, reason="老客户急需保养", actor=advisor, now=NOW)
    with pytest.raises(BookingError):
        owner.overbook(data, reason=" ", actor=manager, now=NOW)
    assert count(Booking) == 1
    booked = owner.overbook(data, reason="老客户急需保养", actor=manager, now=NOW)
    assert (booked.state, booked.source, booked.overbook_reason) == (BOOKED, "phone", "老客户急需保养")
    assert count(Booking, Booking.bucket_id == booked.bucket_id) == 2
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "booking_overbooked"))
    assert entry.changes["reason"] == "老客户急需保养"
