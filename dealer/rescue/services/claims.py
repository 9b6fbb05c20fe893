"""Accident help (代办理赔): the insurance claim the store follows for an accident call, one per call.

reported (报案, with the insurer's report number) -> surveyed (查勘) -> approved (定损/核准, an amount) -> paid
(赔付, an amount); refused (拒赔, with the reason) while not paid. Each step keeps its time and who; asking for
the step a claim is already at changes nothing (a double tap), any other move is refused with what may come next.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from dealer import audit
from dealer.actors import Actor
from dealer.errors import NotFound
from dealer.extensions import db
from dealer.rescue.errors import ClaimWrongMove, RescueError
from dealer.rescue.labels import CLAIM_STATE_LABELS
from dealer.rescue.models import (
    ACCIDENT,
    CLAIM_APPROVED,
    CLAIM_MOVES,
    CLAIM_PAID,
    CLAIM_REFUSED,
    CLAIM_REPORTED,
    CLAIM_STATES,
    InsuranceClaim,
    RescueCall,
)
from dealer.rescue.services.common import lock_call
from dealer.stores.services import visible_store_ids

MAX_FEN = 100_000_000_00  # a hundred million yuan: beyond any car


@dataclass(frozen=True)
class ClaimInput:
    insurer: str             # 保险公司
    report_number: str       # 报案号
    policy_number: str = ""  # 保单号


def claim_of(call_id: int, *, actor: Actor) -> InsuranceClaim | None:
    """Return the claim of a call of the actor's stores, or None (one query)."""
    return db.session.scalars(sa.select(InsuranceClaim).where(
        InsuranceClaim.store_id.in_(visible_store_ids(actor)), InsuranceClaim.call_id == call_id)).one_or_none()


def _clean(text: str | None, limit: int) -> str:
    return " ".join((text or "").split())[:limit]


def _locked_claim(call: RescueCall) -> InsuranceClaim | None:
    return db.session.scalars(sa.select(InsuranceClaim).where(InsuranceClaim.store_id == call.store_id,
                                                              InsuranceClaim.call_id == call.id)
                              .with_for_update()).one_or_none()


def save_claim(call_id: int, data: ClaimInput, *, actor: Actor, now: datetime) -> InsuranceClaim:
    """Report the accident call's claim (state reported, now, by the actor), or correct its insurer, policy and
    report number while it is open. Raises NotFound, RescueError (not an accident, a field missing or the claim
    closed)."""
    call = lock_call(call_id, actor=actor)
    if call.fault_type != ACCIDENT:
        raise RescueError(_l("Only an accident call has an insurance claim."), field="insurer")
    insurer, report_number = _clean(data.insurer, 60), _clean(data.report_number, 40)
    if not insurer:
        raise RescueError(_l("Name the insurer."), field="insurer")
    if not report_number:
        raise RescueError(_l("Give the insurer's report number (报案号)."), field="report_number")
    claim = _locked_claim(call)
    details = {"insurer": insurer, "report_number": report_number,
               "policy_number": _clean(data.policy_number, 40)}
    if claim is None:
        claim = InsuranceClaim(store_id=call.store_id, call_id=call.id, state=CLAIM_REPORTED, reported_at=now,
                               reported_by=actor.name[:60], surveyed_by="", approved_by="", paid_by="",
                               refused_by="", refusal_reason="", **details)
        db.session.add(claim)
        db.session.flush()
        audit.record("rescue_claim_reported", claim, actor=actor, changes=details)
    else:
        if not claim.is_open:
            raise RescueError(_l("The claim is closed: it can no longer be changed."), field="insurer")
        changes = {name: value for name, value in details.items() if getattr(claim, name) != value}
        for name, value in changes.items():
            setattr(claim, name, value)
        if changes:
            audit.record("rescue_claim_changed", claim, actor=actor, changes=changes)
    db.session.commit()
    return claim


def move_claim(call_id: int, to: str, *, amount_fen: int | None = None, reason: str = "", actor: Actor,
               now: datetime) -> InsuranceClaim:
    """Move the call's claim one step on: approved and paid with their amount (fen), refused with the reason.
    The step it is already at changes nothing. Raises NotFound, ClaimWrongMove, RescueError."""
    call = lock_call(call_id, actor=actor)
    claim = _locked_claim(call)
    if claim is None or to not in CLAIM_STATES:
        raise NotFound()
    if claim.state == to:
        return claim  # a double tap, or a retry: one step
    if to not in CLAIM_MOVES[claim.state]:
        raise ClaimWrongMove(_l("The claim is %(state)s: it cannot become %(to)s.",
                                state=CLAIM_STATE_LABELS[claim.state], to=CLAIM_STATE_LABELS[to]), field="state")
    changes: dict = {"state": to}
    if to in (CLAIM_APPROVED, CLAIM_PAID):
        if amount_fen is None or not 0 <= amount_fen <= MAX_FEN:
            raise RescueError(_l("Give the amount in yuan, for example 3200.00."), field="amount")
        setattr(claim, f"{to}_fen", amount_fen)
        changes["amount_fen"] = amount_fen
    if to == CLAIM_REFUSED:
        reason = _clean(reason, 300)
        if not reason:
            raise RescueError(_l("Give the insurer's reason for refusing."), field="reason")
        claim.refusal_reason = reason
        changes["reason"] = reason
    claim.state = to
    setattr(claim, f"{to}_at", now)
    setattr(claim, f"{to}_by", actor.name[:60])
    audit.record("rescue_claim_moved", claim, actor=actor, changes=changes)
    db.session.commit()
    return claim


def open_claims_by_state(store_id: int) -> dict[str, int]:
    """How many of the store's claims wait at each open state (one grouped query)."""
    rows = db.session.execute(sa.select(InsuranceClaim.state, sa.func.count()).where(
        InsuranceClaim.store_id == store_id, InsuranceClaim.state.in_(tuple(k for k, v in CLAIM_MOVES.items() if v)))
        .group_by(InsuranceClaim.state)).all()
    return {state: int(n) for state, n in rows}
