"""Accident help (代办理赔): the claim section of an accident call, for the dispatcher and the tow-in's advisor."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from dealer.access import current_actor, roles_required
from dealer.actors import MANAGER, RESCUE_DISPATCHER, SERVICE_ADVISOR
from dealer.database import utcnow
from dealer.errors import DomainError
from dealer.money import parse_yuan
from dealer.rescue import bp, labels, queries, services
from dealer.rescue.forms import ClaimForm, ClaimStepForm

CLAIM_STAFF = (RESCUE_DISPATCHER, MANAGER, SERVICE_ADVISOR)


def claim_context(call) -> dict:
    """What the claim section shows: the claim, its forms and the tow-in order's insurance-paid total."""
    claim = services.claim_of(call.id, actor=current_actor())
    form = ClaimForm(obj=claim) if claim is not None else ClaimForm()
    return {"claim": claim, "claim_form": form, "claim_step_form": ClaimStepForm(),
            "insurance_fen": queries.insurance_paid_fen(call.repair_order_id, actor=current_actor()),
            "claim_labels": labels.CLAIM_STATE_LABELS}


@bp.route("/calls/<int:call_id>/claim")
@roles_required(*CLAIM_STAFF)
def claim(call_id):
    """The claim on its own page: where the tow-in order's advisor follows it."""
    call = services.get_call(call_id, actor=current_actor())
    return render_template("rescue/claim.html", call=call, labels=labels, **claim_context(call))


def _back(call_id):
    return redirect(url_for("rescue.claim", call_id=call_id))


@bp.route("/calls/<int:call_id>/claim", methods=["POST"])
@roles_required(*CLAIM_STAFF)
def save_claim(call_id):
    form = ClaimForm()
    if not form.validate():
        flash("; ".join(str(e) for e in sum(form.errors.values(), [])), "danger")
        return _back(call_id)
    try:
        services.save_claim(call_id, services.ClaimInput(insurer=form.insurer.data, report_number=form.report_number.data,
                                                         policy_number=form.policy_number.data or ""),
                            actor=current_actor(), now=utcnow())
    except DomainError as error:
        flash(str(error.message), "danger")
    else:
        flash(_("Saved."), "success")
    return _back(call_id)


@bp.route("/calls/<int:call_id>/claim/<state>", methods=["POST"])
@roles_required(*CLAIM_STAFF)
def move_claim(call_id, state):
    form = ClaimStepForm()
    if not form.validate():
        flash("; ".join(str(e) for e in sum(form.errors.values(), [])), "danger")
        return _back(call_id)
    try:
        amount = parse_yuan(form.amount.data) if form.amount.data else None
    except ValueError:
        amount = None
    try:
        services.move_claim(call_id, state, amount_fen=amount, reason=form.reason.data or "", actor=current_actor(),
                            now=utcnow())
    except DomainError as error:
        flash(str(error.message), "danger")
    else:
        flash(_("Recorded."), "success")
    return _back(call_id)
