"""The read side of customer satisfaction: CS's call list, follow-ups, cases, complaints, disagreements.

Every query names its stores and says what it loads; lists stop at a LIMIT or are paged.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from dealer.actors import TECHNICIAN, Actor
from dealer.auth.models import User, UserRole
from dealer.customers.models import Customer, Vehicle
from dealer.dialect import seconds_between
from dealer.extensions import db
from dealer.satisfaction.models import (
    CLOSED,
    OPEN,
    RESOLVED,
    VERIFICATION,
    WAITING,
    CallAttempt,
    Complaint,
    FeedbackForm,
    FollowUp,
    SatisfactionCase,
    SatisfactionSettings,
    SupervisionNote,
)

ROW_LOADS = (joinedload(FollowUp.customer), joinedload(FollowUp.vehicle), joinedload(FollowUp.store))


@dataclass(frozen=True, slots=True)
class CallFollowUp:
    """What a call list's row shows of its follow-up (read as columns: the list holds up to 200 of them)."""

    id: int
    store_id: int
    source_number: str
    state: str
    due_at: datetime
    tries: int
    plate: str | None
    owner: str
    mobile: str


@dataclass(frozen=True)
class Call:
    """A call for CS to make: `purpose` follow_up (no form yet) or verification (a form drawn to check)."""

    follow_up: CallFollowUp
    purpose: str
    may_verify: bool  # the actor neither handled the order nor recorded its form


def call_list(store_ids: list[int], *, actor: Actor, limit: int = 200) -> list[Call]:
    """Owners who have not answered (soonest due first), then forms waiting for a verification call.

    One statement: the first `limit` of each kind, each read in its index's order (`(store_id, state, due_at)`
    and the partial index of the pending verifications), then put in the list's order. A store keeps thousands
    of follow-ups waiting (links the owners never opened); filtering the store's follow-ups by "waiting or pending"
    and sorting them all read every follow-up of the store (20 ms at 50,000 a store). The rows are plain columns,
    with the owner's name and mobile and the plate, not follow-ups with their customer, vehicle and store objects.
    """
    calls = []
    for *shown, handled_by, recorded_by in db.session.execute(_call_list(limit), {"store_ids": store_ids}):
        follow_up = CallFollowUp(*shown)
        purpose = "follow_up" if follow_up.state == WAITING else VERIFICATION
        calls.append(Call(follow_up, purpose, actor.user_id not in (handled_by, recorded_by)))
    return calls


@functools.cache
def _call_list(limit: int):
    """`call_list`'s statement, built once for each limit (parameter: store_ids)."""
    store_ids = sa.bindparam("store_ids", expanding=True)
    waiting = (sa.select(FollowUp.id).where(FollowUp.store_id.in_(store_ids), FollowUp.state == WAITING)
               .order_by(FollowUp.due_at, FollowUp.id).limit(limit).subquery())
    pending = (sa.select(FollowUp.id).where(FollowUp.store_id.in_(store_ids), FollowUp.verify_state == "pending",
                                            FollowUp.state != WAITING)
               .order_by(FollowUp.state.desc(), FollowUp.due_at, FollowUp.id).limit(limit).subquery())
    chosen = sa.union_all(sa.select(waiting.c.id), sa.select(pending.c.id)).subquery()
    return (sa.select(FollowUp.id, FollowUp.store_id, FollowUp.source_number, FollowUp.state, FollowUp.due_at,
                      FollowUp.tries, Vehicle.plate, Customer.name, Customer.mobile, FollowUp.handled_by_id,
                      FeedbackForm.recorded_by_id)
            .join(chosen, chosen.c.id == FollowUp.id)
            .join(Customer, Customer.id == FollowUp.customer_id)
            .outerjoin(Vehicle, Vehicle.id == FollowUp.vehicle_id)
            .outerjoin(FeedbackForm, sa.and_(FeedbackForm.follow_up_id == FollowUp.id,
                                             FeedbackForm.store_id == FollowUp.store_id))
            .where(FollowUp.store_id.in_(store_ids))
            .order_by(FollowUp.state.desc(), FollowUp.due_at, FollowUp.id).limit(limit))


def follow_up_page(store_ids: list[int], *, state: str | None = None, month: date | None = None, page: int = 1,
                   per_page: int = 50):
    """A page of follow-ups, newest service first, with customer, vehicle and form."""
    stmt = sa.select(FollowUp).where(FollowUp.store_id.in_(store_ids))
    if state:
        stmt = stmt.where(FollowUp.state == state)
    if month:
        stmt = stmt.where(FollowUp.service_month == month)
    stmt = stmt.options(*ROW_LOADS, joinedload(FollowUp.form)).order_by(FollowUp.served_at.desc(), FollowUp.id.desc())
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def open_cases(store_ids: list[int], *, limit: int = 200) -> list[SatisfactionCase]:
    """Open cases, soonest deadline first, with the responsible manager."""
    return list(db.session.scalars(_open_cases(limit), {"store_ids": store_ids}))


