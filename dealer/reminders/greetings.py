"""Birthday and holiday greetings (生日、节日问候): marketing SMS, only to owners who consented.

A nightly task beside the reminder scan (dealer.scheduler runs both for each store's own day): per
store and batch of customer ids, one INSERT ... SELECT per occasion into the outbox, each message with
a dedupe key per customer, occasion and year, so running it again the same day (or year) adds nothing.
The messages are queued for the end of the store's quiet hours: the morning.
"""
from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from dealer.customers.models import Customer
from dealer.dialect import is_postgresql, json_object, upsert
from dealer.extensions import db
from dealer.fanout import add_counts, stores_side_by_side
from dealer.reminders.holidays import Holiday, holidays_on, missing_years
from dealer.sms.kinds import KINDS as SMS_KINDS
from dealer.sms.models import QUEUED, SmsMessage
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

log = logging.getLogger(__name__)

BIRTHDAY = "birthday"
COLUMNS = ["store_id", "customer_id", "phone", "kind", "category", "priority", "params", "sign_name",
           "template_code", "dedupe_key", "state", "attempts", "next_attempt_at", "created_at", "expires_at"]


@dataclass
class GreetingReport:
    day: date | None
    messages: int = 0
    batches: int = 0
    per_occasion: dict[str, int] = field(default_factory=dict)


def queue_greetings(*, now: datetime, day: date | None = None, store_ids: list[int] | None = None,
                    batch_size: int = 50_000, workers: int = 1) -> GreetingReport:
    """Queue today's birthday and holiday greetings to every consenting owner, store by store; commit per batch.

    `day` is each store's own date at `now` unless given. An owner born on 29 February is greeted on
    28 February in other years. Once per owner, occasion and year, however often it runs. With `workers`
    > 1, stores are greeted side by side, each in its own thread and transaction.
    """
    report = GreetingReport(day=day)
    stores = sa.select(Store).where(Store.active).order_by(Store.id)
    if store_ids is not None:
        stores = stores.where(Store.id.in_(store_ids))
    if workers > 1:
        for part in stores_side_by_side(stores.with_only_columns(Store.id), lambda store_id: queue_greetings(
                now=now, day=day, store_ids=[store_id], batch_size=batch_size), workers=workers):
            report.messages += part.messages
            report.batches += part.batches
            add_counts(report.per_occasion, part.per_occasion)
        return report
    for store in db.session.scalars(stores).all():
        store_id, store_day = store.id, day or store.local_date(now)
        if missing_years([store_day.year]):
            log.warning("no dates of the lunar holidays for %s: outside the Chinese calendar's range",
                        store_day.year)
        occasions: list[Holiday | None] = [None, *holidays_on(store_day)]  # None: the birthdays
        settings = settings_for(store_id)
        send_at = next_allowed(settings, zone_of_store(store_id), now)
        first, last, customers = db.session.execute(sa.select(
            sa.func.min(Customer.id), sa.func.max(Customer.id), sa.func.count(Customer.id))
            .where(Customer.store_id == store_id)).one()
        if not customers:
            continue
        step = -(-(last - first + 1) // -(-customers // batch_size))
        for low in range(first, last + 1, step):
            for holiday in occasions:
                queued = _queue(store_id, holiday, settings.sign_name, store_day, low, low + step - 1, send_at, now)
                name = holiday.code if holiday else BIRTHDAY
                report.per_occasion[name] = report.per_occasion.get(name, 0) + queued
                report.messages += queued
            db.session.commit()
            report.batches += 1
    return report


def _birthday_on(day: date):
    """Customers whose birthday is `day` (month and day), and those born on 29 February on the 28th of other years."""
    days = [day.strftime("%m-%d")]
    if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
        days.append("02-29")
    month_day = (sa.func.to_char(Customer.birthday, "MM-DD") if is_postgresql()
                 else sa.func.strftime("%m-%d", Customer.birthday))
    return month_day.in_(days)


def _queue(store_id: int, holiday: Holiday | None, sign_name: str, day: date, low: int, high: int,
           send_at: datetime, now: datetime) -> int:
    kind = "greeting_holiday" if holiday else "greeting_birthday"
    spec = SMS_KINDS[kind]
    _body, template_code = template_for(store_id, kind)
    conditions = [Customer.store_id == store_id, Customer.id.between(low, high), Customer.marketing_consent.is_(True)]
    if holiday is None:
        conditions.append(_birthday_on(day))
        params = json_object("name", Customer.name)
        key = f"greeting:{BIRTHDAY}:{day.year}:"
    else:
        params = json_object("name", Customer.name, "holiday", sa.literal(holiday.name),
                              "greeting", sa.literal(holiday.greeting))
        key = f"greeting:{holiday.code}:{day.year}:"
    columns = SmsMessage.__table__.c
    values = [
        Customer.store_id, Customer.id, Customer.mobile, sa.literal(kind), sa.literal(spec.category),
        sa.literal(spec.priority), params, sa.literal(sign_name), sa.literal(template_code),
        sa.literal(key) + sa.cast(Customer.id, sa.String), sa.literal(QUEUED), sa.literal(0),
        sa.literal(send_at, type_=columns.next_attempt_at.type), sa.literal(now, type_=columns.created_at.type),
        sa.literal(send_at + spec.valid_for, type_=columns.expires_at.type)]  # a late wish is no wish
    if is_postgresql():  # each message's id first, and its out id made from it (see sms.outbox.out_id_of)
        numbered = sa.select(*[value.label(name) for value, name in zip(values, COLUMNS, strict=True)],
                             sa.literal_column(NEXT_MESSAGE_ID).label("id")).where(*conditions).subquery()
        select = sa.select(numbered.c.id, *[numbered.c[name] for name in COLUMNS], out_id_of(numbered.c.id))
        names = ["id", *COLUMNS, "out_id"]
    else:
        select, names = sa.select(*values, random_out_ids()).where(*conditions), [*COLUMNS, "out_id"]
    return db.session.execute(upsert(SmsMessage.__table__).from_select(names, select).on_conflict_do_nothing()).rowcount
