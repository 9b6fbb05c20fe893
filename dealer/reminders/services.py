"""Reminders: keep each vehicle's due dates current, scan for what is due, and let advisors act on it.

Due dates are derived per vehicle when their inputs change (registration, use, inspection, odometer,
maintenance, insurance) and stored on the vehicle; the nightly scan (dealer.reminders.scan) is then a
few INSERT ... SELECT statements over index ranges, one transaction per batch, never a loop over rows.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from dealer import audit, formats
from dealer.actors import Actor
from dealer.customers.models import Customer, OdometerReading, Vehicle
from dealer.customers.services import get_customer, get_vehicle
from dealer.database import paginate_capped
from dealer.errors import NotFound
from dealer.extensions import db
from dealer.reminders import rules
from dealer.reminders.errors import InvalidReminder
from dealer.reminders.models import (
    BOOKED,
    CALLED,
    CANCELLED,
    DONE,
    INSPECTION,
    INSURANCE,
    KINDS,
    MAINTENANCE,
    NOT_INTERESTED,
    OPEN,
    InsuranceRenewal,
    MaintenanceInterval,
    Reminder,
    ReminderOptOut,
)
from dealer.reminders.scan import ScanReport, lead_days, scan  # noqa: F401  (the module's public services)
from dealer.sms.models import CANCELLED as SMS_CANCELLED
from dealer.sms.models import QUEUED, SmsMessage
from dealer.sms.outbox import cancel_queued
from dealer.stores.families import families_of
from dealer.stores.models import Store
from dealer.stores.services import narrowed_store_ids, visible_store_ids
from dealer.timezones import local_date

DEFAULT_INTERVAL = (6, 5000)  # months, km: the store's default until a manager sets one


# -- due dates per vehicle -----------------------------------------------------------------------

def interval_for(store_id: int, model_family: str) -> tuple[int, int]:
    """Return (months, km) for the family, the store's default row (''), or the built-in default."""
    rows = {row.model_family: row for row in db.session.scalars(sa.select(MaintenanceInterval).where(
        MaintenanceInterval.store_id == store_id, MaintenanceInterval.model_family.in_([model_family, ""])))}
    row = rows.get(model_family) or rows.get("")
    return (row.months, row.km) if row else DEFAULT_INTERVAL


READINGS_WINDOW = timedelta(days=400)


def refresh_due_dates(vehicle: Vehicle, *, today: date, readings: list[tuple[date, int]] | None = None,
                      interval: tuple[int, int] | None = None) -> None:
    """Recompute the vehicle's next inspection and maintenance due dates (in the session; no commit).

    `readings` (trusted (date, km) pairs of the last 400 days) and `interval` may be passed by a
    caller that loaded them for many vehicles at once; otherwise they are queried.
    """
    due = None
    if vehicle.registration_date:
        due = rules.next_inspection_due(registration_date=vehicle.registration_date,
                                        vehicle_class=vehicle.vehicle_class or rules.SMALL_PASSENGER,
                                        use=vehicle.use, seats=vehicle.seats,
                                        last_inspection_date=vehicle.last_inspection_date, today=today)
    vehicle.next_inspection_due = due.due_date if due else None
    vehicle.next_inspection_on_site = due.on_site if due else True

    base_date = vehicle.last_maintenance_date or vehicle.purchase_date or vehicle.registration_date
    if base_date is None:
        vehicle.next_maintenance_due = None
        return
    base_km = vehicle.last_maintenance_km if vehicle.last_maintenance_date else 0
    if readings is None:
        readings = [] if vehicle.id is None else _readings_by_vehicle(vehicle.store_id, [vehicle.id], today).get(
            vehicle.id, [])
    months, km = interval or interval_for(vehicle.store_id, vehicle.model_family or "")
    vehicle.next_maintenance_due = rules.next_maintenance_due(
        last_service_date=base_date, last_service_km=base_km, readings=readings, interval_months=months,
        interval_km=km, today=today).due_date


