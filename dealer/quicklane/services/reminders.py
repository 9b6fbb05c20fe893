"""The reminder to close the lane's day (日结提醒): each store whose day is not closed by its close-by time (cars
left in the lane that nobody carried over today) gets one reminder that day: its managers see it on their home
page, and if the store wants it the manager on duty (值班经理) gets an SMS through the outbox.

Once per store and local day: a `quick_lane_day_reminders` row (unique per store and day) is written first, and
only the writer that inserted it queues the SMS, so two schedulers or a rerun never remind twice.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from dealer.auth.models import User
from dealer.dialect import upsert
from dealer.extensions import db
from dealer.quicklane.models import IN_LANE, DayReminder, LaneOrder, LaneSettings
from dealer.sms import outbox
from dealer.stores.models import Store
from dealer.timezones import zone_named

SMS_KIND = "quick_lane_close_day"


def remind_to_close_day(*, now: datetime) -> list[int]:
    """Remind the stores whose lane day is not closed by their close-by time; commit. Returns the stores
    reminded. Four queries whatever the stores, plus each reminder's row (and SMS)."""
    due = {}
    for settings, zone_name, store_name in db.session.execute(
            sa.select(LaneSettings, Store.timezone, Store.name).join(Store, Store.id == LaneSettings.store_id)
            .where(Store.active)):
        zone = zone_named(zone_name)
        local = now.astimezone(zone)
        if f"{local:%H:%M}" >= settings.close_by:
            due[settings.store_id] = (settings, local.date(), zone, store_name)
    if not due:
        db.session.commit()
        return []
    done = {(store_id, day) for store_id, day in db.session.execute(
        sa.select(DayReminder.store_id, DayReminder.day).where(
            DayReminder.store_id.in_(due), DayReminder.day.in_({day for _s, day, _z, _n in due.values()})))}
    left: dict[int, int] = {}
    for store_id, carried_over_at in db.session.execute(
            sa.select(LaneOrder.store_id, LaneOrder.carried_over_at)
            .where(LaneOrder.store_id.in_(due), LaneOrder.stage.in_(IN_LANE))):
        _settings, day, zone, _name = due[store_id]
        if carried_over_at is None or carried_over_at.astimezone(zone).date() < day:
            left[store_id] = left.get(store_id, 0) + 1
    to_remind = [store_id for store_id in sorted(left) if (store_id, due[store_id][1]) not in done]
    duty = {user.id: user for user in db.session.scalars(sa.select(User).where(User.id.in_(
        {due[store_id][0].duty_manager_id for store_id in to_remind} - {None}))) if user.active}
    reminded = []
    for store_id in to_remind:
        settings, day, _zone, store_name = due[store_id]
        inserted = db.session.execute(
            upsert(DayReminder.__table__).values(store_id=store_id, day=day, cars=min(left[store_id], 32_000),
                                                 reminded_at=now)
            .on_conflict_do_nothing(index_elements=["store_id", "day"])).rowcount
        if inserted != 1:
            continue  # another scheduler reminded this store today
        manager = duty.get(settings.duty_manager_id)
        if settings.close_reminder_sms and manager is not None and manager.mobile and manager.store_id == store_id:
            message = outbox.enqueue(SMS_KIND, store_id=store_id, phone=manager.mobile, now=now,
                                     params={"store": store_name, "cars": left[store_id], "time": settings.close_by},
                                     dedupe_key=f"{SMS_KIND}:{day.isoformat()}")
            if message is not None:
                db.session.execute(sa.update(DayReminder).where(DayReminder.store_id == store_id,
                                                                DayReminder.day == day)
                                   .values(sms_message_id=message.id))
        reminded.append(store_id)
    db.session.commit()
    return reminded


def reminder_of(store_id: int, day) -> DayReminder | None:
    """The store's reminder to close the day on its local `day`, if one was given (the managers' home panel)."""
    return db.session.scalars(sa.select(DayReminder).where(DayReminder.store_id == store_id,
                                                           DayReminder.day == day)).one_or_none()
