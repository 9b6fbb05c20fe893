"""Follow-ups (回访): opened when a service ends, the owner's form by SMS link, CS's calls, the cases they open."""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from dealer import audit
from dealer.actors import CS_SUPERVISOR, MANAGER, Actor
from dealer.auth.models import User, UserRole
from dealer.errors import Forbidden, NotFound
from dealer.extensions import db
from dealer.satisfaction import rollup
from dealer.satisfaction.errors import FollowUpClosed, InvalidInput, LinkExpired, NotTheVerifier
from dealer.satisfaction.models import (
    ANSWERED,
    BY_LINK,
    BY_PHONE,
    CASE_COMMENT,
    CASE_LOW_GRADE,
    CLOSED,
    FOLLOW_UP_CALL,
    MAX_TRIES,
    OPEN,
    UNREACHABLE,
    VERIFICATION,
    WAITING,
    CallAttempt,
    FeedbackForm,
    FollowUp,
    SatisfactionCase,
    SatisfactionSettings,
)
from dealer.sms.outbox import enqueue
from dealer.stores.models import Store
from dealer.stores.services import visible_store_ids

# Verification (抽查核实) of a form: not drawn, to call, done, or the owner could not be reached.
VERIFY_NONE = "none"
VERIFY_PENDING = "pending"
VERIFY_DONE = "done"
VERIFY_UNREACHABLE = "unreachable"

FOLLOW_UP_LOADS = (joinedload(FollowUp.customer), joinedload(FollowUp.vehicle), joinedload(FollowUp.handled_by),
                   joinedload(FollowUp.store), selectinload(FollowUp.form).joinedload(FeedbackForm.recorded_by),
                   selectinload(FollowUp.calls).joinedload(CallAttempt.called_by),
                   selectinload(FollowUp.cases).joinedload(SatisfactionCase.responsible))


