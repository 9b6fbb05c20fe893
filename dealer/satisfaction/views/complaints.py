"""Complaints (投诉): the list with the overdue ones marked, intake by CS, one complaint and its steps."""
from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from dealer.access import current_actor, roles_required
from dealer.actors import CS_SUPERVISOR
from dealer.auth.models import User
from dealer.database import utcnow
from dealer.errors import DomainError
from dealer.extensions import db
from dealer.forms import choices, page_arg, put_error_on_form
from dealer.satisfaction import bp, forms, queries, services
from dealer.satisfaction.models import CLOSED
from dealer.satisfaction.views.common import CS, READERS, flash_errors
from dealer.stores.services import store_scope


def _labels() -> dict:
    return {"channels": forms.COMPLAINT_CHANNEL_LABELS, "categories": forms.COMPLAINT_CATEGORY_LABELS,
            "severities": forms.SEVERITY_LABELS, "states": forms.COMPLAINT_STATE_LABELS,
            "root_causes": forms.ROOT_CAUSE_LABELS, "steps": forms.STEP_LABELS}


@bp.route("/complaints")
@roles_required(*READERS)
def complaints():
    actor = current_actor()
    scope = store_scope(actor, request.args.get("store"))
    open_only, overdue_only = request.args.get("open") == "1", request.args.get("overdue") == "1"
    technician_id = request.args.get("technician", type=int)
    now = utcnow()
    page = queries.complaint_page(scope.store_ids, open_only=open_only, technician_id=technician_id,
                                  overdue_at=now if overdue_only else None, page=page_arg())
    return render_template("satisfaction/complaints.html", page=page, scope=scope, open_only=open_only,
                           overdue_only=overdue_only, technician_id=technician_id, labels=_labels(), now=now,
                           overdue=queries.overdue_complaints(scope.store_ids, now),
                           technicians=queries.complaints_per_technician(scope.store_ids, open_only=open_only))


@bp.route("/complaints/new", methods=["GET", "POST"])
@roles_required(*CS)
def new_complaint():
    actor = current_actor()
    form = forms.ComplaintForm()
    scope = store_scope(actor)
    form.store_id.choices = choices([(store.id, f"{store.code} {store.name}") for store in scope.stores]
                                    or [(actor.store_id, "-")])
    people = db.session.execute(sa.select(User.id, User.full_name, User.username).where(
        User.store_id.in_(scope.store_ids), User.active).order_by(User.username).limit(200)).all()
    form.responsible_id.choices = choices([(0, "-")] + [(row.id, row.full_name or row.username) for row in people])
    codes = {store.id: store.code for store in scope.stores}
    form.technician_id.choices = choices([(0, "-")] + [
        (user_id, f"{name} ({codes.get(store_id, '')})" if scope.several else name)
        for user_id, name, store_id in queries.technicians_of(scope.store_ids)])
    if form.validate_on_submit():
        data = services.ComplaintInput(
            channel=form.channel.data, category=form.category.data, severity=form.severity.data,
            description=form.description.data, contact_name=form.contact_name.data or "",
            contact_phone=form.contact_phone.data or "", order_number=form.order_number.data or "",
            responsible_id=form.responsible_id.data or None, technician_id=form.technician_id.data or None)
        try:
            complaint = services.receive_complaint(data, store_id=form.store_id.data, actor=actor, now=utcnow())
        except DomainError as error:
            put_error_on_form(form, error)
        else:
            flash(_("The complaint has been recorded."), "success")
            return redirect(url_for("satisfaction.show_complaint", complaint_id=complaint.id))
    return render_template("satisfaction/complaint_form.html", form=form, several=scope.several)


@bp.route("/complaints/<int:complaint_id>")
@roles_required(*READERS)
def show_complaint(complaint_id):
    complaint = services.get_complaint(complaint_id, actor=current_actor())
    steps = [action for action, states in services.STEPS.items() if complaint.state in states
             and not (action == "pause" and complaint.paused_at) and not (action == "resume" and not complaint.paused_at)]
    return render_template("satisfaction/complaint.html", complaint=complaint, labels=_labels(), steps=steps,
                           form=forms.StepForm(), now=utcnow(), technician_form=_technician_form(complaint))


def _technician_form(complaint):
    """CS's form to name the technician concerned (its choices: the complaint's store's technicians), or None."""
    if CS_SUPERVISOR not in current_actor().roles or complaint.state == CLOSED:
        return None
    form = forms.TechnicianForm(technician_id=complaint.technician_id or 0)
    form.technician_id.choices = choices([(0, "-")] + [(user_id, name) for user_id, name, _store
                                                        in queries.technicians_of([complaint.store_id])])
    return form


@bp.route("/complaints/<int:complaint_id>/technician", methods=["POST"])
@roles_required(*CS)
def name_technician(complaint_id):
    form = forms.TechnicianForm()
    if form.validate_on_submit():
        try:
            services.name_technician(complaint_id, form.technician_id.data or None, actor=current_actor(),
                                     now=utcnow())
        except DomainError as error:
            put_error_on_form(form, error)
            flash_errors(form)
        else:
            flash(_("Saved."), "success")
    else:
        flash_errors(form)
    return redirect(url_for("satisfaction.show_complaint", complaint_id=complaint_id))


@bp.route("/complaints/<int:complaint_id>/step", methods=["POST"])
@roles_required(*CS)
def complaint_step(complaint_id):
    form = forms.StepForm()
    if form.validate_on_submit():
        step = services.StepInput(action=form.action.data, reason=form.reason.data or "",
                                  resolution=form.resolution.data or "", owner_confirmed=form.owner_confirmed.data,
                                  root_cause=form.root_cause.data or "")
        try:
            services.complaint_step(complaint_id, step, actor=current_actor(), now=utcnow())
        except DomainError as error:
            put_error_on_form(form, error)
            flash_errors(form)
        else:
            flash(_("Saved."), "success")
    else:
        flash_errors(form)
    return redirect(url_for("satisfaction.show_complaint", complaint_id=complaint_id))
