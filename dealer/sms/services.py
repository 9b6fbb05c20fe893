"""What staff do with SMS: see the outbox, edit templates and rules, record an owner's choice, read the figures."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from dealer import audit
from dealer.actors import Actor
from dealer.audit.models import AuditEntry
from dealer.customers.models import Customer, Vehicle
from dealer.customers.services import get_customer
from dealer.errors import NotFound
from dealer.extensions import db
from dealer.inputs import searchable
from dealer.sms import signals
from dealer.sms.errors import InvalidSettings, InvalidTemplate
from dealer.sms.kinds import KINDS, SERVICE
from dealer.sms.models import (
    DELIVERED,
    FAILED,
    LEAD_DAYS_MESSAGE,
    SENT,
    SmsMessage,
    SmsSettings,
    SmsTemplate,
    parse_lead_days,
)
from dealer.sms.outbox import cancel_queued, compose, segments, settings_for
from dealer.stores.models import Store
from dealer.stores.services import get_store, narrowed_store_ids, visible_store_ids
from dealer.timezones import store_zone


@dataclass
class MessageFilter:
    q: str = ""          # phone (or its last 4) or plate
    state: str = ""
    kind: str = ""
    day_from: date | None = None
    day_to: date | None = None
    store_ids: list[int] | None = None  # the store filter, within the stores the actor sees


def check_store(store_id: int, *, actor: Actor) -> None:
    """Raise NotFound unless the store exists and the actor sees it (for a view about to show it)."""
    _check_store(actor, store_id)


def _check_store(actor: Actor, store_id: int) -> None:
    """Raise NotFound unless the store exists and the actor sees it (a group-level actor names it)."""
    get_store(store_id, actor=actor)


def list_messages(*, actor: Actor, filters: MessageFilter, page: int = 1, per_page: int = 50):
    """Return a page of the outbox, newest first, for the actor's stores."""
    stores = narrowed_store_ids(actor, filters.store_ids)
    stmt = (sa.select(SmsMessage).where(SmsMessage.store_id.in_(stores))
            .order_by(SmsMessage.created_at.desc(), SmsMessage.id.desc()))
    q = re.sub(r"\s", "", filters.q or "").upper()
    if q:
        # A NUL byte or a control character matches nothing, and never reaches SQL.
        if not searchable(q):
            stmt = stmt.where(sa.false())
        elif q.isdigit():
            stmt = stmt.where(_to_phone(q, actor) if len(q) == 11 else SmsMessage.phone.like(f"%{q}"))
        else:
            plate_vehicles = sa.select(Vehicle.id).where(Vehicle.store_id.in_(stores),
                                                         Vehicle.plate.like(f"%{q}%"))
            stmt = stmt.where(SmsMessage.vehicle_id.in_(plate_vehicles))
    if filters.state:
        stmt = stmt.where(SmsMessage.state == filters.state)
    if filters.kind:
        stmt = stmt.where(SmsMessage.kind == filters.kind)
    zone = store_zone(None)  # the group's default zone: the outbox lists several stores
    if filters.day_from:
        stmt = stmt.where(SmsMessage.created_at >= datetime.combine(filters.day_from, time(), zone))
    if filters.day_to:
        stmt = stmt.where(SmsMessage.created_at < datetime.combine(filters.day_to + timedelta(days=1), time(), zone))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def _to_phone(phone: str, actor: Actor):
    """The messages to this phone, through indexes.

    The phone index holds every message but a reminder's SMS not yet sent (models.PHONE_INDEXED, the
    same condition as below); those are found through their owners with this mobile: a reminder's SMS
    goes to its owner's mobile, and a change of the mobile readdresses the queued ones
    (outbox.readdress_queued).
    """
    stores = visible_store_ids(actor)
    indexed = sa.select(SmsMessage.id).where(SmsMessage.store_id.in_(stores), SmsMessage.phone == phone,
                                             sa.or_(SmsMessage.sent_at.is_not(None), SmsMessage.reminder_id.is_(None)))
    owners = sa.select(Customer.id).where(Customer.store_id.in_(stores), Customer.mobile == phone)
    through_owner = sa.select(SmsMessage.id).where(SmsMessage.store_id.in_(stores),
                                                   SmsMessage.customer_id.in_(owners), SmsMessage.phone == phone)
    return SmsMessage.id.in_(sa.union(indexed, through_owner))


def get_message(message_id: int, *, actor: Actor) -> SmsMessage:
    """Return a message the actor may see, with its customer and vehicle (the message page names them).

    Raises NotFound.
    """
    stmt = (sa.select(SmsMessage).where(SmsMessage.id == message_id)
            .options(joinedload(SmsMessage.customer), joinedload(SmsMessage.vehicle)))
    if actor.store_id is not None:
        stmt = stmt.where(SmsMessage.store_id == actor.store_id)
    message = db.session.scalars(stmt).one_or_none()
    if message is None:
        raise NotFound()
    return message