def _readings_by_vehicle(store_id: int, vehicle_ids: list[int], today: date) -> dict[int, list[tuple[date, int]]]:
    """Load the recent trusted odometer readings of many vehicles in one query."""
    found: dict[int, list[tuple[date, int]]] = {}
    for vehicle_id, read_on, km in db.session.execute(sa.select(
            OdometerReading.vehicle_id, OdometerReading.read_on, OdometerReading.km).where(
            OdometerReading.store_id == store_id, OdometerReading.vehicle_id.in_(vehicle_ids),
            OdometerReading.is_correction.is_(False), OdometerReading.read_on >= today - READINGS_WINDOW)):
        found.setdefault(vehicle_id, []).append((read_on, km))
    return found


def refresh_all_due_dates(*, now: datetime, store_code: str | None = None, batch_size: int = 2000) -> int:
    """Recompute due dates for every vehicle (of one store), committing batch by batch. Returns the count."""
    stores = sa.select(Store)
    if store_code:
        stores = stores.where(Store.code == store_code)
    count = 0
    for store_id, today in [(store.id, store.local_date(now)) for store in db.session.scalars(stores)]:
        intervals = {row.model_family: (row.months, row.km) for row in db.session.scalars(
            sa.select(MaintenanceInterval).where(MaintenanceInterval.store_id == store_id))}
        last_id = 0
        while True:
            vehicles = list(db.session.scalars(sa.select(Vehicle).where(
                Vehicle.store_id == store_id, Vehicle.id > last_id).order_by(Vehicle.id).limit(batch_size)))
            if not vehicles:
                break
            readings = _readings_by_vehicle(store_id, [v.id for v in vehicles], today)
            for vehicle in vehicles:
                interval = intervals.get(vehicle.model_family or "") or intervals.get("") or DEFAULT_INTERVAL
                refresh_due_dates(vehicle, today=today, readings=readings.get(vehicle.id, []), interval=interval)
            last_id = vehicles[-1].id
            count += len(vehicles)
            db.session.commit()
            db.session.expunge_all()
    return count


def _close_open(vehicle: Vehicle, kind: str, now: datetime, state: str = DONE) -> None:
    """End the vehicle's open reminders of a kind: the event happened; cancel their unsent SMS."""
    open_reminders = list(db.session.scalars(sa.select(Reminder).where(
        Reminder.store_id == vehicle.store_id, Reminder.vehicle_id == vehicle.id, Reminder.kind == kind,
        Reminder.state.in_((OPEN, CALLED, BOOKED)))))
    for reminder in open_reminders:
        reminder.state = state
    cancel_queued(store_id=vehicle.store_id, now=now, reminder_ids=[r.id for r in open_reminders])


def hand_to_advisor(customer: Customer) -> None:
    """Give the customer's standing reminders (any that may be called about again) to their advisor now; never
    commits."""
    db.session.execute(sa.update(Reminder).where(
        Reminder.store_id == customer.store_id, Reminder.customer_id == customer.id,
        Reminder.state.in_((OPEN, CALLED, BOOKED, NOT_INTERESTED))).values(advisor_id=customer.advisor_id))


def hand_over_reminders(vehicle: Vehicle, *, new_owner: Customer, now: datetime) -> None:
    """Give the vehicle's standing reminders to its new owner (过户), with their unsent SMS; never commits.

    The reminders reopen under the new owner and their advisor (the calls were the old owner's); a
    queued SMS goes to the new owner's phone, or is cancelled when they take no service SMS. A message
    a sender already holds is left to it. Called by the change of owner, in its transaction.
    """
    standing = list(db.session.scalars(sa.select(Reminder).where(
        Reminder.store_id == vehicle.store_id, Reminder.vehicle_id == vehicle.id,
        Reminder.state.in_((OPEN, CALLED, BOOKED, NOT_INTERESTED)))))
    for reminder in standing:
        reminder.customer_id, reminder.advisor_id = new_owner.id, new_owner.advisor_id
        reminder.state, reminder.last_contact_at, reminder.note = OPEN, None, ""
    if not standing:
        return
    # Locked, and still queued once locked: a sender claims with SKIP LOCKED, so it skips these meanwhile.
    queued = db.session.scalars(sa.select(SmsMessage).where(
        SmsMessage.reminder_id.in_([r.id for r in standing]), SmsMessage.state == QUEUED).with_for_update())
    for message in queued:
        if new_owner.service_sms_opt_out:
            message.state, message.failed_at, message.error_code = SMS_CANCELLED, now, "cancelled"
        else:
            message.customer_id, message.phone = new_owner.id, new_owner.mobile
            message.params = {**(message.params or {}), "name": new_owner.name}