@dataclass(frozen=True)
class Grades:
    """The three items' points, each -2..2 (A..E): timeliness 服务及时性, quality 维修质量, attitude 服务态度."""

    timeliness: int
    quality: int
    attitude: int

    def check(self) -> None:
        for name in ("timeliness", "quality", "attitude"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not -2 <= value <= 2:
                raise InvalidInput(_l("Choose a grade from A to E."), field=name)


@dataclass(frozen=True)
class FormInput:
    grades: Grades
    comment: str = ""
    may_call: bool = True


@dataclass(frozen=True)
class CallInput:
    purpose: str
    reached: bool
    grades: Grades | None = None
    comment: str = ""
    may_call: bool = True
    note: str = ""


def settings_for(store_id: int) -> SatisfactionSettings:
    """The store's settings, or the defaults (not saved) when it has never set them."""
    settings = db.session.get(SatisfactionSettings, store_id)
    if settings is None:
        settings = SatisfactionSettings(store_id=store_id)
        for column in SatisfactionSettings.__table__.columns:
            if getattr(settings, column.key) is None and column.default is not None:
                setattr(settings, column.key, column.default.arg)
    return settings


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


# -- opening (a handler calls it inside the delivering service's transaction) -----------------------------

def open_follow_up(*, store_id: int, source_kind: str, source_ref: int, source_number: str, customer, vehicle,
                   handled_by_id: int | None, now: datetime, link_base: str) -> FollowUp:
    """Open the follow-up of one finished service and queue the owner's SMS with its link; never commits.

    The link carries a random token (only its SHA-256 is kept) and expires with the store's link days. The
    same service opens one follow-up however often it is announced.
    """
    existing = db.session.scalar(sa.select(FollowUp).where(
        FollowUp.store_id == store_id, FollowUp.source_kind == source_kind, FollowUp.source_ref == source_ref))
    if existing is not None:
        return existing
    settings = settings_for(store_id)
    store = db.session.get(Store, store_id)
    token = secrets.token_urlsafe(18)
    follow_up = FollowUp(
        store_id=store_id, source_kind=source_kind, source_ref=source_ref, source_number=source_number,
        customer_id=customer.id, vehicle_id=vehicle.id if vehicle is not None else None,
        handled_by_id=handled_by_id, served_at=now, service_month=store.local_date(now).replace(day=1),
        due_at=now + timedelta(days=settings.follow_up_days), token_hash=token_hash(token),
        link_expires_at=now + timedelta(days=settings.link_valid_days), state=WAITING, tries=0,
        verify_state=VERIFY_NONE, created_at=now)
    db.session.add(follow_up)
    db.session.flush()
    enqueue("feedback_link", store_id=store_id, phone=customer.mobile, customer=customer,
            vehicle_id=follow_up.vehicle_id, dedupe_key=f"feedback_link:{follow_up.id}",
            params={"name": customer.name, "plate": vehicle.plate if vehicle is not None else "",
                    "link": f"{link_base.rstrip('/')}/f/{token}"},
            now=now, expires_at=follow_up.link_expires_at)
    return follow_up


# -- the owner's form, from the link ----------------------------------------------------------------------

def follow_up_by_token(token: str, *, now: datetime) -> FollowUp:
    """The follow-up of a link, with its form. Raises NotFound (no such link), LinkExpired."""
    if not token or len(token) > 64:
        raise NotFound()
    follow_up = db.session.scalar(sa.select(FollowUp).where(FollowUp.token_hash == token_hash(token)).options(
        joinedload(FollowUp.store), joinedload(FollowUp.vehicle), selectinload(FollowUp.form)))
    if follow_up is None:
        raise NotFound()
    if follow_up.form is None and (now > follow_up.link_expires_at or follow_up.state != WAITING):
        raise LinkExpired()
    return follow_up


def submit_feedback(token: str, form: FormInput, *, now: datetime) -> FeedbackForm:
    """Record the owner's form from the link; a repeat submission changes nothing and returns the same form.

    Raises NotFound, LinkExpired, InvalidInput.
    """
    follow_up = follow_up_by_token(token, now=now)
    if follow_up.form is not None:
        return follow_up.form
    _check_form(form)
    follow_up = _lock(follow_up.id)
    if follow_up.form is not None:  # the same owner, twice at once: the first one counts
        return follow_up.form
    settings = settings_for(follow_up.store_id)
    record = _add_form(follow_up, form, channel=BY_LINK, actor=None, now=now, settings=settings)
    if secrets.randbelow(100) < settings.verify_share_pct:
        follow_up.verify_state = VERIFY_PENDING
    db.session.commit()
    return record


def _check_form(form: FormInput) -> None:
    form.grades.check()
    if len(form.comment or "") > 500:
        raise InvalidInput(_l("At most %(n)d characters.", n=500), field="comment")


def _lock(follow_up_id: int) -> FollowUp:
    db.session.execute(sa.select(FollowUp.id).where(FollowUp.id == follow_up_id).with_for_update())
    return db.session.scalars(sa.select(FollowUp).where(FollowUp.id == follow_up_id).options(*FOLLOW_UP_LOADS)
                              .execution_options(populate_existing=True)).one()


def _add_form(follow_up: FollowUp, form: FormInput, *, channel: str, actor: Actor | None, now: datetime,
              settings: SatisfactionSettings) -> FeedbackForm:
    record = FeedbackForm(store_id=follow_up.store_id, follow_up_id=follow_up.id,
                          timeliness=form.grades.timeliness, quality=form.grades.quality,
                          attitude=form.grades.attitude, comment=(form.comment or "").strip(),
                          may_call=bool(form.may_call), channel=channel,
                          recorded_by_id=actor.user_id if actor else None, submitted_at=now)
    db.session.add(record)
    follow_up.state = ANSWERED
    follow_up.closed_at = now
    follow_up.answered_at, follow_up.points = now, record.points  # what the five assurances count, kept once
    db.session.flush()
    _open_case_if_needed(follow_up, record, settings=settings, now=now)
    rollup.follow_ups_changed(follow_up.store, follow_up.service_month, now=now)  # a form after its month closed
    return record


def case_reason(record: FeedbackForm, words: str) -> tuple[str, str] | None:
    """Why a form opens a case: a D or E, or a word of the store's list in the comment (返修, 没修好 ...)."""
    low = [name for name in ("timeliness", "quality", "attitude") if getattr(record, name) <= -1]
    if low:
        return CASE_LOW_GRADE, ",".join(low)
    for word in (w.strip() for w in re.split(r"[,，、\s]+", words or "")):
        if word and word in (record.comment or ""):
            return CASE_COMMENT, word
    return None


def _open_case_if_needed(follow_up: FollowUp, record: FeedbackForm, *, settings, now: datetime) -> None:
    reason = case_reason(record, settings.case_words)
    if reason is None:
        return
    responsible = db.session.scalar(
        sa.select(User.id).join(UserRole, UserRole.user_id == User.id)
        .where(User.store_id == follow_up.store_id, User.active, UserRole.role == MANAGER).order_by(User.id).limit(1))
    case = SatisfactionCase(store_id=follow_up.store_id, follow_up_id=follow_up.id, form_id=record.id,
                            reason=reason[0], detail=reason[1][:200], responsible_id=responsible,
                            deadline_at=now + timedelta(days=settings.case_days), state=OPEN, opened_at=now)
    db.session.add(case)


# -- CS's calls -------------------------------------------------------------------------------------------

def get_follow_up(follow_up_id: int, *, actor: Actor) -> FollowUp:
    """A follow-up of the actor's stores with its customer, vehicle, form, calls and cases. Raises NotFound."""
    follow_up = db.session.scalar(sa.select(FollowUp).where(
        FollowUp.id == follow_up_id, FollowUp.store_id.in_(visible_store_ids(actor))).options(*FOLLOW_UP_LOADS))
    if follow_up is None:
        raise NotFound()
    return follow_up


def record_call(follow_up_id: int, call: CallInput, *, actor: Actor, now: datetime) -> CallAttempt:
    """Record one call by CS. A reached follow-up call records the form by phone; the third failed try closes
    the follow-up as unreachable. A verification call is made by CS other than whoever handled the order or
    recorded its form. Raises Forbidden, NotFound, FollowUpClosed, NotTheVerifier, InvalidInput.
    """
    if CS_SUPERVISOR not in actor.roles:
        raise Forbidden()
    follow_up = get_follow_up(follow_up_id, actor=actor)
    follow_up = _lock(follow_up.id)
    if call.purpose == FOLLOW_UP_CALL and follow_up.state != WAITING:
        raise FollowUpClosed()
    if call.purpose == VERIFICATION:
        if follow_up.form is None or follow_up.verify_state != VERIFY_PENDING:
            raise FollowUpClosed(_l("This form is not waiting for a verification call."))
        if actor.user_id in (follow_up.handled_by_id, follow_up.form.recorded_by_id):
            raise NotTheVerifier()
    if call.reached:
        if call.grades is None:
            raise InvalidInput(_l("Choose a grade from A to E."), field="timeliness")
        _check_form(FormInput(call.grades, call.comment, call.may_call))
    grades = call.grades if call.reached else None
    attempt = CallAttempt(store_id=follow_up.store_id, follow_up_id=follow_up.id, purpose=call.purpose,
                          reached=call.reached, timeliness=grades.timeliness if grades else None,
                          quality=grades.quality if grades else None, attitude=grades.attitude if grades else None,
                          note=(call.note or "").strip()[:500], called_by_id=actor.user_id, called_at=now)
    db.session.add(attempt)
    tries = 1 + sum(1 for c in follow_up.calls if c.purpose == call.purpose and not c.reached)
    if call.purpose == FOLLOW_UP_CALL:
        if call.reached:
            _add_form(follow_up, FormInput(call.grades, call.comment, call.may_call), channel=BY_PHONE, actor=actor,
                      now=now, settings=settings_for(follow_up.store_id))
        else:
            follow_up.tries = tries
            if tries >= MAX_TRIES:
                follow_up.state, follow_up.closed_at = UNREACHABLE, now
    elif call.reached:
        follow_up.verify_state, follow_up.verified_at = VERIFY_DONE, now
    elif tries >= MAX_TRIES:
        follow_up.verify_state, follow_up.verified_at = VERIFY_UNREACHABLE, now
    audit.record("follow_up_call", follow_up, actor=actor, changes={
        "purpose": call.purpose, "reached": call.reached, "state": follow_up.state})
    db.session.commit()
    return attempt


def close_case(case_id: int, *, outcome: str, actor: Actor, now: datetime) -> SatisfactionCase:
    """Record a case's outcome (its responsible manager, or CS). Raises NotFound, InvalidInput, FollowUpClosed."""
    case = db.session.scalar(sa.select(SatisfactionCase).where(
        SatisfactionCase.id == case_id, SatisfactionCase.store_id.in_(visible_store_ids(actor))).with_for_update())
    if case is None:
        raise NotFound()
    if case.state != OPEN:
        raise FollowUpClosed(_l("This case is closed already."))
    outcome = (outcome or "").strip()
    if not outcome:
        raise InvalidInput(_l("Say what was done."), field="outcome")
    case.state, case.outcome, case.closed_at, case.closed_by_id = CLOSED, outcome[:500], now, actor.user_id
    # The month's open cases (修后安心) change: its roll-up is no longer read.
    rollup.follow_ups_changed(db.session.get(Store, case.store_id), db.session.scalar(
        sa.select(FollowUp.service_month).where(FollowUp.id == case.follow_up_id,
                                                FollowUp.store_id == case.store_id)), now=now)
    audit.record("satisfaction_case_closed", case, actor=actor, changes={"outcome": case.outcome})
    db.session.commit()
    return case
