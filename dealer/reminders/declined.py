"""Declined work comes back (增项未做): extra work the owner declined becomes a reminder for the vehicle.

`handlers` hears `repair.signals.extra_work_declined` (at the desk, on the phone, in the quick lane or on the
owner's progress page) and keeps the items as one reminder of kind `declined_work` per vehicle and due day,
due DECLINED_WORK_DAYS after the refusal, with the items in its note, for the customer's advisor: the call
list brings it back, sorted by its due date among the others. No SMS of its own (the advisor calls).
When the car is handed back with every declined item done since (on a later order: repair's
`declined_items_left`), its declined-work reminders end as done: nobody calls about work already done.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta

import sqlalchemy as sa

from dealer.customers.models import Customer
from dealer.extensions import db
from dealer.reminders.models import BOOKED, CALLED, DECLINED_WORK, DONE, OPEN, Reminder
from dealer.repair import queries as repair_queries
from dealer.stores.models import Store
from dealer.timezones import store_zone

DECLINED_WORK_DAYS = 30


def remember_declined_work(order, jobs: list, *, now: datetime) -> Reminder | None:
    """Keep the declined jobs of a locked order as the vehicle's declined-work reminder. Never commits."""
    if not jobs:
        return None
    today = db.session.get(Store, order.store_id).local_date(now)  # the order's store is in the session
    due = today + timedelta(days=DECLINED_WORK_DAYS)
    concerns = ", ".join(job.concern for job in jobs)
    reminder = db.session.scalar(sa.select(Reminder).where(
        Reminder.store_id == order.store_id, Reminder.vehicle_id == order.vehicle_id,
        Reminder.kind == DECLINED_WORK, Reminder.due_date == due, Reminder.lead_days == 0))
    if reminder is None:
        reminder = Reminder(store_id=order.store_id, vehicle_id=order.vehicle_id, customer_id=order.customer_id,
                            advisor_id=_advisor_of(order), kind=DECLINED_WORK,
                            due_date=due, lead_days=0, created_on=today, state=OPEN, note=concerns[:300])
        db.session.add(reminder)
    else:  # another item of the same car declined the same day: one call about both
        reminder.note, reminder.state = f"{reminder.note}, {concerns}"[:300], OPEN
    return reminder


def close_if_done(order) -> int:
    """End the car's standing declined-work reminders as done when every item declined since the oldest of them
    has been done on a later order (the car handed back on `order`). Never commits. Returns how many ended."""
    standing = list(db.session.scalars(sa.select(Reminder).where(
        Reminder.store_id == order.store_id, Reminder.vehicle_id == order.vehicle_id, Reminder.kind == DECLINED_WORK,
        Reminder.state.in_((OPEN, CALLED, BOOKED)))))
    if not standing:
        return 0
    zone = store_zone(db.session.get(Store, order.store_id))
    since = datetime.combine(min(reminder.created_on for reminder in standing), time(0), tzinfo=zone)
    if repair_queries.declined_items_left(order.store_id, order.vehicle_id, since):
        return 0
    for reminder in standing:
        reminder.state = DONE
    return len(standing)


def _advisor_of(order) -> int | None:
    """The customer's own advisor (一对一: the call list is theirs), else the order's."""
    own = db.session.scalar(sa.select(Customer.advisor_id).where(Customer.store_id == order.store_id,
                                                                 Customer.id == order.customer_id))
    return own or order.advisor_id
