"""The reminders module's read side: how many reminded vehicles came in (do the reminders pay off?)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from dealer.customers.models import OdometerReading
from dealer.dialect import is_postgresql
from dealer.extensions import db
from dealer.reminders.models import Reminder
from dealer.repair.models import CANCELLED, RepairOrder
from dealer.sms.models import SmsMessage


def reminder_visits(store_id: int, *, start: date, end: date, t0: datetime, t1: datetime) -> tuple[int, int]:
    """Return (reminded, came_in) for the store's month [start, end).

    A vehicle reminded by SMS in the month "came in" when, within 30 days after its first reminder of the
    month, it had a repair order opened (not cancelled) or an odometer reading taken at a visit.
    """
    reminded = (sa.select(Reminder.vehicle_id, sa.func.min(Reminder.created_on).label("first"),
                          sa.func.min(Reminder.created_at).label("first_at"))
                .where(Reminder.store_id == store_id, sa.exists().where(SmsMessage.store_id == store_id, SmsMessage.reminder_id == Reminder.id),
                       Reminder.created_on >= start, Reminder.created_on < end)
                .group_by(Reminder.vehicle_id).subquery())
    if is_postgresql():
        read_until = reminded.c.first + sa.literal(30, sa.Integer)
        opened_until = reminded.c.first_at + sa.literal(timedelta(days=30), sa.Interval)
    else:
        read_until = sa.func.date(reminded.c.first, "+30 days")
        opened_until = sa.func.datetime(reminded.c.first_at, "+30 days")
    read = sa.exists().where(OdometerReading.store_id == store_id,
                             OdometerReading.vehicle_id == reminded.c.vehicle_id,
                             OdometerReading.read_on > reminded.c.first, OdometerReading.read_on <= read_until)
    opened = sa.exists().where(RepairOrder.store_id == store_id, RepairOrder.vehicle_id == reminded.c.vehicle_id,
                               RepairOrder.state != CANCELLED, RepairOrder.opened_at > reminded.c.first_at,
                               RepairOrder.opened_at <= opened_until)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(reminded))
    came_in = db.session.scalar(sa.select(sa.func.count()).select_from(reminded).where(sa.or_(opened, read)))
    return total, came_in