def customer_messages(customer_id: int, *, limit: int = 20) -> list[SmsMessage]:
    customer = db.session.get(Customer, customer_id)
    return list(db.session.scalars(sa.select(SmsMessage).where(
        SmsMessage.store_id == customer.store_id, SmsMessage.customer_id == customer_id)
        .order_by(SmsMessage.id.desc()).limit(limit)))


# -- templates -------------------------------------------------------------------------------------

@dataclass
class TemplateView:
    kind: str
    label: object
    category: str
    body: str
    provider_template_code: str
    variables: tuple[str, ...]
    preview: str
    segments: int
    customised: bool


def templates(store_id: int, *, actor: Actor) -> list[TemplateView]:
    """Return every kind with the store's wording (or the default), a preview and its length in segments."""
    _check_store(actor, store_id)
    rows = {t.kind: t for t in db.session.scalars(sa.select(SmsTemplate).where(SmsTemplate.store_id == store_id))}
    sign = settings_for(store_id).sign_name
    views = []
    for code, kind in KINDS.items():
        row = rows.get(code)
        body = row.body if row else kind.default_body
        preview = compose(kind, body, {name: _sample(name) for name in kind.variables}, sign)
        views.append(TemplateView(code, kind.label, kind.category, body, row.provider_template_code if row else "",
                                  kind.variables, preview, segments(preview), row is not None))
    return views


_SAMPLES = {"name": "王先生", "plate": "粤B12345", "due_date": "2026-12-31", "store_phone": "0755-27781234",
            "eta_minutes": "25", "responder": "李师傅", "responder_phone": "13800138000", "code": "836152",
            "slot": "12月1日 09:30", "link": "https://s.example.cn/f/Ab3d", "campaign": "秋季关爱活动",
            "period": "10月1日至10月31日", "holiday": "春节"}


def _sample(name: str) -> str:
    return _SAMPLES.get(name, "…")


_VARIABLE = re.compile(r"\$\{(\w+)\}|\$(\w+)")


def save_template(store_id: int, *, kind: str, body: str, provider_template_code: str, actor: Actor) -> SmsTemplate:
    """Save a store's wording for a kind. Raises InvalidTemplate for unknown or malformed variables."""
    _check_store(actor, store_id)
    if kind not in KINDS:
        raise InvalidTemplate(_l("Unknown kind of message."), field="kind")
    body = (body or "").strip()
    if not body:
        raise InvalidTemplate(_l("Write the message."), field="body")
    allowed = set(KINDS[kind].variables)
    used = {a or b for a, b in _VARIABLE.findall(body)}
    unknown = sorted(used - allowed)
    if unknown:
        raise InvalidTemplate(_l("Unknown variable: %(names)s. This message can use: %(allowed)s",
                                 names=", ".join("${%s}" % n for n in unknown),
                                 allowed=", ".join("${%s}" % n for n in KINDS[kind].variables) or "-"), field="body")
    if re.search(r"\$(?!\{?\w)", body) or re.search(r"\$\{[^}]*$", body):
        raise InvalidTemplate(_l("A variable is written ${name}."), field="body")
    if "【" in body or "】" in body:
        raise InvalidTemplate(_l("Leave out the signature 【...】: it is added from the store's settings."),
                              field="body")
    code = (provider_template_code or "").strip()
    if code and not re.fullmatch(r"SMS_\d{4,20}", code):
        raise InvalidTemplate(_l("A provider template code looks like SMS_123456789."),
                              field="provider_template_code")
    row = db.session.scalar(sa.select(SmsTemplate).where(SmsTemplate.store_id == store_id, SmsTemplate.kind == kind))
    if row is None:
        row = SmsTemplate(store_id=store_id, kind=kind, body="")
        db.session.add(row)
    changes = audit.diff(row, {"body": body, "provider_template_code": code})
    row.body, row.provider_template_code, row.updated_by_id = body, code, actor.user_id
    db.session.flush()
    if changes:
        audit.record("sms_template_saved", row, actor=actor, store_id=store_id, changes=changes)
    db.session.commit()
    return row


# -- an owner's choice ---------------------------------------------------------------------------------

def set_service_sms_opt_out(customer_id: int, *, opted_out: bool, actor: Actor, now: datetime) -> Customer:
    """Record that an owner refuses service SMS (reminders, car ready, booking codes), or takes them again.

    Refusing cancels their service messages not yet sent; their reminders stay on the advisor's list.
    Raises NotFound (another store's customer, or none).
    """
    customer = get_customer(customer_id, actor=actor)
    if bool(customer.service_sms_opt_out) == opted_out:
        return customer
    customer.service_sms_opt_out = opted_out
    cancelled = cancel_queued(store_id=customer.store_id, now=now, customer_id=customer.id,
                              category=SERVICE) if opted_out else 0
    audit.record("service_sms_opt_out" if opted_out else "service_sms_opt_in", customer, actor=actor,
                 changes={"service_sms_opt_out": [not opted_out, opted_out], "cancelled_messages": cancelled})
    db.session.commit()
    return customer


