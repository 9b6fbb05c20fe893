"""The dispatcher's pages: the board, the intake screen (autosaved), a call, the units."""
from __future__ import annotations

import uuid

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from dealer.access import current_actor, roles_required
from dealer.actors import MANAGER, RESCUE_DISPATCHER
from dealer.database import utcnow
from dealer.errors import DomainError
from dealer.forms import managed_store_id, put_error_on_form
from dealer.inputs import whole_number
from dealer.public_links import public_url
from dealer.rescue import bp, labels, queries, services
from dealer.rescue.forms import (
    CAPABILITY_LABELS,
    DRIVABLE,
    DispatchForm,
    IntakeForm,
    PlateForm,
    ReasonForm,
    UnitForm,
    degrees,
)
from dealer.rescue.models import ACCIDENT
from dealer.rescue.services import IntakeInput, UnitInput
from dealer.rescue.views.claims import claim_context
from dealer.stores.services import store_scope

DESK = (RESCUE_DISPATCHER, MANAGER)


def _labels() -> dict:
    return {"labels": labels, "capability_labels": CAPABILITY_LABELS}


@bp.route("/")
@roles_required(*DESK)
def board():
    scope = store_scope(current_actor(), request.args.get("store"))
    found = queries.board(scope.store_ids)
    return render_template("rescue/board.html", board=found, board_map=queries.board_map(found), now=utcnow(),
                           scope=scope, **_labels())


@bp.route("/live")
@roles_required(*DESK)
def board_live():
    """The board's body, which the board page fetches again every few seconds (htmx polling)."""
    scope = store_scope(current_actor(), request.args.get("store"))
    found = queries.board(scope.store_ids)
    return render_template("rescue/_board.html", board=found, board_map=queries.board_map(found), now=utcnow(),
                           scope=scope, **_labels())


@bp.route("/calls/new")
@roles_required(*DESK)
def new_call():
    form = IntakeForm(intake_key=uuid.uuid4().hex)
    return render_template("rescue/call.html", form=form, call=None, store_id=managed_store_id(), **_labels())


def _intake_input(form: IntakeForm) -> IntakeInput:
    return IntakeInput(
        caller_phone=form.caller_phone.data or "", caller_name=form.caller_name.data or "", plate=form.plate.data or "",
        vehicle_id=whole_number(form.vehicle_id.data), address=form.address.data or "",
        latitude=degrees(form.latitude.data), longitude=degrees(form.longitude.data),
        coordinate_system=form.coordinate_system.data, area=form.area.data, fault_type=form.fault_type.data or None,
        concern=form.concern.data or "", drivable={"yes": True, "no": False}.get(form.drivable.data),
        tow_needed=form.tow_needed.data, needs_flatbed=form.needs_flatbed.data, injuries=form.injuries.data,
        on_expressway=form.on_expressway.data, children_waiting=form.children_waiting.data,
        ev_low_charge=form.ev_low_charge.data)


@bp.route("/intake", methods=["POST"])
@roles_required(*DESK)
def autosave():
    """Save the intake screen (every field, as it is typed). Answers the status line and the panels it changes."""
    form = IntakeForm()
    store_id = managed_store_id()
    if not form.validate():
        return render_template("rescue/_intake_status.html", form=form, call=None, error=None)
    if not (form.caller_phone.data or "").strip():
        return render_template("rescue/_intake_status.html", form=form, call=None,
                               error=_("Type the caller's phone number: the call is saved from then on."))
    try:
        call = services.save_intake(form.intake_key.data, _intake_input(form), store_id=store_id,
                                    actor=current_actor(), now=utcnow())
    except DomainError as error:
        return render_template("rescue/_intake_status.html", form=form, call=None, error=error.message)
    customer_changed = (form.shown_customer.data or "") != str(call.customer_id or "")
    return render_template("rescue/_intake_saved.html", form=form, call=call, now=utcnow(),
                           customer_changed=customer_changed,
                           proposal=queries.proposal_for(call, utcnow()), dispatch_form=DispatchForm(), **_labels())


def _call_form(call) -> IntakeForm:
    drivable = {True: "yes", False: "no"}.get(call.drivable, "")
    form = IntakeForm(data={"intake_key": call.intake_key, "caller_phone": call.caller_phone,
                            "caller_name": call.caller_name, "plate": call.plate, "vehicle_id": call.vehicle_id,
                            "address": call.address, "coordinate_system": "wgs84", "area": call.area,
                            "fault_type": call.fault_type or "", "concern": call.concern, "drivable": drivable,
                            "latitude": f"{call.latitude_wgs84:.6f}" if call.has_position else "",
                            "longitude": f"{call.longitude_wgs84:.6f}" if call.has_position else "",
                            **{name: getattr(call, name) for name in (
                                "tow_needed", "needs_flatbed", "injuries", "on_expressway", "children_waiting",
                                "ev_low_charge")}})
    return form


