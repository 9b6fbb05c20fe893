"""The reminder to close the lane's day (日结提醒): at the store's close-by time, a store with cars left in the
lane (not carried over today) is reminded once that day: its managers see it on their home page, and the manager
on duty gets an SMS through the outbox when the store wants it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from dealer.extensions import db
from dealer.quicklane import services
from dealer.quicklane.errors import LaneError
from dealer.quicklane.models import DayReminder
from dealer.sms.models import SmsMessage
from dealer.timezones import local_date
from tests.helpers import count, login, persist
from tests.isolation import isolated_client
from tests.quicklane.builders import take_key

# 2026-11-23 in Shenzhen (UTC+8): 18:55 and 19:05 local, and the next day at 19:05.
BEFORE = datetime(2026, 11, 23, 10, 55, tzinfo=timezone.utc)
AFTER = datetime(2026, 11, 23, 11, 5, tzinfo=timezone.utc)
NEXT_DAY = AFTER + timedelta(days=1)


@pytest.fixture()
def reminding(shop, package, staff):
    """SZ01 closes its lane's day by 19:00 and texts its manager on duty."""
    staff["manager"].mobile = "13900139000"
    services.save_settings(shop.store.id, bays=2, cap_per_quarter=4, actor=shop.manager, now=BEFORE,
                           reminder=services.CloseReminder(close_by="19:00", sms=True,
                                                           duty_manager_id=staff["manager"].id))
    return staff["manager"]


def _messages():
    return list(db.session.scalars(sa.select(SmsMessage).where(SmsMessage.kind == "quick_lane_close_day")))


def test_a_store_with_cars_left_is_reminded_once_after_its_close_by_time(shop, package, reminding):
    take_key(shop, package, key_tag="A")
    take_key(shop, package, key_tag="B")
    assert services.remind_to_close_day(now=BEFORE) == []  # 18:55 at the store: not yet
    assert services.remind_to_close_day(now=AFTER) == [shop.store.id]
    assert services.remind_to_close_day(now=AFTER + timedelta(minutes=5)) == []  # once a day
    reminder = db.session.scalars(sa.select(DayReminder)).one()
    assert (reminder.day.isoformat(), reminder.cars, reminder.reminded_at) == ("2026-11-23", 2, AFTER)
    [message] = _messages()
    assert (message.phone, message.customer_id, reminder.sms_message_id) == ("13900139000", None, message.id)
    assert "19:00" in message.body and "2辆车" in message.body and shop.store.name in message.body


def test_a_closed_day_is_not_reminded_and_a_carried_over_car_counts_again_the_next_day(shop, package, reminding):
    lane = take_key(shop, package)
    services.carry_over(lane.id, version=1, reason="等配件", actor=shop.manager, now=BEFORE)
    assert services.remind_to_close_day(now=AFTER) == []  # every car carried over today: the day is closed
    assert services.remind_to_close_day(now=NEXT_DAY) == [shop.store.id]  # still there the next evening
    assert count(DayReminder) == 1


def test_an_empty_lane_or_a_store_that_wants_no_sms(shop, package, reminding):
    assert services.remind_to_close_day(now=AFTER) == []  # nothing left in the lane
    services.save_settings(shop.store.id, bays=2, cap_per_quarter=4, actor=shop.manager, now=AFTER,
                           reminder=services.CloseReminder(close_by="19:00", sms=False, duty_manager_id=None))
    take_key(shop, package)
    assert services.remind_to_close_day(now=AFTER) == [shop.store.id]  # in the app only
    assert _messages() == []


@pytest.mark.parametrize(("close_by", "sms", "duty", "field"), [
    ("7pm", False, None, "close_by"), ("24:00", False, None, "close_by"),
    ("19:00", True, None, "duty_manager_id"), ("19:00", False, "technician", "duty_manager_id")])
def test_the_reminders_settings_are_checked(shop, staff, close_by, sms, duty, field):
    with pytest.raises(LaneError) as error:
        services.save_settings(shop.store.id, bays=2, cap_per_quarter=4, actor=shop.manager, now=AFTER,
                               reminder=services.CloseReminder(close_by=close_by, sms=sms,
                                                               duty_manager_id=staff[duty].id if duty else None))
    assert error.value.field == field
    assert count(DayReminder) == 0


def test_the_managers_home_page_shows_the_reminder_until_the_day_is_closed(app, shop, package, reminding):
    lane = take_key(shop, package)
    now = datetime.now(timezone.utc)
    db.session.add(DayReminder(store_id=shop.store.id, day=local_date(now, shop.store), cars=1, reminded_at=now))
    persist()
    client = isolated_client(app)
    login(client, reminding)
    assert 'data-testid="home-lane-close-day"' in client.get("/").get_data(as_text=True)
    services.carry_over(lane.id, version=1, actor=shop.manager, now=now)
    persist()
    assert 'data-testid="home-lane-close-day"' not in client.get("/").get_data(as_text=True)


def test_the_manager_sets_the_reminder_on_the_settings_page(app, shop, staff):
    persist()
    client = isolated_client(app)
    login(client, staff["manager"])
    assert 'name="close_by"' in client.get("/quick-lane/settings").get_data(as_text=True)
    response = client.post("/quick-lane/settings", data={
        "bays": "3", "cap_per_quarter": "4", "close_by": "20:30", "close_reminder_sms": "y",
        "duty_manager_id": str(staff["manager"].id)})
    assert response.status_code == 302
    settings = services.lane_settings(shop.store.id)
    db.session.refresh(settings)
    assert (settings.bays, settings.close_by, settings.close_reminder_sms, settings.duty_manager_id) == (
        3, "20:30", True, staff["manager"].id)
