"""Sending help and following it (派车、跟进): one unit per call, an idempotent timeline, cancel, re-dispatch."""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from dealer import audit
from dealer.actors import Actor
from dealer.extensions import db
from dealer.rescue.errors import GuardNotRecorded, RescueError, ResponderNotAvailable, WrongState
from dealer.rescue.models import (
    ACCEPTED,
    AVAILABLE,
    CANCELLED,
    COMPLETED,
    DISPATCHED,
    EN_ROUTE,
    ON_JOB,
    ON_SCENE,
    OPEN_STATES,
    RECEIVED,
    RELEASED,
    TOWING,
    RescueCall,
    RescueUnit,
)
from dealer.rescue.proposal import STATION, UNIT
from dealer.rescue.services.common import get_call, lock_call, record_event, require_state
from dealer.rescue.services.intake import ensure_customer
from dealer.rescue.services.settings import propose_for
from dealer.rescue.services.tow_in import try_tow_in
from dealer.rescue.signals import call_completed
from dealer.sms.outbox import enqueue
from dealer.stores.models import PartnerStation

CREW_LINK_HOURS = 12  # a crew link ends with its leg or its job, and in any case after this
# The steps a crew (or the dispatcher for them) moves a call through, each from the steps before it.
NEXT_STEPS = {EN_ROUTE: (DISPATCHED,), ON_SCENE: (DISPATCHED, EN_ROUTE), TOWING: (ON_SCENE,),
              COMPLETED: (ON_SCENE, TOWING)}
ORDER = (RECEIVED, DISPATCHED, EN_ROUTE, ON_SCENE, TOWING, COMPLETED)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_guards(call: RescueCall) -> None:
    """Refuse to send help before the injuries and expressway guards are recorded. Raises GuardNotRecorded."""
    if call.injuries and call.told_emergency_at is None:
        raise GuardNotRecorded(_l("Someone is hurt: tell the caller to call 120 (and 122) first, and record it."),
                               field="told_emergency")
    if call.on_expressway and call.sent_to_12122_at is None:
        raise GuardNotRecorded(_l("On an expressway the store may not tow: send the caller to the expressway "
                                  "rescue line 12122, and record it."), field="sent_to_12122")
    if call.on_expressway and call.handed_over_at is None:
        raise GuardNotRecorded(_l("The expressway rescue has the car: send help once it is handed over to us off "
                                  "the expressway."), field="handed_over")


def _release_unit(call: RescueCall) -> None:
    if call.unit_id is not None:
        db.session.execute(sa.update(RescueUnit).where(RescueUnit.store_id == call.store_id,
                                                       RescueUnit.id == call.unit_id,
                                                       RescueUnit.current_call_id == call.id)
                           .values(status=AVAILABLE, current_call_id=None))


def _take_unit(call: RescueCall, unit_id: int) -> None:
    """Assign the unit if it is still free: one conditional UPDATE, so of two calls racing for it one wins."""
    taken = db.session.execute(
        sa.update(RescueUnit).where(RescueUnit.store_id == call.store_id, RescueUnit.id == unit_id,
                                    RescueUnit.active, RescueUnit.status == AVAILABLE,
                                    RescueUnit.current_call_id.is_(None))
        .values(status=ON_JOB, current_call_id=call.id).execution_options(synchronize_session=False)).rowcount
    if taken != 1:
        raise ResponderNotAvailable(field="responder")


def dispatch_call(call_id: int, *, responder: str, override_reason: str = "", actor: Actor, now: datetime,
                  crew_link: Callable[[str], str]) -> tuple[RescueCall, str]:
    """Send a unit or a partner station (`responder` "unit:<id>" or "station:<id>") to the call.

    A responder other than the proposal's first needs a reason. A call already dispatched is re-dispatched
    (the unit failed): the reason is required, the old leg stays in the timeline and its crew link ends. The
    crew gets its link by SMS; the owner gets who is coming and the ETA. Returns the call and the crew link.
    Raises RescueError, WrongState, GuardNotRecorded, ResponderNotAvailable.
    """
    kind, _, ident = (responder or "").partition(":")
    if kind not in (UNIT, STATION) or not ident.isdigit() or not 0 < int(ident) < 2**31:
        raise RescueError(_l("Choose who to send."), field="responder")
    ensure_customer(call_id, actor=actor, now=now)  # commits the file of an unknown caller first
    call = lock_call(call_id, actor=actor)
    require_state(call, RECEIVED, DISPATCHED, EN_ROUTE)
    check_guards(call)
    override_reason = (override_reason or "").strip()
    proposal = propose_for(call, now)
    chosen = next((c for c in proposal if c.key == responder), None)
    redispatch = call.state != RECEIVED
    if redispatch and not override_reason:
        raise RescueError(_l("Say why the call goes to another responder."), field="override_reason")
    if (not proposal or proposal[0].key != responder) and not override_reason:
        raise RescueError(_l("This is not the first proposal: say why you send it instead."),
                          field="override_reason")
    target = _responder(call.store_id, kind, int(ident))
    if redispatch:
        record_event(call, RELEASED, now=now, actor=actor, reason=override_reason, unit_id=call.unit_id,
                     station_id=call.station_id)
        _release_unit(call)
    call.leg += 1
    if kind == UNIT:
        _take_unit(call, target.id)
    call.unit_id, call.station_id = (target.id, None) if kind == UNIT else (None, target.id)
    minutes = chosen.eta_minutes if chosen else None
    call.eta_at = now + timedelta(minutes=minutes) if minutes is not None else None
    call.eta_approximate = bool(chosen and chosen.approximate) or chosen is None
    call.state, call.dispatched_at = DISPATCHED, call.dispatched_at or now
    call.leg_dispatched_at, call.accepted_at, call.set_off_at = now, None, None
    # The estimate is kept to compare with the arrival (its error) and to learn from (dealer.rescue.eta).
    call.estimate_minutes = round(chosen.estimate, 2) if chosen and not chosen.approximate else None
    call.estimate_distance_km = round(chosen.distance_km, 3) if chosen and chosen.distance_km is not None else None
    call.estimate_kind = kind if chosen and not chosen.approximate else None
    call.estimate_band = chosen.band if chosen else None
    token = secrets.token_urlsafe(24)
    call.crew_token_hash, call.crew_token_expires_at = token_hash(token), now + timedelta(hours=CREW_LINK_HOURS)
    record_event(call, DISPATCHED, now=now, actor=actor, reason=override_reason, unit_id=call.unit_id,
                 station_id=call.station_id)
    link = crew_link(token)
    _notify(call, target, link=link, minutes=minutes, now=now)
    audit.record("rescue_dispatched", call, actor=actor, changes={"responder": responder, "reason": override_reason,
                                                                 "leg": call.leg})
    db.session.flush()
    call = get_call(call.id, actor=actor, read_back=True)
    db.session.commit()
    return call, link