def _vehicle(vehicle_id: int, actor: Actor) -> Vehicle:
    return get_vehicle(vehicle_id, actor=actor)


def record_inspection(vehicle_id: int, *, inspected_on: date, actor: Actor, now: datetime) -> Vehicle:
    """Record the annual inspection (or sticker) done: the next due date moves, reminders end."""
    vehicle = _vehicle(vehicle_id, actor)
    today = vehicle.store.local_date(now)
    if inspected_on > today:
        raise InvalidReminder(_l("The inspection date cannot be in the future."), field="inspected_on")
    vehicle.last_inspection_date = inspected_on
    refresh_due_dates(vehicle, today=today)
    _close_open(vehicle, INSPECTION, now)
    db.session.commit()
    return vehicle


def record_maintenance(vehicle_id: int, *, serviced_on: date, km: int | None, actor: Actor,
                       now: datetime) -> Vehicle:
    """Record a maintenance service: the next one is counted from it, reminders end.

    The repair-order module calls this when a maintenance order is delivered.
    """
    vehicle = _vehicle(vehicle_id, actor)
    mark_maintained(vehicle, serviced_on=serviced_on, km=km, now=now)
    db.session.commit()
    return vehicle


def mark_maintained(vehicle: Vehicle, *, serviced_on: date, km: int | None, now: datetime) -> None:
    """Count the next maintenance from this service and end the open reminders; never commits.

    For services of other modules (a delivered maintenance order) that commit with their own change.
    Raises InvalidReminder.
    """
    today = vehicle.store.local_date(now)
    if serviced_on > today:
        raise InvalidReminder(_l("The service date cannot be in the future."), field="serviced_on")
    if km is not None and km < 0:
        raise InvalidReminder(_l("Enter a mileage of 0 km or more."), field="km")
    vehicle.last_maintenance_date = serviced_on
    vehicle.last_maintenance_km = km
    refresh_due_dates(vehicle, today=today)
    _close_open(vehicle, MAINTENANCE, now)


def record_insurance_renewal(vehicle_id: int, *, new_expiry: date, by_store: bool, insurer: str, actor: Actor,
                             now: datetime) -> InsuranceRenewal:
    """Record a renewed policy (代办保险 when the store handled it): the reminders for the old expiry end."""
    vehicle = _vehicle(vehicle_id, actor)
    if vehicle.insurance_expiry and new_expiry <= vehicle.insurance_expiry:
        raise InvalidReminder(_l("The new expiry must be later than the current one (%(day)s).",
                                 day=formats.day(vehicle.insurance_expiry)), field="new_expiry")
    renewal = InsuranceRenewal(store_id=vehicle.store_id, vehicle_id=vehicle.id, old_expiry=vehicle.insurance_expiry,
                               new_expiry=new_expiry, insurer=insurer.strip()[:60], by_store=by_store,
                               recorded_by_id=actor.user_id, created_at=now)
    db.session.add(renewal)
    vehicle.insurance_expiry = new_expiry
    _close_open(vehicle, INSURANCE, now)
    db.session.flush()
    audit.record("insurance_renewed", vehicle, actor=actor,
                 changes={"insurance_expiry": [str(renewal.old_expiry), str(new_expiry)], "by_store": by_store})
    db.session.commit()
    return renewal


