"""The nightly reminder scan (定期提醒): what is due, in SQL sets, one transaction per batch.

Each vehicle carries its due dates (dealer.reminders.services keeps them current). The scan, per store
and kind, reads the vehicles whose due date lies in one of the store's lead windows (30 and 7 days
before, by default) through the (store_id, due date) index, in batches of consecutive due dates that
hold at most `batch_size` vehicles; per batch one statement leaves out the owners who opted out of the
kind and the vehicles already reminded at this stage, and writes the reminders and their SMS (on
PostgreSQL one statement: the candidates get their reminder and message ids first, and both INSERTs
read them; on SQLite, two statements).

What it costs is what it reads and writes: the window of each kind is read once, a reminder and its
message are each written once (the message names its reminder; nothing is updated afterwards), the
owner is looked up by primary key, and a night when nothing new is due writes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

import sqlalchemy as sa

from dealer.customers.models import Customer, Vehicle
from dealer.dialect import is_postgresql, json_object, upsert
from dealer.extensions import db
from dealer.fanout import add_counts, stores_side_by_side
from dealer.reminders import rules
from dealer.reminders.errors import InvalidReminder
from dealer.reminders.models import (
    BOOKED,
    CALLED,
    INSPECTION,
    INSURANCE,
    MAINTENANCE,
    NOT_INTERESTED,
    OPEN,
    Reminder,
    ReminderOptOut,
)
from dealer.sms.kinds import KINDS as SMS_KINDS
from dealer.sms.models import LEAD_DAYS_MESSAGE, QUEUED, SmsMessage, parse_lead_days
from dealer.sms.outbox import (
    NEXT_MESSAGE_ID,
    next_allowed,
    out_id_of,
    random_out_ids,
    settings_for,
    template_for,
    zone_of_store,
)
from dealer.stores.models import Store

MESSAGE_KIND = {INSPECTION: "inspection_reminder", INSURANCE: "insurance_reminder",
                MAINTENANCE: "maintenance_reminder"}
STICKER_KIND = "inspection_sticker_reminder"
# A reminder in these states still stands: the owner was told (or is being called) about the event.
UNFINISHED = (OPEN, CALLED, BOOKED, NOT_INTERESTED)
ROLL_CHUNK = 5000  # vehicles per UPDATE when inspection dates roll on
# PostgreSQL: ids taken before the INSERTs that use them (and the out ids made from the message's).
NEXT_REMINDER_ID = "nextval('reminders_id_seq')"
SCAN_LOCK = 0x52454D49  # PostgreSQL advisory lock class ("REMI") of a store's scan batches, with the store id
ANALYZE_AFTER = 1_000  # reminders a batch must add (and as many as the table held) for ANALYZE reminders


@dataclass
class ScanReport:
    day: date | None  # the day asked for; None when each store scanned its own date (see `days`)
    reminders: int = 0
    messages: int = 0
    batches: int = 0
    rolled: int = 0  # passed inspection dates moved on
    per_kind: dict[str, int] = field(default_factory=dict)
    days: dict[int, date] = field(default_factory=dict)  # store id -> the store's day scanned


def lead_days(text: str) -> list[int]:
    """Parse a store's lead times ("30,7"; "30，7" and "30、7" too) into distinct days, largest first.

    Raises InvalidReminder (not ValueError: a manager typed it) unless every part is 1 to 365.
    """
    try:
        return parse_lead_days(text)
    except ValueError:
        raise InvalidReminder(LEAD_DAYS_MESSAGE) from None


def _windows(days: list[int], day: date) -> list[tuple[int, date, date]]:
    """Return (lead, after, until): a due date in (after, until] gets the reminder of that lead."""
    windows = []
    for index, lead in enumerate(days):
        smaller = days[index + 1] if index + 1 < len(days) else None
        after = day + timedelta(days=smaller) if smaller is not None else day - timedelta(days=1)
        windows.append((lead, after, day + timedelta(days=lead)))
    return windows


@dataclass(frozen=True)
class _Sms:
    """What every message of one store's scan shares."""

    sign_name: str
    store_phone: str
    template_codes: dict[str, str]
    send_at: datetime
    now: datetime


