"""Twenty owners at once, on PostgreSQL: the database settles who gets the last place, each on its own connection."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from dealer.actors import SYSTEM
from dealer.booking import services
from dealer.booking.errors import SlotFull
from dealer.booking.models import Booking, Capacity, Hold
from dealer.booking.services import BOOKING
from dealer.extensions import db
from dealer.sms import verification
from dealer.sms.models import SmsMessage
from tests.concurrency import at_once
from tests.factories import StoreFactory
from tests.helpers import count

pytestmark = pytest.mark.postgres_only

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)
TOMORROW_9 = datetime(2026, 11, 24, 9, 0, tzinfo=ZONE)
OWNERS = 20


@pytest.fixture()
def last_place(shared_db):
    """A committed store whose maintenance has room for one more car tomorrow morning; 20 verified owners."""
    store = StoreFactory(code="SZ01")
    db.session.commit()
    services.set_up_store(store.id, actor=SYSTEM)
    db.session.execute(sa.update(Capacity).where(Capacity.store_id == store.id).values(capacity_minutes=60, bays=1))
    db.session.commit()
    # The rows the owners lock exist already (an expired hold made them), as on any busy day: the race is
    # about the room, not about who inserts the bucket first.
    for minutes in (0, 15, 30, 45):
        services.hold_time(store.id, "maintenance", TOMORROW_9 + timedelta(minutes=minutes), holder="earlier",
                           now=NOW - timedelta(minutes=10))
    proofs = []
    for number in range(OWNERS):
        phone = f"139{number:08d}"
        verification.send_code(phone, store_id=store.id, purpose=BOOKING, now=NOW)
        code = db.session.scalar(sa.select(SmsMessage.params).where(SmsMessage.phone == phone))["code"]
        proofs.append((phone, verification.check_code(phone, code, purpose=BOOKING, now=NOW)))
    return store.id, proofs


def _booking(store_id, phone, proof, key, minutes=0):
    data = services.BookingInput(store_id=store_id, service_kind="maintenance",
                                 starts_at=TOMORROW_9 + timedelta(minutes=minutes), name="车主", phone=phone,
                                 plate="粤B12345")
    return lambda: services.book(data, check=verification.PhoneCheck(proof=proof), idempotency_key=key,
                                 now=NOW, source="api").id


def test_twenty_owners_take_the_last_place_at_once_exactly_one_books_it(app, last_place):
    store_id, proofs = last_place
    results = at_once(app, *(_booking(store_id, phone, proof, f"key-{number:08d}", minutes=15 * (number % 4))
                             for number, (phone, proof) in enumerate(proofs)))
    booked = [r for r in results if isinstance(r, int)]
    full = [r for r in results if isinstance(r, SlotFull)]
    assert len(booked) == 1 and len(full) == OWNERS - 1, results
    assert count(Booking) == 1


def test_twenty_holds_at_once_hold_the_last_place_once(app, last_place):
    store_id, _ = last_place

    def hold(number):
        return lambda: services.hold_time(store_id, "maintenance", TOMORROW_9, holder=f"owner-{number}", now=NOW).id

    results = at_once(app, *(hold(number) for number in range(OWNERS)))
    assert len([r for r in results if isinstance(r, int)]) == 1, results
    assert count(Hold, Hold.expires_at > NOW) == 1


def test_the_same_form_submitted_twice_at_once_makes_one_booking(app, last_place):
    store_id, proofs = last_place
    phone, proof = proofs[0]
    results = at_once(app, _booking(store_id, phone, proof, "same-key-1"), _booking(store_id, phone, proof,
                                                                                   "same-key-1"))
    assert len(set(results)) == 1 and isinstance(results[0], int), results
    assert count(Booking) == 1
