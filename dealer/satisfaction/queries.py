"""The read side of customer satisfaction: CS's call list, follow-ups, cases, complaints, disagreements.

Every query names its stores and says what it loads; lists stop at a LIMIT or are paged.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from dealer.actors import Actor
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
)

ROW_LOADS = (joinedload(FollowUp.customer), joinedload(FollowUp.vehicle), joinedload(FollowUp.store))


@dataclass(frozen=True)
class Call:
    """A call for CS to make: `purpose` follow_up (no form yet) or verification (a form drawn to check)."""

    follow_up: FollowUp
    purpose: str
    may_verify: bool  # the actor neither handled the order nor recorded its form


def call_list(store_ids: list[int], *, actor: Actor, limit: int = 200) -> list[Call]:
    """Owners who have not answered (soonest due first), then forms waiting for a verification call."""
    stmt = (sa.select(FollowUp, FeedbackForm.recorded_by_id)
            .outerjoin(FeedbackForm, sa.and_(FeedbackForm.follow_up_id == FollowUp.id,
                                             FeedbackForm.store_id == FollowUp.store_id))
            .where(FollowUp.store_id.in_(store_ids),
                   sa.or_(FollowUp.state == WAITING, FollowUp.verify_state == "pending"))
            .options(*ROW_LOADS).order_by(FollowUp.state.desc(), FollowUp.due_at, FollowUp.id).limit(limit))
    calls = []
    for follow_up, recorded_by in db.session.execute(stmt):
        purpose = "follow_up" if follow_up.state == WAITING else VERIFICATION
        calls.append(Call(follow_up, purpose, actor.user_id not in (follow_up.handled_by_id, recorded_by)))
    return calls


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
    return list(db.session.scalars(
        sa.select(SatisfactionCase).where(SatisfactionCase.store_id.in_(store_ids), SatisfactionCase.state == OPEN)
        .options(joinedload(SatisfactionCase.responsible))
        .order_by(SatisfactionCase.deadline_at, SatisfactionCase.id).limit(limit)))


def complaint_page(store_ids: list[int], *, open_only: bool = False, page: int = 1, per_page: int = 50):
    """A page of complaints, newest first, with the responsible person."""
    stmt = sa.select(Complaint).where(Complaint.store_id.in_(store_ids))
    if open_only:
        stmt = stmt.where(Complaint.state.not_in((RESOLVED, CLOSED)))
    stmt = stmt.options(joinedload(Complaint.responsible)).order_by(Complaint.received_at.desc(), Complaint.id.desc())
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


@dataclass(frozen=True)
class Disagreement:
    follow_up_id: int
    number: str
    form: tuple[int, int, int]
    call: tuple[int, int, int]


def disagreements(store_id: int, month: date, *, limit: int = 200) -> list[Disagreement]:
    """Forms whose verification call (reached) heard other grades than the form says: one query."""
    call = aliased(CallAttempt)
    rows = db.session.execute(
        sa.select(FollowUp.id, FollowUp.source_number, FeedbackForm.timeliness, FeedbackForm.quality,
                  FeedbackForm.attitude, call.timeliness, call.quality, call.attitude)
        .join(FeedbackForm, sa.and_(FeedbackForm.follow_up_id == FollowUp.id, FeedbackForm.store_id == FollowUp.store_id))
        .join(call, sa.and_(call.follow_up_id == FollowUp.id, call.store_id == FollowUp.store_id))
        .where(FollowUp.store_id == store_id, FollowUp.service_month == month, call.purpose == VERIFICATION,
               call.reached, sa.or_(call.timeliness != FeedbackForm.timeliness, call.quality != FeedbackForm.quality,
                                    call.attitude != FeedbackForm.attitude))
        .order_by(FollowUp.id).limit(limit))
    return [Disagreement(row[0], row[1], (row[2], row[3], row[4]), (row[5], row[6], row[7])) for row in rows]


def month_forms_list(store_id: int, month: date, *, limit: int = 2000) -> list[FollowUp]:
    """The month's answered follow-ups with their forms and vehicles (the sheet's detail and its export)."""
    return list(db.session.scalars(
        sa.select(FollowUp).join(FeedbackForm, sa.and_(FeedbackForm.follow_up_id == FollowUp.id,
                                                       FeedbackForm.store_id == FollowUp.store_id))
        .where(FollowUp.store_id == store_id, FollowUp.service_month == month)
        .options(joinedload(FollowUp.vehicle), joinedload(FollowUp.customer),
                 sa.orm.contains_eager(FollowUp.form))
        .order_by(FeedbackForm.submitted_at, FollowUp.id).limit(limit)))