def scan(*, now: datetime, day: date | None = None, store_ids: list[int] | None = None,
         batch_size: int = 50_000, workers: int = 1) -> ScanReport:
    """Create the reminders due and queue their SMS, store by store and kind, in batches; commit each batch.

    `day` is each store's own date at `now` (its time zone) unless given (`flask reminders scan --date`).
    Running it again the same day creates nothing new: a reminder exists once per vehicle, kind, due date
    and lead time, and none is made while one of that kind for a lead as short still stands (a due date
    that moved by a day is the same event). With `workers` > 1, stores are scanned side by side, each in
    its own thread and transaction. Raises InvalidReminder for a store's unreadable lead times.
    """
    report = ScanReport(day=day)
    stores = sa.select(Store).where(Store.active).order_by(Store.id)
    if store_ids is not None:
        stores = stores.where(Store.id.in_(store_ids))
    if workers > 1:
        for part in stores_side_by_side(stores.with_only_columns(Store.id), lambda store_id: scan(now=now, day=day, store_ids=[store_id],
                                                                      batch_size=batch_size), workers=workers):
            report.reminders += part.reminders
            report.messages += part.messages
            report.batches += part.batches
            report.rolled += part.rolled
            report.days.update(part.days)
            add_counts(report.per_kind, part.per_kind)
        return report
    for store in db.session.scalars(stores).all():
        store_id, store_day = store.id, day or store.local_date(now)
        report.days[store_id] = store_day
        report.rolled += roll_passed_inspections(store_id, store_day)
        settings = settings_for(store_id)
        codes = [*MESSAGE_KIND.values(), STICKER_KIND]
        sms = _Sms(sign_name=settings.sign_name, store_phone=store.phone or "",
                   template_codes={code: template_for(store_id, code)[1] for code in codes},
                   send_at=next_allowed(settings, zone_of_store(store_id), now), now=now)
        plans = [(INSPECTION, Vehicle.next_inspection_due, lead_days(settings.inspection_lead_days)),
                 (INSURANCE, Vehicle.insurance_expiry, lead_days(settings.insurance_lead_days)),
                 (MAINTENANCE, Vehicle.next_maintenance_due, lead_days(settings.maintenance_lead_days))]
        for kind, due_column, days in plans:
            windows = _windows(days, store_day)
            for after, until in _batches(store_id, due_column, windows[-1][1], windows[0][2], batch_size):
                created, queued = _remind(store_id, kind, due_column, days, after, until, store_day, sms)
                db.session.commit()  # one transaction per batch
                _keep_statistics_current(created)
                report.reminders += created
                report.messages += queued
                report.per_kind[kind] = report.per_kind.get(kind, 0) + created
                report.batches += 1
            report.per_kind.setdefault(kind, 0)
    return report


def _keep_statistics_current(created: int) -> None:
    """Refresh the planner's statistics of reminders after a batch that (at least) doubled the table.

    The next batches look each vehicle up in it: planned on statistics that still say it is (nearly)
    empty, as after an import or on a new deployment, that lookup ran through the store's whole
    (store_id, due_date) range for every vehicle (minutes per batch). Autovacuum comes too late. Once the
    statistics show a table of the right order, the lookup takes the unique index: no ANALYZE needed.
    """
    if created < ANALYZE_AFTER or not is_postgresql():
        return
    known = db.session.scalar(sa.text("SELECT reltuples FROM pg_class WHERE oid = 'reminders'::regclass")) or 0
    if created >= known:
        db.session.execute(sa.text("ANALYZE reminders"))
        db.session.commit()


def _batches(store_id: int, due_column, after: date, until: date, size: int) -> list[tuple[date, date]]:
    """Split the due dates in (after, until] into ranges (after, until] holding at most `size` of the store's vehicles.

    A single date with more vehicles is a batch of its own (inspection dates are month ends: a month's
    cohort shares one). Counted through the (store_id, due date) index.
    """
    batches, start, held, previous = [], after, 0, after
    for due, vehicles in db.session.execute(
            sa.select(due_column, sa.func.count()).where(Vehicle.store_id == store_id, due_column > after,
                                                         due_column <= until)
            .group_by(due_column).order_by(due_column)):
        if held and held + vehicles > size:
            batches.append((start, previous))
            start, held = previous, 0
        held, previous = held + vehicles, due
    if held:
        batches.append((start, previous))
    return batches


