"""The manager's booking rules: hours (evening service), closed days, capacity, settings; their messages."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from dealer.actors import SYSTEM
from dealer.booking import queries, rules, services
from dealer.booking.errors import BookingError
from dealer.booking.models import Capacity, ClosedDay, OpeningHours, SlotBucket
from dealer.errors import NotFound
from dealer.extensions import db
from tests.helpers import count, login, page_text

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)  # Monday 10:00 in Shenzhen
TODAY = date(2026, 11, 23)


@pytest.fixture()
def shop(ctx, store):
    services.set_up_store(store.id, actor=SYSTEM)
    return store


def _hours(store, weekday, part):
    return db.session.scalar(sa.select(OpeningHours).where(OpeningHours.store_id == store.id,
                                                           OpeningHours.weekday == weekday,
                                                           OpeningHours.day_part == part))


def test_the_manager_opens_evening_service_on_saturday_and_closes_sunday_morning(shop, manager):
    rules.set_hours(shop.id, 5, "evening", opens="18:00", closes="21:30", open_=True, actor=manager, now=NOW)
    rules.set_hours(shop.id, 6, "morning", opens="", closes="", open_=False, actor=manager, now=NOW)
    assert (_hours(shop, 5, "evening").opens_minute, _hours(shop, 5, "evening").closes_minute) == (1080, 1290)
    assert _hours(shop, 6, "morning") is None
    free = queries.free_slots(queries.store_rules(shop.id), "maintenance", first=TODAY, days=7, now=NOW)
    assert free[date(2026, 11, 28)][-1].strftime("%H:%M") == "21:15"
    assert all(moment.hour >= 12 for moment in free[date(2026, 11, 29)])


@pytest.mark.parametrize(("part", "opens", "closes", "field"), [
    ("morning", "8:30", "", "closes"), ("morning", "08:20", "12:00", "opens"), ("morning", "12:00", "08:00", "closes"),
    ("morning", "08:00", "14:00", "opens"), ("evening", "16:00", "20:00", "opens"),
    ("afternoon", "11:00", "17:00", "opens")])
def test_hours_that_make_no_sense_are_refused_with_a_message(shop, manager, part, opens, closes, field):
    before = (_hours(shop, 0, part).opens_minute, _hours(shop, 0, part).closes_minute)
    with pytest.raises(BookingError) as refused:
        rules.set_hours(shop.id, 0, part, opens=opens, closes=closes, open_=True, actor=manager, now=NOW)
    assert refused.value.field == field
    assert (_hours(shop, 0, part).opens_minute, _hours(shop, 0, part).closes_minute) == before


def test_a_closed_day_takes_no_bookings_and_can_be_opened_again(shop, manager):
    closed = rules.add_closed_day(shop.id, TODAY + timedelta(days=3), reason="店庆", actor=manager, now=NOW)
    free = queries.free_slots(queries.store_rules(shop.id), "maintenance", first=TODAY, days=7, now=NOW)
    assert free[TODAY + timedelta(days=3)] == [] and free[TODAY + timedelta(days=2)]
    with pytest.raises(BookingError):
        rules.add_closed_day(shop.id, TODAY + timedelta(days=3), reason="", actor=manager, now=NOW)
    with pytest.raises(BookingError):
        rules.add_closed_day(shop.id, TODAY - timedelta(days=1), reason="", actor=manager, now=NOW)
    rules.remove_closed_day(closed.id, actor=manager, now=NOW)
    assert count(ClosedDay) == 0


def test_capacity_reaches_the_days_already_booked(shop, manager):
    db.session.add(SlotBucket(store_id=shop.id, day=TODAY + timedelta(days=1), day_part="morning",
                              service_kind="maintenance", capacity_minutes=720, bays=6))
    db.session.commit()
    rules.set_capacity(shop.id, rules.CapacityInput("morning", "maintenance", 120, 2, 45), actor=manager, now=NOW)
    bucket = db.session.scalar(sa.select(SlotBucket))
    assert (bucket.capacity_minutes, bucket.bays) == (120, 2)
    capacity = db.session.scalar(sa.select(Capacity).where(Capacity.store_id == shop.id,
                                                           Capacity.day_part == "morning",
                                                           Capacity.service_kind == "maintenance"))
    assert (capacity.capacity_minutes, capacity.bays) == (120, 2)
    assert queries.store_rules(shop.id).minutes["maintenance"] == 45
    with pytest.raises(BookingError):
        rules.set_capacity(shop.id, rules.CapacityInput("morning", "maintenance", 120, 2, 2), actor=manager, now=NOW)


def test_settings_are_checked_and_only_a_manager_changes_rules(shop, manager, advisor):
    rules.update_settings(shop.id, checkins_per_quarter=2, hold_minutes=10, change_hours_before=24,
                          daily_code_ceiling=100, actor=manager, now=NOW)
    assert queries.settings_of(shop.id).change_hours_before == 24
    with pytest.raises(BookingError):
        rules.update_settings(shop.id, checkins_per_quarter=0, hold_minutes=10, change_hours_before=24,
                              daily_code_ceiling=100, actor=manager, now=NOW)
    with pytest.raises(NotFound):
        rules.set_hours(shop.id, 0, "morning", opens="", closes="", open_=False, actor=advisor, now=NOW)


def test_the_rules_page_saves_and_shows_messages(client, shop, staff):
    login(client, staff["manager"])
    text = page_text(client.get("/booking/rules"))
    assert 'data-testid="rules-hours"' in text and 'data-testid="capacity-form"' in text
    refused = client.post("/booking/rules/hours", data={"hours-weekday": "0", "hours-day_part": "morning",
                                                        "hours-opens": "9", "hours-closes": "12:00"})
    assert refused.status_code == 422 and 'data-testid="error-hours-opens"' in refused.get_data(as_text=True)
    saved = client.post("/booking/rules/hours", data={"hours-weekday": "0", "hours-day_part": "morning",
                                                      "hours-opens": "09:00", "hours-closes": "12:00"})
    assert saved.status_code == 302 and _hours(shop, 0, "morning").opens_minute == 540
    client.post("/booking/rules/capacity", data={"capacity-day_part": "evening", "capacity-service_kind": "repair",
                                                 "capacity-capacity_minutes": "240", "capacity-bays": "1",
                                                 "capacity-labor_minutes": "90", "capacity-active": "y"})
    assert db.session.scalar(sa.select(Capacity.capacity_minutes).where(
        Capacity.store_id == shop.id, Capacity.day_part == "evening", Capacity.service_kind == "repair")) == 240


def test_an_advisor_cannot_open_the_rules(client, shop, staff):
    login(client, staff["service_advisor"])
    assert client.get("/booking/rules").status_code == 403
