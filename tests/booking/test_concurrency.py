"""Twenty owners at once, on PostgreSQL: the database settles who gets the last place, each on its own connection."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from dealer.actors import SYSTEM
from dealer.booking import checkin, services
from dealer.booking.errors import SlotFull
from dealer.booking.models import Booking, Capacity, Hold
from dealer.booking.services import BOOKING
from dealer.customers.errors import VinTaken
from dealer.customers.models import Vehicle
from dealer.extensions import db
from dealer.repair.models import RepairOrder
from dealer.sms import verification
from dealer.sms.models import SmsMessage
from tests.concurrency import at_once
from tests.factories import StoreFactory, UserFactory
from tests.helpers import actor, count

pytestmark = pytest.mark.postgres_only

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)
TOMORROW_9 = datetime(2026, 11, 24, 9, 0, tzinfo=ZONE)
OWNERS = 20
VIN = "LFV3A23C9J3012345"


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


@pytest.fixture()
def two_cars_booked(shared_db):
    """Two committed bookings of two new owners tomorrow at 9, each car filed without its VIN; two advisors."""
    store = StoreFactory(code="SZ01")
    advisors = [UserFactory(username=f"advisor-{n}", roles=["service_advisor"], store=store) for n in (1, 2)]
    db.session.commit()
    services.set_up_store(store.id, actor=SYSTEM)
    booking_ids = []
    for number, plate in enumerate(("粤B11111", "粤B22222")):
        phone = f"1390000000{number}"
        verification.send_code(phone, store_id=store.id, purpose=BOOKING, now=NOW)
        code = db.session.scalar(sa.select(SmsMessage.params).where(SmsMessage.phone == phone))["code"]
        booking_ids.append(services.book(services.BookingInput(
            store_id=store.id, service_kind="maintenance", starts_at=TOMORROW_9, name="车主", phone=phone,
            plate=plate), check=verification.PhoneCheck(code=code), idempotency_key=f"key-vin-{number}", now=NOW).id)
    assert count(Vehicle, Vehicle.vin.is_(None)) == 2
    return booking_ids, [actor(user) for user in advisors]


def test_two_check_ins_filling_the_same_vin_at_once_one_opens_its_order(app, two_cars_booked):
    booking_ids, advisors = two_cars_booked

    def check_in(booking_id, who):
        return lambda: checkin.check_in(booking_id, actor=who, now=TOMORROW_9, vin=VIN).id

    results = at_once(app, *(check_in(booking_id, who) for booking_id, who in zip(booking_ids, advisors)))

    opened = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, VinTaken)]
    assert len(opened) == 1 and len(refused) == 1, results
    assert refused[0].field == "vin" and refused[0].code == "customers.vin_taken"
    assert count(RepairOrder) == 1 and count(Vehicle, Vehicle.vin == VIN) == 1
    assert count(Vehicle, Vehicle.vin.is_(None)) == 1  # the second car still waits, its booking still booked
    assert count(Booking, Booking.state == "booked") == 1