def _candidates(store_id: int, kind: str, due_column, days: list[int], after: date, until: date, day: date,
                now: datetime, *, with_owner: bool = False) -> sa.Select:
    """Select the reminders (REMINDER_COLUMNS) to make for the vehicles due in (after, until] on `day`.

    Each vehicle due in a window gets the reminder of that window's lead, unless its owner asked for
    no reminders of the kind, or it has a reminder of the kind that still stands for a lead as short
    or shorter (the due date moved a day: the owner was told), or this very reminder whatever its state
    (closed the same day: nothing to say again). `with_owner` adds OWNER_COLUMNS, what the reminder's
    SMS needs: the owner, read once with the advisor, and the plate from the vehicle row at hand.
    """
    windows = _windows(days, day)  # largest lead first
    lead = sa.case(*[(due_column <= until, sa.literal_column(str(int(lead))))
                     for lead, _after, until in reversed(windows)])
    # Looked up per vehicle by key. "Already reminded?" as an anti-join, planned on statistics taken
    # before the night's first batches filled the table, scanned the store's whole (store_id, due_date)
    # range once per vehicle (minutes per batch); and the owner as a join was a hash of every customer
    # of the group for each statement.
    reminded = (sa.select(sa.literal_column("1")).where(
        Reminder.store_id == Vehicle.store_id, Reminder.vehicle_id == Vehicle.id, Reminder.kind == kind,
        Reminder.due_date >= day, Reminder.lead_days <= lead,
        sa.or_(Reminder.state.in_(UNFINISHED), sa.and_(Reminder.due_date == due_column, Reminder.lead_days == lead)))
        .limit(1).scalar_subquery())
    opted_out = sa.exists().where(ReminderOptOut.store_id == Vehicle.store_id,
                                  ReminderOptOut.customer_id == Vehicle.owner_id, ReminderOptOut.kind == kind)
    on_site = Vehicle.next_inspection_on_site if kind == INSPECTION else sa.true()
    where = (Vehicle.store_id == store_id, due_column > after, due_column <= until, ~opted_out, reminded.is_(None))
    created_on, created_at = sa.literal(day), sa.literal(now, type_=Reminder.__table__.c.created_at.type)
    if is_postgresql():  # typed in the SQL: a CTE's column takes its type from the expression
        created_on, created_at = sa.cast(created_on, sa.Date), sa.cast(created_at, sa.DateTime(timezone=True))
    constants = (sa.literal(kind), due_column, lead, on_site, created_on, sa.literal(OPEN), sa.literal(""), created_at)
    if not with_owner:
        advisor = sa.select(Customer.advisor_id).where(Customer.id == Vehicle.owner_id).scalar_subquery()
        columns = [Vehicle.store_id, Vehicle.id, Vehicle.owner_id, advisor, *constants]
        return sa.select(*_labelled(columns, REMINDER_COLUMNS)).where(*where)
    owner = (sa.select(Customer.advisor_id, Customer.name, Customer.mobile, Customer.service_sms_opt_out)
             .where(Customer.id == Vehicle.owner_id).limit(1).lateral("owner"))
    columns = [Vehicle.store_id, Vehicle.id, Vehicle.owner_id, owner.c.advisor_id, *constants,
               owner.c.name, owner.c.mobile, owner.c.service_sms_opt_out, Vehicle.plate]
    return (sa.select(*_labelled(columns, REMINDER_COLUMNS + OWNER_COLUMNS))
            .select_from(Vehicle).join(owner, sa.true()).where(*where))


def _labelled(columns: list, names: list[str]) -> list:
    return [column.label(name) for column, name in zip(columns, names, strict=True)]


REMINDER_COLUMNS = ["store_id", "vehicle_id", "customer_id", "advisor_id", "kind", "due_date", "lead_days", "on_site",
                    "created_on", "state", "note", "created_at"]
OWNER_COLUMNS = ["owner_name", "owner_mobile", "owner_opted_out", "plate"]
MESSAGE_COLUMNS = ["store_id", "customer_id", "vehicle_id", "reminder_id", "phone", "kind", "category", "priority",
                   "params", "sign_name", "template_code", "out_id", "state", "attempts", "next_attempt_at",
                   "created_at"]


def _message_row(sms: _Sms, kind: str, *, store_id, customer_id, vehicle_id, reminder_id, phone, name, plate,
                 due_date, on_site, out_id=None) -> list:
    """The columns of one reminder's SMS; its words are written by the sender at send time."""
    code = MESSAGE_KIND[kind]
    spec = SMS_KINDS[code]  # the sticker reminder has the same category and priority
    kind_code, template_code = sa.literal(code), sa.literal(sms.template_codes[code])
    if kind == INSPECTION:
        kind_code = sa.case((on_site, kind_code), else_=sa.literal(STICKER_KIND))
        template_code = sa.case((on_site, template_code), else_=sa.literal(sms.template_codes[STICKER_KIND]))
    params = json_object("name", name, "plate", plate, "due_date", sa.cast(due_date, sa.String),
                          "store_phone", sa.literal(sms.store_phone))
    columns = SmsMessage.__table__.c
    return [store_id, customer_id, vehicle_id, reminder_id, phone, kind_code, sa.literal(spec.category),
            sa.literal(spec.priority), params, sa.literal(sms.sign_name), template_code,
            random_out_ids() if out_id is None else out_id,
            sa.literal(QUEUED), sa.literal(0), sa.literal(sms.send_at, type_=columns.next_attempt_at.type),
            sa.literal(sms.now, type_=columns.created_at.type)]