def _responder(store_id: int, kind: str, ident: int):
    model = RescueUnit if kind == UNIT else PartnerStation
    found = db.session.scalar(sa.select(model).where(model.store_id == store_id, model.id == ident, model.active))
    if found is None:
        raise RescueError(_l("Choose who to send."), field="responder")
    return found


def _notify(call: RescueCall, target, *, link: str, minutes: int | None, now: datetime) -> None:
    """The crew's link to its phone; the owner who is coming, their phone and the ETA (service SMS, day or night)."""
    where = call.address or (f"{call.latitude_wgs84:.5f},{call.longitude_wgs84:.5f}" if call.has_position else "")
    enqueue("rescue_crew_link", store_id=call.store_id, phone=target.phone, now=now,
            params={"call": call.id, "address": where[:60] or "-", "link": link},
            dedupe_key=f"rescue-crew-{call.id}-{call.leg}")
    if call.customer is not None:
        enqueue("rescue_eta", store_id=call.store_id, phone=call.caller_phone, customer=call.customer,
                vehicle_id=call.vehicle_id, now=now, dedupe_key=f"rescue-eta-{call.id}-{call.leg}",
                params={"name": call.customer.name, "plate": call.plate or "-", "eta_minutes": minutes or "-",
                        "responder": target.name, "responder_phone": target.phone})


def move_call(call: RescueCall, to: str, *, now: datetime, actor: Actor | None = None, by: str = "",
              photo: str | None = None) -> bool:
    """Move a locked call one step on; False when it is there already or past it (a repeated tap, a retry).

    Raises WrongState for a step that does not follow (arrived before being sent, towing a closed call).
    """
    if to not in NEXT_STEPS:
        raise RescueError(_l("Unknown step."), field="state")
    if call.state == to or (call.state in ORDER and ORDER.index(call.state) > ORDER.index(to)
                            and call.state != CANCELLED):
        return False
    if call.state not in NEXT_STEPS[to]:
        raise WrongState()
    call.state = to
    if to == EN_ROUTE:
        call.set_off_at = now
        if call.station_id is not None and call.accepted_at is None:
            call.accepted_at = now  # a station that set off has accepted
    if to == ON_SCENE:
        call.arrived_at = now
    if to == COMPLETED:
        call.closed_at = now
        call.crew_token_hash = call.crew_token_expires_at = None
        _release_unit(call)
    record_event(call, to, now=now, actor=actor, by=by, photo=photo, unit_id=call.unit_id, station_id=call.station_id)
    if to == COMPLETED:
        call_completed.send(call, actor=actor, now=now)
    return True


def advance_call(call_id: int, to: str, *, actor: Actor, now: datetime) -> RescueCall:
    """The dispatcher moves the call on for the crew (they phoned in). Idempotent. Raises WrongState."""
    call = lock_call(call_id, actor=actor)
    if move_call(call, to, now=now, actor=actor):
        audit.record(f"rescue_{to}", call, actor=actor)
    db.session.flush()
    call = get_call(call.id, actor=actor, read_back=True)
    db.session.commit()
    return try_tow_in(call, actor=actor, now=now) if to == COMPLETED else call


def cancel_call(call_id: int, *, reason: str, actor: Actor, now: datetime) -> RescueCall:
    """Cancel an open call (the caller got going, a duplicate...), with why. Raises RescueError, WrongState."""
    reason = (reason or "").strip()
    if not reason:
        raise RescueError(_l("Say why the call is cancelled."), field="reason")
    call = lock_call(call_id, actor=actor)
    if call.state == CANCELLED:
        return call
    require_state(call, *OPEN_STATES)
    call.state, call.closed_at = CANCELLED, now
    call.crew_token_hash = call.crew_token_expires_at = None
    _release_unit(call)
    record_event(call, CANCELLED, now=now, actor=actor, reason=reason[:300])
    audit.record("rescue_cancelled", call, actor=actor, changes={"reason": reason[:300]})
    db.session.flush()
    call = get_call(call.id, actor=actor, read_back=True)
    db.session.commit()
    return call


def accept_job(call: RescueCall, *, now: datetime, by: str = "") -> bool:
    """A partner station accepts the job of a locked call (接单); False when it had already. Raises WrongState."""
    if call.station_id is None or call.state not in (DISPATCHED, EN_ROUTE, ON_SCENE, TOWING):
        raise WrongState()
    if call.accepted_at is not None:
        return False
    call.accepted_at = now
    record_event(call, ACCEPTED, now=now, by=by, station_id=call.station_id)
    return True
