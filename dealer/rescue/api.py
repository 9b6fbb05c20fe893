"""/api/v1/rescue-calls and /api/v1/rescue-units: the hotline's calls and the store's units, for integrations."""
from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l

from dealer.access import current_actor, roles_required
from dealer.actors import MANAGER, RESCUE_DISPATCHER, SERVICE_ADVISOR
from dealer.api_base import ApiBlueprint
from dealer.database import utcnow
from dealer.errors import NotFound
from dealer.public_links import public_url
from dealer.rescue import queries, schemas, services
from dealer.rescue.errors import RescueError
from dealer.rescue.services import IntakeInput
from dealer.stores.services import visible_store_ids

DESK = (RESCUE_DISPATCHER, MANAGER)
CLAIM_STAFF = (RESCUE_DISPATCHER, MANAGER, SERVICE_ADVISOR)  # the tow-in order's advisor follows the claim too
GUARDS = ("told_emergency", "sent_to_12122", "handed_over")

calls_blp = ApiBlueprint("rescue_calls_api", __name__, url_prefix="/api/v1/rescue-calls",
                         description="24-hour rescue calls: intake, dispatch, their steps.")
units_blp = ApiBlueprint("rescue_units_api", __name__, url_prefix="/api/v1/rescue-units",
                         description="The store's rescue units: status and position.")


@calls_blp.route("", methods=["POST"])
@roles_required(*DESK)
@calls_blp.arguments(schemas.RescueCallInSchema)
@calls_blp.response(201, schemas.RescueCallDetailSchema)
def create_call(data):
    """Take a call (or update the call of the same `intake_key`)."""
    actor = current_actor()
    store_id = data.pop("store_id") or actor.store_id
    if store_id is None:
        raise RescueError(_l("Name the store of the call."), field="store_id")
    intake_key = data.pop("intake_key") or uuid.uuid4().hex
    return services.save_intake(intake_key, IntakeInput(**data), store_id=store_id, actor=actor, now=utcnow())


@calls_blp.route("", methods=["GET"])
@roles_required(*DESK)
@calls_blp.arguments(schemas.RescueOpenCallsArgs, location="query")
@calls_blp.response(200, schemas.RescueCallListSchema)
def list_open_calls(args):
    """The open calls, most urgent then oldest first."""
    return {"items": queries.open_calls(visible_store_ids(current_actor()), limit=args["limit"])}


@calls_blp.route("/<int:call_id>", methods=["GET"])
@roles_required(*DESK)
@calls_blp.response(200, schemas.RescueCallDetailSchema)
def get_call(call_id):
    """A call with its timeline."""
    return services.get_call(call_id, actor=current_actor())


@calls_blp.route("/<int:call_id>/dispatch", methods=["POST"])
@roles_required(*DESK)
@calls_blp.arguments(schemas.RescueDispatchInSchema)
@calls_blp.response(200, schemas.RescueDispatchOutSchema)
def dispatch(data, call_id):
    """Send a unit or a partner station (or re-dispatch, with a reason); the crew gets its link by SMS."""
    call, link = services.dispatch_call(call_id, responder=data["responder"], override_reason=data["override_reason"],
                                        actor=current_actor(), now=utcnow(),
                                        crew_link=lambda token: public_url("rescue.crew", token=token))
    return {"call": call, "crew_link": link}


@calls_blp.route("/<int:call_id>/status", methods=["POST"])
@roles_required(*DESK)
@calls_blp.arguments(schemas.RescueStatusInSchema)
@calls_blp.response(200, schemas.RescueCallDetailSchema)
def set_status(data, call_id):
    """Move the call on (idempotent), cancel it with a reason, or record a guard."""
    actor, now, state = current_actor(), utcnow(), data["state"]
    if state == "cancelled":
        services.cancel_call(call_id, reason=data["reason"], actor=actor, now=now)
    elif state in GUARDS:
        services.record_guard(call_id, state, actor=actor, now=now)
    else:
        services.advance_call(call_id, state, actor=actor, now=now)
    return services.get_call(call_id, actor=actor)


@units_blp.route("", methods=["GET"])
@roles_required(*DESK)
@units_blp.response(200, schemas.RescueUnitListSchema)
def list_units():
    """The store's active units with status and last position (WGS-84)."""
    return {"items": services.list_units(actor=current_actor())}


@units_blp.route("/<int:unit_id>/reports", methods=["POST"])
@roles_required(*DESK)
@units_blp.arguments(schemas.RescueUnitReportInSchema)
@units_blp.response(200, schemas.RescueUnitOutSchema)
def report_unit(data, unit_id):
    """Record a unit's position (converted to WGS-84) and/or shift status."""
    return services.report_unit(unit_id, actor=current_actor(), now=utcnow(), **data)


def _claim_out(call_id: int, claim) -> dict:
    if claim is None:
        raise NotFound()
    call = services.get_call(call_id, actor=current_actor())
    return {**{name: getattr(claim, name) for name in schemas.RescueClaimOutSchema().fields if name != "insurance_paid_fen"},
            "insurance_paid_fen": queries.insurance_paid_fen(call.repair_order_id, actor=current_actor())}


@calls_blp.route("/<int:call_id>/claim", methods=["GET"])
@roles_required(*CLAIM_STAFF)
@calls_blp.response(200, schemas.RescueClaimOutSchema)
def get_claim(call_id):
    """The accident call's insurance claim (代办理赔) with the tow-in order's insurance-paid total."""
    return _claim_out(call_id, services.claim_of(call_id, actor=current_actor()))


@calls_blp.route("/<int:call_id>/claim", methods=["PUT"])
@roles_required(*CLAIM_STAFF)
@calls_blp.arguments(schemas.RescueClaimInSchema)
@calls_blp.response(200, schemas.RescueClaimOutSchema)
def save_claim(data, call_id):
    """Report the accident call's claim (state reported), or correct its insurer details while it is open."""
    claim = services.save_claim(call_id, services.ClaimInput(**data), actor=current_actor(), now=utcnow())
    return _claim_out(call_id, claim)


@calls_blp.route("/<int:call_id>/claim/state", methods=["POST"])
@roles_required(*CLAIM_STAFF)
@calls_blp.arguments(schemas.RescueClaimStateInSchema)
@calls_blp.response(200, schemas.RescueClaimOutSchema)
def move_claim(data, call_id):
    """Move the claim one step on (idempotent: the step it is at changes nothing)."""
    claim = services.move_claim(call_id, data["state"], amount_fen=data["amount_fen"], reason=data["reason"],
                                actor=current_actor(), now=utcnow())
    return _claim_out(call_id, claim)