def _remind(store_id: int, kind: str, due_column, days: list[int], after: date, until: date, day: date,
            sms: _Sms) -> tuple[int, int]:
    """Write one kind's reminders for the vehicles due in (after, until] and queue their SMS.

    Returns (reminders, messages).
    """
    if is_postgresql():
        return _remind_postgresql(store_id, kind, due_column, days, after, until, day, sms)

    candidates = _candidates(store_id, kind, due_column, days, after, until, day, sms.now)
    insert = upsert(Reminder.__table__).from_select(REMINDER_COLUMNS, candidates).on_conflict_do_nothing()
    created = db.session.execute(insert).rowcount
    messages = (sa.select(*_message_row(sms, kind, store_id=Reminder.store_id, customer_id=Reminder.customer_id,
                                        vehicle_id=Reminder.vehicle_id, reminder_id=Reminder.id, phone=Customer.mobile,
                                        name=Customer.name, plate=Vehicle.plate, due_date=Reminder.due_date,
                                        on_site=Reminder.on_site))
                .select_from(Reminder).join(Customer, Customer.id == Reminder.customer_id)
                .join(Vehicle, Vehicle.id == Reminder.vehicle_id)
                .where(Reminder.store_id == store_id, Reminder.created_on == day, Reminder.kind == kind,
                       Reminder.due_date > after, Reminder.due_date <= until, Customer.service_sms_opt_out.is_(False),
                       ~sa.exists().where(SmsMessage.store_id == store_id,
                                         SmsMessage.reminder_id == Reminder.id)))
    queued = db.session.execute(upsert(SmsMessage.__table__).from_select(MESSAGE_COLUMNS, messages)).rowcount
    return created, queued


def _remind_postgresql(store_id: int, kind: str, due_column, days: list[int], after: date, until: date, day: date,
                       sms: _Sms) -> tuple[int, int]:
    """PostgreSQL: one statement writes the batch's reminders and their SMS. Returns (reminders, messages).

    The candidates (each with its owner and plate, read by key) are chosen and sorted by vehicle once,
    and each is given its reminder's id and its message's id from their sequences; both INSERTs then
    read that one list. Nothing is matched back afterwards (no RETURNING joined to the candidates, no
    row numbering), and a message's out id is made from its own id, unique by construction.
    """
    candidates = _candidates(store_id, kind, due_column, days, after, until, day, sms.now, with_owner=True).subquery()
    # Sorted: every candidate is chosen before the first reminder is written, so "already reminded?"
    # never reads what this statement writes, and the unique index is written in key order.
    texted = candidates.c.owner_opted_out.is_(False)
    chosen = (sa.select(candidates, sa.literal_column(NEXT_REMINDER_ID).label("reminder_id"),
                        sa.case((texted, sa.literal_column(NEXT_MESSAGE_ID)), else_=None)
                        .label("message_id"))
              .order_by(candidates.c.vehicle_id).cte("chosen"))
    # A plain INSERT: the store's scans take turns (the lock below), so "already reminded?" sees what
    # another scan of the store committed, and ON CONFLICT's check before each row (a third of the
    # insert's cost) finds nothing. The unique key stays the last guard: a batch that broke it would
    # fail whole, so every candidate is written or none is.
    reminders = (sa.insert(Reminder.__table__)
                 .from_select(["id", *REMINDER_COLUMNS], sa.select(chosen.c.reminder_id,
                                                                   *[chosen.c[name] for name in REMINDER_COLUMNS])
                              .order_by(chosen.c.vehicle_id))
                 .returning(Reminder.id).cte("reminders_written"))
    row = _message_row(sms, kind, store_id=chosen.c.store_id, customer_id=chosen.c.customer_id,
                       vehicle_id=chosen.c.vehicle_id, reminder_id=chosen.c.reminder_id, phone=chosen.c.owner_mobile,
                       name=chosen.c.owner_name, plate=chosen.c.plate, due_date=chosen.c.due_date,
                       on_site=chosen.c.on_site, out_id=out_id_of(chosen.c.message_id))
    messages = (sa.insert(SmsMessage.__table__)
                .from_select(["id", *MESSAGE_COLUMNS], sa.select(chosen.c.message_id, *row)
                             .where(chosen.c.message_id.is_not(None)).order_by(chosen.c.message_id))
                .returning(SmsMessage.id).cte("messages_written"))
    # Index lookups only, whatever the statistics say. On statistics of a (nearly) empty table, as on
    # a deployment's first night, the planner chose to read the whole table once per vehicle (with
    # the pages another store's scan was adding) or a bitmap of all the store's reminders. The
    # indexes it may use lead with the store: no other store's writes are read. For this batch only.
    db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    db.session.execute(sa.text("SET LOCAL enable_bitmapscan = off"))
    # One batch of a store at a time (a nightly job and a scan run by hand), until this batch commits.
    db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(SCAN_LOCK, store_id)))
    created, queued = db.session.execute(sa.select(
        sa.select(sa.func.count()).select_from(reminders).scalar_subquery(),
        sa.select(sa.func.count()).select_from(messages).scalar_subquery())).one()
    return created, queued


