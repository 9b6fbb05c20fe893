"""The month sheet (月度考核表): the live figures of a store's month, and its signed, frozen versions."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from dealer import audit
from dealer.actors import CS_SUPERVISOR, Actor
from dealer.errors import Forbidden
from dealer.extensions import db
from dealer.satisfaction.assessment import Assessment, MonthForms, Rules, assess, two_decimals
from dealer.satisfaction.errors import AlreadySigned
from dealer.satisfaction.models import (
    COMPLAINT,
    SOURCE_KINDS,
    UNREACHABLE,
    Complaint,
    FeedbackForm,
    FollowUp,
    MonthAssessment,
)
from dealer.satisfaction.services.follow_ups import settings_for
from dealer.stores.services import get_store
from dealer.timezones import day_start


def previous_month(month: date) -> date:
    return date(month.year - 1, 12, 1) if month.month == 1 else date(month.year, month.month - 1, 1)


def next_month(month: date) -> date:
    return date(month.year + 1, 1, 1) if month.month == 12 else date(month.year, month.month + 1, 1)


def month_forms(store_id: int, months: tuple[date, ...]) -> dict[date, MonthForms]:
    """The forms of each month (by the service's month), summed in SQL: one query."""
    rows = db.session.execute(_MONTH_FORMS, {"store_id": store_id, "months": list(months)})
    found = {row[0]: MonthForms(int(row[1]), int(row[2] or 0), int(row[3] or 0), int(row[4] or 0)) for row in rows}
    return {month: found.get(month, MonthForms()) for month in months}


def month_bounds(store, month: date) -> tuple[datetime, datetime]:
    """The month's first and last instants at the store, in UTC (start inclusive, end exclusive)."""
    return day_start(month, store), day_start(next_month(month), store)


@dataclass(frozen=True)
class SourceFigures:
    """One kind of service's part of the month (repair order, quick lane, rescue): counted apart."""

    kind: str
    follow_ups: int = 0
    unreachable: int = 0
    n: int = 0  # forms
    total: int = 0

    @property
    def average(self):
        return round_average(self.total, self.n)

    @property
    def response_rate_pct(self) -> int | None:
        return round(100 * self.n / self.follow_ups) if self.follow_ups else None


def round_average(total: int, n: int):
    """total / n half-up to two decimals (a Decimal), None without forms."""
    return two_decimals(Fraction(total, n)) if n else None


def by_source(store_id: int, month: date) -> list[SourceFigures]:
    """The month's follow-ups, unreachable ones and forms per kind of service, in one grouped query."""
    rows = db.session.execute(_BY_SOURCE, {"store_id": store_id, "month": month})
    found = {row[0]: SourceFigures(row[0], int(row[1]), int(row[2] or 0), int(row[3]), int(row[4] or 0))
             for row in rows}
    return [found.get(kind, SourceFigures(kind)) for kind in SOURCE_KINDS]


@dataclass(frozen=True)
class Sheet:
    store: object
    month: date
    assessment: Assessment  # the live figures
    follow_ups: int  # follow-ups of the month: the forms' base (response rate)
    unreachable: int
    response_rate_pct: int | None
    thin: bool  # n under the store's minimum
    minimum: int
    rules: Rules
    versions: list  # signed versions, newest first
    changed_since_signed: bool
    sources: list[SourceFigures]  # repair orders, quick lane, rescues apart


# The sheet's statements, built once, their values as parameters (a statement's construction and cache key cost
# more than its SQL here).
_TOP = sa.and_(FeedbackForm.timeliness == 2, FeedbackForm.quality == 2, FeedbackForm.attitude == 2)
_BOTTOM = sa.and_(FeedbackForm.timeliness == -2, FeedbackForm.quality == -2, FeedbackForm.attitude == -2)
_FORM = sa.and_(FeedbackForm.follow_up_id == FollowUp.id, FeedbackForm.store_id == FollowUp.store_id)
_POINTS = FeedbackForm.timeliness + FeedbackForm.quality + FeedbackForm.attitude
_MONTH_FORMS = (sa.select(FollowUp.service_month, sa.func.count(FeedbackForm.id), sa.func.sum(_POINTS),
                          sa.func.sum(sa.case((_TOP, 1), else_=0)), sa.func.sum(sa.case((_BOTTOM, 1), else_=0)))
                .join(FeedbackForm, _FORM)
                .where(FollowUp.store_id == sa.bindparam("store_id"),
                       FollowUp.service_month.in_(sa.bindparam("months", expanding=True, type_=sa.Date())))
                .group_by(FollowUp.service_month))
_BY_SOURCE = (sa.select(FollowUp.source_kind, sa.func.count(FollowUp.id),
                        sa.func.sum(sa.case((FollowUp.state == UNREACHABLE, 1), else_=0)),
                        sa.func.count(FeedbackForm.id), sa.func.sum(_POINTS))
              .outerjoin(FeedbackForm, _FORM)
              .where(FollowUp.store_id == sa.bindparam("store_id"),
                     FollowUp.service_month == sa.bindparam("month", type_=sa.Date()))
              .group_by(FollowUp.source_kind))
_COMPLAINTS = sa.select(sa.func.count(Complaint.id)).where(  # a suggestion (建议) is not a complaint
    Complaint.store_id == sa.bindparam("store_id"),
    Complaint.received_at >= sa.bindparam("start", type_=Complaint.received_at.type),
    Complaint.received_at < sa.bindparam("end", type_=Complaint.received_at.type), Complaint.kind == COMPLAINT)
_VERSIONS = (sa.select(MonthAssessment)
             .where(MonthAssessment.store_id == sa.bindparam("store_id"),
                    MonthAssessment.month == sa.bindparam("month", type_=sa.Date()))
             .options(joinedload(MonthAssessment.signed_by)).order_by(MonthAssessment.version.desc()))


def month_sheet(store_id: int, month: date, *, actor: Actor) -> Sheet:
    """The store's month: live assessment, n and response rate, and its signed versions. Raises NotFound."""
    store = get_store(store_id, actor=actor)
    settings = settings_for(store_id)
    rules = Rules.of(settings)
    forms = month_forms(store_id, (month, previous_month(month)))
    start, end = month_bounds(store, month)
    complaints = db.session.scalar(_COMPLAINTS, {"store_id": store_id, "start": start, "end": end})
    sources = by_source(store_id, month)
    follow_ups, unreachable = sum(s.follow_ups for s in sources), sum(s.unreachable for s in sources)
    assessment = assess(forms[month], forms[previous_month(month)], int(complaints or 0), rules)
    versions = list(db.session.scalars(_VERSIONS, {"store_id": store_id, "month": month}))
    return Sheet(store=store, month=month, assessment=assessment, follow_ups=follow_ups, unreachable=unreachable,
                 response_rate_pct=round(100 * assessment.n / follow_ups) if follow_ups else None,
                 thin=assessment.n < settings.thin_month_minimum, minimum=settings.thin_month_minimum,
                 rules=rules, versions=versions,
                 changed_since_signed=bool(versions) and versions[0].figures != assessment.as_dict(),
                 sources=sources)


def sign_month(store_id: int, month: date, *, note: str, actor: Actor, now: datetime) -> MonthAssessment:
    """Sign the month's sheet off (CS): its figures are frozen as a version; a later correction is a new
    version, with its reason, and both are kept. Raises Forbidden, NotFound, AlreadySigned.
    """
    if CS_SUPERVISOR not in actor.roles:
        raise Forbidden()
    sheet = month_sheet(store_id, month, actor=actor)
    note = (note or "").strip()
    if sheet.versions and not note:
        raise AlreadySigned(field="note")
    version = MonthAssessment(store_id=store_id, month=month,
                              version=(sheet.versions[0].version + 1) if sheet.versions else 1,
                              figures=sheet.assessment.as_dict(), net_fen=sheet.assessment.net_fen, note=note[:300],
                              signed_by_id=actor.user_id, signed_at=now)
    db.session.add(version)
    db.session.flush()
    audit.record("month_signed", version, actor=actor, changes={
        "month": month.isoformat(), "version": version.version, "net_fen": version.net_fen, "note": note or None})
    db.session.commit()
    return version

