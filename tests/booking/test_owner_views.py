"""The owner's booking link pages (view, move, cancel) and the store's side: no-show counts, overbooking."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from dealer.actors import SYSTEM
from dealer.booking import links, queries, services
from dealer.booking.models import BOOKED, CANCELLED, NO_SHOW, Booking, Capacity
from dealer.database import utcnow
from dealer.extensions import db, limiter
from tests.helpers import count, fresh, login, page_text


@pytest.fixture()
def shop(ctx, store):
    services.set_up_store(store.id, actor=SYSTEM)
    limiter.reset()
    return store


def _times(store, days=1, kind="maintenance"):
    rules = queries.store_rules(store.id)
    now = utcnow()
    free = queries.free_slots(rules, kind, first=now.astimezone(rules.zone).date() + timedelta(days=days), days=3,
                              now=now)
    return [moment for moment_list in free.values() for moment in moment_list]


def _booking(store, starts_at, phone="13812345678", state=BOOKED) -> Booking:
    """A booking row as a phone booking leaves it (its room is not at stake in these page tests)."""
    rules = queries.store_rules(store.id)
    placed = services.place(rules, "maintenance", starts_at, min(utcnow(), starts_at - timedelta(hours=1)))
    bucket, quarter_id = services.lock_rows(rules, "maintenance", starts_at, placed)
    booking = Booking(store_id=store.id, code=services.new_code(), name="王先生", phone=phone, plate="粤B12345",
                      service_kind="maintenance", bucket_id=bucket.id, quarter_id=quarter_id, starts_at=starts_at,
                      minutes=60, state=state, source="phone", idempotency_key=services.new_code() * 2)
    db.session.add(booking)
    db.session.commit()
    return booking


def test_the_owner_sees_moves_and_cancels_the_booking_from_the_link(client, shop):
    first, later = _times(shop)[0], _times(shop)[4]
    booking = _booking(shop, first)
    token = links.token(shop.id, booking.code)
    text = page_text(client.get(f"/booking/m/{token}"))
    assert booking.code in text and 'data-testid="move-times"' in text and "13812345678" not in text
    assert client.post(f"/booking/m/{token}/move", data={"starts_at": later.isoformat()}).status_code == 302
    assert fresh(Booking, booking.id).starts_at == later
    assert client.post(f"/booking/m/{token}/cancel").status_code == 302
    assert fresh(Booking, booking.id).state == CANCELLED
    assert 'data-testid="manage-cancel"' not in page_text(client.get(f"/booking/m/{token}"))


def test_a_forged_link_is_not_found_and_changes_nothing(client, shop):
    booking = _booking(shop, _times(shop)[0])
    for token in (f"{shop.id}.{booking.code}", f"{shop.id}.{booking.code}.{'a' * 24}"):
        assert client.get(f"/booking/m/{token}").status_code == 404
        assert client.post(f"/booking/m/{token}/cancel").status_code == 404
    assert fresh(Booking, booking.id).state == BOOKED


def test_too_late_to_change_online_says_to_call_the_store(client, shop):
    soon = utcnow() + timedelta(minutes=30)
    booking = _booking(shop, _times(shop)[0])
    db.session.execute(sa.update(Booking).where(Booking.id == booking.id).values(starts_at=soon))
    db.session.commit()
    token = links.token(shop.id, booking.code)
    text = page_text(client.get(f"/booking/m/{token}"))
    assert 'data-testid="manage-cancel"' not in text and "致电门店" in text
    client.post(f"/booking/m/{token}/cancel")
    assert fresh(Booking, booking.id).state == BOOKED


def test_the_day_list_counts_each_owners_no_shows(client, shop, staff):
    day = _times(shop)[0]
    _booking(shop, day - timedelta(days=7), state=NO_SHOW)
    _booking(shop, day - timedelta(days=14), state=NO_SHOW)
    _booking(shop, day)
    login(client, staff["service_advisor"])
    text = page_text(client.get(f"/booking/?day={day.date().isoformat()}"))
    assert 'data-testid="no-shows"' in text and "爽约2次" in text


def test_a_manager_books_a_full_time_with_a_reason_the_list_shows(client, shop, staff):
    db.session.execute(sa.update(Capacity).where(Capacity.store_id == shop.id).values(capacity_minutes=60, bays=1))
    db.session.commit()
    moment = _times(shop)[0]
    _booking(shop, moment)
    login(client, staff["manager"])
    form = {"service_kind": "maintenance", "starts_at": moment.strftime("%Y-%m-%dT%H:%M"), "name": "李女士",
            "phone": "13912345678", "plate": "粤B54321", "reason": ""}
    assert 'data-testid="error-reason"' in page_text(client.post("/booking/overbook", data=form))
    assert count(Booking) == 1
    response = client.post("/booking/overbook", data={**form, "reason": "老客户急需保养"})
    assert response.status_code == 302
    text = page_text(client.get(response.headers["Location"]))
    assert 'data-testid="overbooked"' in text and "老客户急需保养" in text and count(Booking) == 2


def test_an_advisor_cannot_overbook(client, shop, staff):
    login(client, staff["service_advisor"])
    assert client.get("/booking/overbook").status_code == 403