@functools.cache
def _open_cases(limit: int):
    return (sa.select(SatisfactionCase)
            .where(SatisfactionCase.store_id.in_(sa.bindparam("store_ids", expanding=True)),
                   SatisfactionCase.state == OPEN)
            .options(joinedload(SatisfactionCase.responsible))
            .order_by(SatisfactionCase.deadline_at, SatisfactionCase.id).limit(limit))


def complaint_page(store_ids: list[int], *, open_only: bool = False, technician_id: int | None = None,
                   overdue_at: datetime | None = None, page: int = 1, per_page: int = 50):
    """A page of complaints, newest first, with the responsible person and the technician concerned (only those
    overdue at `overdue_at` when given)."""
    stmt = sa.select(Complaint).where(Complaint.store_id.in_(store_ids))
    if open_only:
        stmt = stmt.where(Complaint.state.not_in((RESOLVED, CLOSED)))
    if overdue_at is not None:
        stmt = stmt.where(Complaint.overdue_at(overdue_at))
    if technician_id is not None:
        stmt = stmt.where(Complaint.technician_id == technician_id)
    # A user's roles load by themselves (selectin): the list shows names only.
    stmt = stmt.options(joinedload(Complaint.responsible).raiseload(User.roles),
                        joinedload(Complaint.technician).raiseload(User.roles)).order_by(Complaint.received_at.desc(), Complaint.id.desc())
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def overdue_complaints(store_ids: list[int], now: datetime) -> int:
    """How many complaints of these stores are past their deadline, not resolved, their clock running (one count)."""
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(Complaint).where(
        Complaint.store_id.in_(store_ids), Complaint.overdue_at(now))))


def technicians_of(store_ids: list[int]) -> list[tuple[int, str, int]]:
    """The active technicians of these stores (a complaint names one): (user id, name, store id), by name."""
    rows = db.session.execute(
        sa.select(User.id, User.full_name, User.username, User.store_id).join(UserRole)
        .where(User.store_id.in_(store_ids), User.active.is_(True), UserRole.role == TECHNICIAN)
        .order_by(User.store_id, User.full_name, User.id)).all()
    return [(user_id, full_name or username, store_id) for user_id, full_name, username, store_id in rows]


def complaints_per_technician(store_ids: list[int], *, open_only: bool = False) -> list[tuple[int, str, int]]:
    """The technicians named by complaints (of these stores; open ones only if asked), most complaints first:
    (user id, name, complaints). One grouped query."""
    stmt = (sa.select(User.id, User.full_name, User.username, sa.func.count()).select_from(Complaint)
            .join(User, User.id == Complaint.technician_id)
            .where(Complaint.store_id.in_(store_ids), Complaint.technician_id.is_not(None)))
    if open_only:
        stmt = stmt.where(Complaint.state.not_in((RESOLVED, CLOSED)))
    rows = db.session.execute(stmt.group_by(User.id, User.full_name, User.username)
                              .order_by(sa.func.count().desc(), User.id)).all()
    return [(user_id, full_name or username, int(n)) for user_id, full_name, username, n in rows]


@dataclass(frozen=True)
class Disagreement:
    follow_up_id: int
    number: str
    form: tuple[int, int, int]
    call: tuple[int, int, int]


def disagreements(store_id: int, month: date, *, limit: int = 200) -> list[Disagreement]:
    """Forms whose verification call (reached) heard other grades than the form says: one query."""
    rows = db.session.execute(_disagreements(limit), {"store_id": store_id, "month": month})
    return [Disagreement(row[0], row[1], (row[2], row[3], row[4]), (row[5], row[6], row[7])) for row in rows]


@functools.cache
def _disagreements(limit: int):
    """`disagreements`' statement, built once for each limit (parameters: store_id, month)."""
    call = aliased(CallAttempt)
    return (sa.select(FollowUp.id, FollowUp.source_number, FeedbackForm.timeliness, FeedbackForm.quality,
                      FeedbackForm.attitude, call.timeliness, call.quality, call.attitude)
            .join(FeedbackForm, sa.and_(FeedbackForm.follow_up_id == FollowUp.id,
                                        FeedbackForm.store_id == FollowUp.store_id))
            .join(call, sa.and_(call.follow_up_id == FollowUp.id, call.store_id == FollowUp.store_id))
            .where(FollowUp.store_id == sa.bindparam("store_id"),
                   FollowUp.service_month == sa.bindparam("month", type_=sa.Date()), call.purpose == VERIFICATION,
                   call.reached, sa.or_(call.timeliness != FeedbackForm.timeliness,
                                        call.quality != FeedbackForm.quality, call.attitude != FeedbackForm.attitude))
            .order_by(FollowUp.id).limit(limit))


@dataclass(frozen=True, slots=True)
class MonthForm:
    """One answered follow-up of the month sheet: what the sheet and its Excel show of it, read as columns."""

    id: int
    source_number: str
    source_kind: str
    plate: str | None
    owner: str
    timeliness: int
    quality: int
    attitude: int
    comment: str
    channel: str
    submitted_at: datetime

    @property
    def points(self) -> int:
        return self.timeliness + self.quality + self.attitude


