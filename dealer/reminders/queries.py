"""The reminders module's read side: how many reminded vehicles came in (do the reminders pay off?)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from dealer.customers.models import OdometerReading, Vehicle
from dealer.dialect import is_postgresql
from dealer.extensions import db
from dealer.reminders.models import CALLED, DECLINED_WORK, INSPECTION, INSURANCE, MAINTENANCE, OPEN, Reminder
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


DUE_AHEAD = timedelta(days=60)  # "due for": what falls due within two months, or is overdue


@dataclass(frozen=True)
class DueItem:
    kind: str  # maintenance, inspection, insurance, declined_work
    due_date: date
    note: str = ""  # declined work: the items


def due_for(store_ids: list[int], vehicle_ids: list[int], *, today: date) -> dict[int, list[DueItem]]:
    """What each car is due for (the advisor's bookings of the day): maintenance, the annual inspection and the
    insurance renewal falling due within DUE_AHEAD or overdue (the due dates this module keeps on the vehicles),
    and the open declined-work reminders. Two queries, whatever the cars."""
    if not store_ids or not vehicle_ids:
        return {}
    ahead, found = today + DUE_AHEAD, {}
    rows = db.session.execute(sa.select(Vehicle.id, Vehicle.next_maintenance_due, Vehicle.next_inspection_due,
                                        Vehicle.insurance_expiry)
                              .where(Vehicle.store_id.in_(store_ids), Vehicle.id.in_(set(vehicle_ids))))
    for vehicle_id, *dues in rows:
        found[vehicle_id] = [DueItem(kind, due) for kind, due in zip((MAINTENANCE, INSPECTION, INSURANCE), dues)
                             if due is not None and due <= ahead]
    declined = db.session.execute(sa.select(Reminder.vehicle_id, Reminder.due_date, Reminder.note).where(
        Reminder.store_id.in_(store_ids), Reminder.vehicle_id.in_(set(vehicle_ids)),
        Reminder.kind == DECLINED_WORK, Reminder.state.in_((OPEN, CALLED))).order_by(Reminder.due_date))
    for vehicle_id, due, note in declined:
        found.setdefault(vehicle_id, []).append(DueItem(DECLINED_WORK, due, note))
    return {vehicle_id: sorted(items, key=lambda item: item.due_date) for vehicle_id, items in found.items() if items}