# -- the advisor's call list -------------------------------------------------------------------------

ACTIONS = {CALLED: _l("Called"), BOOKED: _l("Booked"), NOT_INTERESTED: _l("Not interested")}


def store_today(actor: Actor, now: datetime) -> date:
    """Return today's date at the actor's store (Asia/Shanghai for group-level staff)."""
    store = db.session.get(Store, actor.store_id) if actor.store_id is not None else None
    return local_date(now, store)


def get_reminder(reminder_id: int, *, actor: Actor) -> Reminder:
    reminder = db.session.get(Reminder, reminder_id)
    if reminder is None or (actor.store_id is not None and reminder.store_id != actor.store_id):
        raise NotFound()
    return reminder


def mark_reminder(reminder_id: int, *, state: str, note: str, actor: Actor, now: datetime) -> Reminder:
    """Record the outcome of the advisor's call: called, booked or not interested."""
    if state not in ACTIONS:
        raise InvalidReminder(_l("Unknown outcome."), field="state")
    reminder = get_reminder(reminder_id, actor=actor)
    if reminder.state in (DONE, CANCELLED):
        raise InvalidReminder(_l("This reminder is closed."), field="state")
    reminder.state = state
    reminder.note = (note or "").strip()[:300]
    reminder.last_contact_at = now
    db.session.commit()
    return reminder


def opt_out_of_reminders(customer_id: int, *, kind: str, actor: Actor, now: datetime) -> None:
    """Record that an owner wants no more reminders of a kind; their open ones of that kind end."""
    if kind not in KINDS:
        raise InvalidReminder(_l("Unknown reminder kind."), field="kind")
    customer = get_customer(customer_id, actor=actor)
    exists = db.session.scalar(sa.select(ReminderOptOut.id).where(
        ReminderOptOut.store_id == customer.store_id, ReminderOptOut.customer_id == customer.id,
        ReminderOptOut.kind == kind))
    if exists is None:
        db.session.add(ReminderOptOut(store_id=customer.store_id, customer_id=customer.id, kind=kind, created_at=now))
        audit.record("reminder_opt_out", customer, actor=actor, changes={"kind": kind})
    for vehicle in customer.vehicles:
        _close_open(vehicle, kind, now, state=CANCELLED)
    db.session.commit()


def call_list(*, actor: Actor, day: date, mine_only: bool = True, limit: int = 200,
              store_ids: list[int] | None = None) -> list[Reminder]:
    """Return the first `limit` open reminders to call about, soonest due first (the home page's panel)."""
    return list(db.session.scalars(_with_rows(_calls(actor=actor, day=day, mine_only=mine_only, store_ids=store_ids))
                                   .limit(limit)).unique())


# The call list's page: 50 calls is a morning's work; its total is counted only this far past the page.
CALLS_PER_PAGE = 50
CALLS_COUNT_CAP = 2_000


def call_page(*, actor: Actor, day: date, mine_only: bool = True, page: int = 1,
              store_ids: list[int] | None = None):
    """Return a page of the open reminders to call about (CALLS_PER_PAGE), soonest due first, its total counted
    up to CALLS_COUNT_CAP past the page (dealer.database.paginate_capped)."""
    calls = _calls(actor=actor, day=day, mine_only=mine_only, store_ids=store_ids)
    return paginate_capped(_with_rows(calls), calls, page=page, per_page=CALLS_PER_PAGE, cap=CALLS_COUNT_CAP)


