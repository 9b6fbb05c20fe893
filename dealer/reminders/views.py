import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from dealer.access import current_actor, roles_required
from dealer.actors import CUSTOMER_WRITERS, MANAGER, SERVICE_ADVISOR
from dealer.database import utcnow
from dealer.errors import DomainError
from dealer.extensions import db
from dealer.forms import managed_store_id, page_arg, put_error_on_form
from dealer.reminders import bp, services
from dealer.reminders.forms import (
    KIND_LABELS,
    STATE_LABELS,
    InspectionForm,
    InsuranceForm,
    IntervalForm,
    MaintenanceForm,
    MarkForm,
    OptOutForm,
)
from dealer.reminders.models import MaintenanceInterval
from dealer.sms.forms import STATE_LABELS as SMS_STATE_LABELS
from dealer.stores.families import families_of
from dealer.stores.services import get_store, store_scope


@bp.route("/")
@roles_required(SERVICE_ADVISOR, MANAGER)
def index():
    actor = current_actor()
    mine = request.args.get("all") != "1" and SERVICE_ADVISOR in actor.roles
    scope = store_scope(actor, request.args.get("store"))
    pagination = services.call_page(actor=actor, day=services.store_today(actor, utcnow()), mine_only=mine,
                                    store_ids=scope.store_ids, page=page_arg())
    return render_template("reminders/index.html", pagination=pagination, mine=mine, kinds=KIND_LABELS,
                           states=STATE_LABELS, actions=services.ACTIONS, sms_states=SMS_STATE_LABELS, scope=scope)


@bp.route("/<int:reminder_id>/mark", methods=["POST"])
@roles_required(SERVICE_ADVISOR, MANAGER)
def mark(reminder_id):
    form = MarkForm()
    if form.validate_on_submit():
        services.mark_reminder(reminder_id, state=form.state.data, note=form.note.data or "",
                               actor=current_actor(), now=utcnow())
        flash(_("Saved."), "success")
    else:
        _flash_errors(form)
    return redirect(url_for("reminders.index", all=request.args.get("all") or None,
                            store=request.args.get("store") or None, page=request.args.get("page") or None))


def _back(vehicle_id):
    return redirect(url_for("customers.show_vehicle", vehicle_id=vehicle_id))


def _flash_errors(form) -> None:
    for errors in form.errors.values():
        flash("; ".join(errors), "danger")


@bp.route("/vehicles/<int:vehicle_id>/inspection", methods=["POST"])
@roles_required(*CUSTOMER_WRITERS)
def record_inspection(vehicle_id):
    form = InspectionForm()
    if form.validate_on_submit():
        services.record_inspection(vehicle_id, inspected_on=form.inspected_on.data, actor=current_actor(),
                                   now=utcnow())
        flash(_("The inspection has been recorded."), "success")
    else:
        _flash_errors(form)
    return _back(vehicle_id)


@bp.route("/vehicles/<int:vehicle_id>/maintenance", methods=["POST"])
@roles_required(*CUSTOMER_WRITERS)
def record_maintenance(vehicle_id):
    form = MaintenanceForm()
    if form.validate_on_submit():
        services.record_maintenance(vehicle_id, serviced_on=form.serviced_on.data, km=form.km.data,
                                    actor=current_actor(), now=utcnow())
        flash(_("The maintenance has been recorded."), "success")
    else:
        _flash_errors(form)
    return _back(vehicle_id)


@bp.route("/vehicles/<int:vehicle_id>/insurance", methods=["POST"])
@roles_required(*CUSTOMER_WRITERS)
def record_insurance(vehicle_id):
    form = InsuranceForm()
    if form.validate_on_submit():
        services.record_insurance_renewal(vehicle_id, new_expiry=form.new_expiry.data, by_store=form.by_store.data,
                                          insurer=form.insurer.data or "", actor=current_actor(), now=utcnow())
        flash(_("The renewal has been recorded."), "success")
    else:
        _flash_errors(form)
    return _back(vehicle_id)


@bp.route("/customers/<int:customer_id>/opt-out", methods=["POST"])
@roles_required(*CUSTOMER_WRITERS)
def opt_out(customer_id):
    form = OptOutForm()
    if form.validate_on_submit():
        services.opt_out_of_reminders(customer_id, kind=form.kind.data, actor=current_actor(), now=utcnow())
        flash(_("No more reminders of this kind will be sent."), "success")
    else:
        _flash_errors(form)
    return redirect(url_for("customers.show_customer", customer_id=customer_id))


@bp.route("/intervals", methods=["GET", "POST"])
@roles_required(MANAGER)
def intervals():
    store_id = managed_store_id()
    rows = db.session.scalars(sa.select(MaintenanceInterval).where(MaintenanceInterval.store_id == store_id)
                              .order_by(MaintenanceInterval.model_family)).all()
    form = IntervalForm(families=families_of(get_store(store_id, actor=current_actor())),
                        saved=tuple(row.model_family for row in rows))
    if form.validate_on_submit():
        try:
            count = services.save_interval(store_id, model_family=form.model_family.data or "",
                                           months=form.months.data, km=form.km.data, actor=current_actor(),
                                           now=utcnow())
        except DomainError as error:
            put_error_on_form(form, error)
        else:
            flash(_("Saved; %(n)d vehicles' due dates were recomputed.", n=count), "success")
            return redirect(url_for("reminders.intervals", store=store_id))
    return render_template("reminders/intervals.html", form=form, rows=rows, store_id=store_id,
                           default=services.DEFAULT_INTERVAL)