def month_forms_list(store_id: int, month: date, *, limit: int = 2000) -> list[MonthForm]:
    """The month's answered follow-ups with their forms, plates and owners (the sheet's detail and its export).

    Plain columns, not objects: a month holds a thousand forms or more, and the sheet shows eleven values of each
    (as objects with their customer and vehicle, the rows took most of the page's time).
    """
    rows = db.session.execute(_month_forms_list(limit), {"store_id": store_id, "month": month})
    return [MonthForm(*row) for row in rows]


@functools.cache
def _month_forms_list(limit: int):
    """`month_forms_list`'s statement, built once for each limit (parameters: store_id, month)."""
    return (sa.select(FollowUp.id, FollowUp.source_number, FollowUp.source_kind, Vehicle.plate, Customer.name,
                      FeedbackForm.timeliness, FeedbackForm.quality, FeedbackForm.attitude, FeedbackForm.comment,
                      FeedbackForm.channel, FeedbackForm.submitted_at)
            .join(FeedbackForm, sa.and_(FeedbackForm.follow_up_id == FollowUp.id,
                                        FeedbackForm.store_id == FollowUp.store_id))
            .join(Customer, Customer.id == FollowUp.customer_id)
            .outerjoin(Vehicle, Vehicle.id == FollowUp.vehicle_id)
            .where(FollowUp.store_id == sa.bindparam("store_id"),
                   FollowUp.service_month == sa.bindparam("month", type_=sa.Date()))
            .order_by(FeedbackForm.submitted_at, FollowUp.id).limit(limit))


@dataclass(frozen=True)
class TopMarks:
    """An advisor whose forms are all top marks, many filled on the spot: for CS to check (满分 asked for)."""

    store_id: int
    advisor_id: int
    advisor: str
    forms: int
    on_the_spot: int

    @property
    def on_the_spot_pct(self) -> int:
        return round(100 * self.on_the_spot / self.forms)


TOP_MARKS_DAYS = 30


def top_marks_flags(store_ids: list[int], *, now: datetime) -> list[TopMarks]:
    """Advisors whose forms of the last 30 days are all top marks (every item 2), at least the store's minimum of
    them, with the store's share or more filled within its minutes of the hand-over. One grouped query."""
    since = now - timedelta(days=TOP_MARKS_DAYS)
    first_month = (since - timedelta(days=1)).date().replace(day=1)  # local months start up to a day apart
    rows = db.session.execute(_top_marks(), {"store_ids": store_ids, "since": since, "first_month": first_month})
    flags = []
    for store_id, advisor_id, full_name, username, forms, tops, spot, minimum, share in rows:
        if forms >= minimum and tops == forms and 100 * (spot or 0) >= share * forms:
            flags.append(TopMarks(store_id, advisor_id, full_name or username, int(forms), int(spot or 0)))
    return flags


@functools.cache
def _top_marks():
    """`top_marks_flags`' statement, built once (parameters: store_ids, since, first_month)."""
    settings = sa.orm.aliased(SatisfactionSettings)
    minutes = sa.func.coalesce(settings.on_the_spot_minutes, 30)
    on_the_spot = seconds_between(FeedbackForm.submitted_at, FollowUp.served_at) <= minutes * 60
    top = sa.and_(FeedbackForm.timeliness == 2, FeedbackForm.quality == 2, FeedbackForm.attitude == 2)
    return (sa.select(FollowUp.store_id, FollowUp.handled_by_id, User.full_name, User.username,
                      sa.func.count(FeedbackForm.id),
                      sa.func.sum(sa.case((top, 1), else_=0)), sa.func.sum(sa.case((on_the_spot, 1), else_=0)),
                      sa.func.coalesce(settings.top_marks_min_forms, 5),
                      sa.func.coalesce(settings.on_the_spot_share_pct, 50))
            .join(FeedbackForm, sa.and_(FeedbackForm.follow_up_id == FollowUp.id,
                                        FeedbackForm.store_id == FollowUp.store_id))
            .join(User, User.id == FollowUp.handled_by_id)
            .outerjoin(settings, settings.store_id == FollowUp.store_id)
            .where(FollowUp.store_id.in_(sa.bindparam("store_ids", expanding=True)),
                   FollowUp.service_month >= sa.bindparam("first_month", type_=sa.Date()),
                   FollowUp.served_at >= sa.bindparam("since", type_=FollowUp.served_at.type))
            .group_by(FollowUp.store_id, FollowUp.handled_by_id, User.full_name, User.username,
                      settings.top_marks_min_forms, settings.on_the_spot_share_pct)
            .order_by(FollowUp.store_id, User.username))


def note_page(store_ids: list[int], *, kind: str | None = None, page: int = 1, per_page: int = 50):
    """A page of supervision notes, newest day first, with who recorded them and whom they concern."""
    stmt = sa.select(SupervisionNote).where(SupervisionNote.store_id.in_(store_ids))
    if kind:
        stmt = stmt.where(SupervisionNote.kind == kind)
    stmt = (stmt.options(joinedload(SupervisionNote.concerns), joinedload(SupervisionNote.recorded_by))
            .order_by(SupervisionNote.noted_on.desc(), SupervisionNote.id.desc()))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)