def _calls(*, actor: Actor, day: date, mine_only: bool, store_ids: list[int] | None):
    """The open reminders to call about, soonest due first: the store's, or only the advisor's customers'.

    "The advisor's" means the customer's advisor now (一对一): a customer handed to another advisor takes
    their open reminders along (hand_to_advisor), so the list is read along (store_id, advisor_id, due_date, id).
    `store_ids` narrows the stores the actor sees (a group-level user's store filter).
    """
    stmt = sa.select(Reminder.id).where(Reminder.state.in_((OPEN, CALLED)), Reminder.due_date >= day - timedelta(days=30))
    if actor.store_id is not None or store_ids is not None:
        stmt = stmt.where(Reminder.store_id.in_(narrowed_store_ids(actor, store_ids)))
    if mine_only and actor.user_id is not None:
        stmt = stmt.where(Reminder.advisor_id == actor.user_id)
    return stmt


def _with_rows(calls):
    """The calls' reminders with what the list shows of them, soonest due first."""
    return (calls.with_only_columns(Reminder)
            .options(joinedload(Reminder.vehicle), joinedload(Reminder.customer), joinedload(Reminder.message))
            .order_by(Reminder.due_date, Reminder.id))


def due_list(*, actor: Actor, kind: str | None, state: str | None, page: int, per_page: int):
    """Return reminders for the API: the actor's stores, filtered, soonest due first."""
    stmt = (sa.select(Reminder).where(Reminder.store_id.in_(visible_store_ids(actor)))
            .options(joinedload(Reminder.vehicle), joinedload(Reminder.message))
            .order_by(Reminder.due_date, Reminder.id))
    if kind:
        stmt = stmt.where(Reminder.kind == kind)
    if state:
        stmt = stmt.where(Reminder.state == state)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def save_interval(store_id: int, *, model_family: str, months: int, km: int, actor: Actor, now: datetime) -> int:
    """Set a family's maintenance interval and recompute its vehicles' due dates. Returns how many.

    Raises InvalidReminder, NotFound (another store's, or no such store).
    """
    if not (1 <= months <= 36) or not (500 <= km <= 100_000):
        raise InvalidReminder(_l("Enter 1 to 36 months and 500 to 100,000 km."), field="months")
    family = model_family.strip()
    store = db.session.get(Store, store_id)
    if store is None or (actor.store_id is not None and actor.store_id != store_id):
        raise NotFound()
    row = db.session.scalar(sa.select(MaintenanceInterval).where(
        MaintenanceInterval.store_id == store_id, MaintenanceInterval.model_family == family))
    if family not in ("", *families_of(store)) and row is None:  # a family set before it left the list stays
        raise InvalidReminder(_l("Choose the model family from the list."), field="model_family")
    if row is None:
        row = MaintenanceInterval(store_id=store_id, model_family=family)
        db.session.add(row)
    row.months, row.km = months, km
    db.session.flush()  # a new row gets its id before the audit entry names it
    audit.record("maintenance_interval_set", row, actor=actor, store_id=store_id,
                 changes={"model_family": family, "months": months, "km": km})
    today = store.local_date(now)
    intervals = {r.model_family: (r.months, r.km) for r in db.session.scalars(
        sa.select(MaintenanceInterval).where(MaintenanceInterval.store_id == store_id))}
    stmt = sa.select(Vehicle).where(Vehicle.store_id == store_id)
    if family:
        stmt = stmt.where(Vehicle.model_family == family)
    count, last_id = 0, 0
    # Keyset batches, not one open cursor: the refresh writes the rows being read, and SQLite may then
    # return a row twice (an index on a due date moves under the cursor).
    while True:
        vehicles = list(db.session.scalars(stmt.where(Vehicle.id > last_id).order_by(Vehicle.id).limit(1000)))
        if not vehicles:
            break
        readings = _readings_by_vehicle(store_id, [v.id for v in vehicles], today)
        for vehicle in vehicles:
            interval = intervals.get(vehicle.model_family or "") or intervals.get("") or DEFAULT_INTERVAL
            refresh_due_dates(vehicle, today=today, readings=readings.get(vehicle.id, []), interval=interval)
        last_id = vehicles[-1].id
        count += len(vehicles)
        db.session.flush()
        for vehicle in vehicles:  # written to the transaction; keep the session small
            db.session.expunge(vehicle)
    db.session.commit()
    return count