# -- inspection dates that passed ---------------------------------------------------------------------

def roll_passed_inspections(store_id: int, day: date) -> int:
    """Move on the store's inspection due dates that passed before `day`; commit. Returns how many.

    The owner had it done elsewhere, or not at all: the store cannot tell, and reminds them of the next
    due point on or after `day` (it stays on the registration month's cycle), whether or not an earlier
    inspection is on record here. One query finds them (an index range: the dates that passed since the
    last scan, so a whole month's cohort on the 1st); the next point is computed per registration month
    and class, and written with one UPDATE per few thousand vehicles.
    """
    passed = db.session.execute(sa.select(
        Vehicle.id, Vehicle.registration_date, Vehicle.vehicle_class, Vehicle.use, Vehicle.seats)
        .where(Vehicle.store_id == store_id, Vehicle.next_inspection_due < day)).all()
    rolled: list[tuple[int, date | None, bool]] = []
    for vehicle_id, registered, vehicle_class, use, seats in passed:
        if registered is None:
            rolled.append((vehicle_id, None, True))
            continue
        try:
            due = _first_due_on_or_after(registered.year, registered.month, rules.effective_vehicle_class(
                vehicle_class or rules.DEFAULT_VEHICLE_CLASS, seats), use, day)
        except ValueError:  # an unknown class or use: left as it is (the vehicle page shows the date)
            continue
        rolled.append((vehicle_id, due.due_date, due.on_site))
    for start in range(0, len(rolled), ROLL_CHUNK):
        _set_inspection_due(store_id, rolled[start:start + ROLL_CHUNK])
    db.session.commit()
    return len(rolled)


@lru_cache(maxsize=8192)
def _first_due_on_or_after(year: int, month: int, vehicle_class: str, use: str, day: date) -> rules.InspectionDue:
    """The first due point on or after `day`: the same for every vehicle of a registration month and class."""
    return rules.next_inspection_due(registration_date=date(year, month, 1), vehicle_class=vehicle_class, use=use,
                                     seats=None, last_inspection_date=None, today=day)


def _set_inspection_due(store_id: int, rows: list[tuple[int, date | None, bool]]) -> None:
    vehicles = Vehicle.__table__
    if is_postgresql():
        # Three arrays, not a VALUES list of thousands of bound parameters (seconds to compile per chunk).
        ids, dues, on_site = (list(column) for column in zip(*rows))
        db.session.execute(sa.text(
            "UPDATE vehicles SET next_inspection_due = rolled.due, next_inspection_on_site = rolled.on_site "
            "FROM unnest(CAST(:ids AS integer[]), CAST(:dues AS date[]), CAST(:on_site AS boolean[])) "
            "AS rolled (id, due, on_site) WHERE vehicles.store_id = :store_id AND vehicles.id = rolled.id"),
            {"ids": ids, "dues": dues, "on_site": on_site, "store_id": store_id})
        return
    db.session.execute(
        sa.update(vehicles).where(vehicles.c.store_id == store_id, vehicles.c.id == sa.bindparam("rolled_id"))
        .values(next_inspection_due=sa.bindparam("rolled_due"), next_inspection_on_site=sa.bindparam("rolled_on_site"),
                updated_at=vehicles.c.updated_at),  # a derived date moved on: not an edit of the vehicle
        [{"rolled_id": i, "rolled_due": due, "rolled_on_site": on_site} for i, due, on_site in rows])