# -- settings ------------------------------------------------------------------------------------------

_HHMM = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


def save_settings(store_id: int, *, sign_name: str, quiet_start: str, quiet_end: str, daily_cap_per_phone: int,
                  inspection_lead_days: str, insurance_lead_days: str, maintenance_lead_days: str,
                  actor: Actor) -> SmsSettings:
    """Save a store's SMS rules. Raises InvalidSettings."""
    _check_store(actor, store_id)
    sign_name = (sign_name or "").strip().strip("【】")
    if not 2 <= len(sign_name) <= 12:
        raise InvalidSettings(_l("The signature has 2 to 12 characters."), field="sign_name")
    for field, value in (("quiet_start", quiet_start), ("quiet_end", quiet_end)):
        if not _HHMM.fullmatch(value or ""):
            raise InvalidSettings(_l("Enter a time as HH:MM, e.g. 21:00."), field=field)
    if not 1 <= daily_cap_per_phone <= 20:
        raise InvalidSettings(_l("Allow 1 to 20 messages per phone per day."), field="daily_cap_per_phone")
    leads = {}
    for field, value in (("inspection_lead_days", inspection_lead_days), ("insurance_lead_days", insurance_lead_days),
                         ("maintenance_lead_days", maintenance_lead_days)):
        try:
            leads[field] = ",".join(str(d) for d in parse_lead_days(value or ""))
        except ValueError:
            raise InvalidSettings(LEAD_DAYS_MESSAGE, field=field) from None
    settings = db.session.get(SmsSettings, store_id)
    if settings is None:
        settings = settings_for(store_id)
        db.session.add(settings)
    values = dict(sign_name=sign_name, quiet_start=quiet_start, quiet_end=quiet_end,
                  daily_cap_per_phone=daily_cap_per_phone, **leads)
    changes = audit.diff(settings, values)
    for key, value in values.items():
        setattr(settings, key, value)
    settings.updated_by_id = actor.user_id
    db.session.flush()
    if changes:
        audit.record("sms_settings_saved", settings, actor=actor, store_id=store_id, changes=changes,
                     entity_type="sms_settings")
    db.session.commit()
    return settings


# -- the month's figures ------------------------------------------------------------------------------

@dataclass
class MonthFigures:
    store: Store
    month: date
    sent: int
    delivered: int
    failed: int
    opt_outs: int
    reminded: int
    came_in: int

    @property
    def conversion(self) -> float | None:
        return self.came_in / self.reminded if self.reminded else None


def month_figures(*, actor: Actor, month: date) -> list[MonthFigures]:
    """Per store: messages sent, delivered, failed; opt-outs; reminded vehicles and how many came in.

    The month is the store's own (its time zone). A vehicle reminded by SMS in the month "came in" when,
    within 30 days after its first reminder of the month, it had a repair order opened (not cancelled)
    or an odometer reading taken at a visit.
    """
    start = month.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    results = []
    for store in db.session.scalars(sa.select(Store).where(Store.id.in_(visible_store_ids(actor))).order_by(Store.code)):
        zone = store_zone(store)
        t0, t1 = datetime.combine(start, time(), zone), datetime.combine(end, time(), zone)
        # A message counts in the month it went out; one refused by the provider (never sent: an
        # invalid number, a template not approved) in the month it failed.
        went = sa.func.coalesce(SmsMessage.sent_at, SmsMessage.failed_at)
        counts = dict(db.session.execute(
            sa.select(SmsMessage.state, sa.func.count()).where(
                SmsMessage.store_id == store.id, SmsMessage.state.in_((SENT, DELIVERED, FAILED)),
                went >= t0, went < t1)
            .group_by(SmsMessage.state)).all())
        never_sent = db.session.scalar(sa.select(sa.func.count()).select_from(SmsMessage).where(
            SmsMessage.store_id == store.id, SmsMessage.state == FAILED, SmsMessage.sent_at.is_(None),
            SmsMessage.failed_at >= t0, SmsMessage.failed_at < t1))
        opt_outs = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.store_id == store.id, AuditEntry.action == "marketing_opt_out",
            AuditEntry.created_at >= t0, AuditEntry.created_at < t1))
        reminded, came_in = 0, 0  # without the reminders module (its handler answers)
        for answer in signals.count_reminder_visits.send(store, start=start, end=end, t0=t0, t1=t1):
            reminded, came_in = answer[1]
        sent = sum(counts.get(s, 0) for s in (SENT, DELIVERED, FAILED)) - never_sent
        results.append(MonthFigures(store, start, sent, counts.get(DELIVERED, 0), counts.get(FAILED, 0), opt_outs,
                                    reminded, came_in))
    return results