@bp.route("/calls/<int:call_id>")
@roles_required(*DESK)
def show_call(call_id):
    call = services.get_call(call_id, actor=current_actor())
    now = utcnow()
    proposal = queries.proposal_for(call, now) if call.state in ("received", "dispatched", "en_route") else []
    settings = services.settings_of(call.store_id)
    return render_template("rescue/call.html", call=call, form=_call_form(call), store_id=call.store_id, now=now,
                           proposal=proposal, dispatch_form=DispatchForm(), reason_form=ReasonForm(),
                           plate_form=PlateForm(), settings=settings,
                           clock=queries.clock(call, now, settings), drivable=DRIVABLE, **_labels(),
                           **(claim_context(call) if call.fault_type == ACCIDENT else {}))


def _back(call_id):
    return redirect(url_for("rescue.show_call", call_id=call_id))


@bp.route("/calls/<int:call_id>/guards/<guard>", methods=["POST"])
@roles_required(*DESK)
def record_guard(call_id, guard):
    call = services.record_guard(call_id, guard, actor=current_actor(), now=utcnow())
    if request.headers.get("HX-Request"):
        return render_template("rescue/_guards.html", call=call)
    return _back(call_id)


@bp.route("/calls/<int:call_id>/dispatch", methods=["POST"])
@roles_required(*DESK)
def dispatch(call_id):
    form = DispatchForm()
    if not form.validate():
        flash("; ".join(sum(form.errors.values(), [])), "danger")
        return _back(call_id)
    try:
        call, link = services.dispatch_call(
            call_id, responder=form.responder.data, override_reason=form.override_reason.data or "",
            actor=current_actor(), now=utcnow(), crew_link=lambda token: public_url("rescue.crew", token=token))
    except DomainError as error:
        flash(str(error.message), "danger")
        return _back(call_id)
    who = call.unit.name if call.unit is not None else call.station.name
    flash(_("%(who)s is on the job. Their link was sent by SMS: %(link)s", who=who, link=link), "success")
    return _back(call_id)


@bp.route("/calls/<int:call_id>/steps/<step>", methods=["POST"])
@roles_required(*DESK)
def step(call_id, step):
    services.advance_call(call_id, step, actor=current_actor(), now=utcnow())
    return _back(call_id)


@bp.route("/calls/<int:call_id>/cancel", methods=["POST"])
@roles_required(*DESK)
def cancel(call_id):
    form = ReasonForm()
    if form.validate():
        services.cancel_call(call_id, reason=form.reason.data, actor=current_actor(), now=utcnow())
        flash(_("The call was cancelled."), "success")
    else:
        flash("; ".join(sum(form.errors.values(), [])), "danger")
    return _back(call_id)


@bp.route("/calls/<int:call_id>/tow-in", methods=["POST"])
@roles_required(*DESK)
def tow_in(call_id):
    services.open_tow_in_order(call_id, actor=current_actor(), now=utcnow())
    return _back(call_id)


@bp.route("/calls/<int:call_id>/vehicle", methods=["POST"])
@roles_required(*DESK)
def link_vehicle(call_id):
    form = PlateForm()
    if form.validate():
        services.link_vehicle(call_id, plate=form.plate.data, actor=current_actor())
    else:
        flash("; ".join(sum(form.errors.values(), [])), "danger")
    return _back(call_id)


@bp.route("/calls/<int:call_id>/photos/<int:event_id>")
@roles_required(*DESK)
def photo(call_id, event_id):
    call = services.get_call(call_id, actor=current_actor())
    event = next((e for e in call.events if e.id == event_id and e.photo), None)
    if event is None:
        abort(404)
    path = services.photo_path(_upload_folder(), call.store_id, event.photo)
    if not path.is_file():
        abort(404)
    return send_file(path, max_age=3600)


@bp.route("/calls/<int:call_id>/signature")
@roles_required(*DESK)
def signature(call_id):
    """The owner's signature at hand-over (a PNG the crew's page sent)."""
    call = services.get_call(call_id, actor=current_actor())
    path = services.photo_path(_upload_folder(), call.store_id, call.signature) if call.signature else None
    if path is None or not path.is_file():
        abort(404)
    return send_file(path, mimetype="image/png", max_age=3600)


def _upload_folder() -> str:
    return current_app.config["UPLOAD_FOLDER"]


@bp.route("/units", methods=["GET", "POST"])
@roles_required(*DESK)
def units():
    store_id = managed_store_id()
    form = UnitForm()
    if form.validate_on_submit():
        try:
            services.create_unit(store_id, UnitInput(name=form.name.data, phone=form.phone.data, kind=form.kind.data,
                                                     crew=form.crew.data or "", capabilities=form.capabilities.data),
                                 actor=current_actor())
        except DomainError as error:
            put_error_on_form(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("rescue.units", store=store_id))
    return render_template("rescue/units.html", form=form, store_id=store_id,
                           units=services.list_units(actor=current_actor(), store_ids=[store_id]), **_labels())


@bp.route("/units/<int:unit_id>/status/<status>", methods=["POST"])
@roles_required(*DESK)
def unit_status(unit_id, status):
    unit = services.report_unit(unit_id, status=status, actor=current_actor(), now=utcnow())
    return redirect(url_for("rescue.units", store=unit.store_id))
