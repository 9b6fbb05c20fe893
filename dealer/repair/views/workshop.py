"""The workshop: assigning technicians (派工), dispatch, the technician's clock, quality check (质检)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request
from flask_babel import gettext as _

from dealer.access import current_actor, roles_required
from dealer.auth.forms import ConfirmForm
from dealer.database import utcnow
from dealer.errors import DomainError
from dealer.forms import choices, put_error_on_form
from dealer.repair import bp, forms, queries, services
from dealer.repair.errors import PartsNotIssued
from dealer.repair.views.common import (
    ADVISORS,
    INSPECTORS,
    TECHNICIANS,
    back_to_order,
    field_error,
    order_page,
    order_url,
)


@bp.route("/jobs/<int:job_id>/assign", methods=["POST"])
@roles_required(*ADVISORS)
def assign_job(job_id):
    job = queries.get_job(job_id, actor=current_actor())
    form = forms.AssignForm(prefix=f"assign{job.id}")
    technicians = queries.store_technicians(job.store_id)
    form.technicians.choices = choices((t.id, t.display_name) for t in technicians)
    if form.validate_on_submit():
        try:
            services.assign_job(job.id, form.technicians.data or [], actor=current_actor(), now=utcnow())
        except DomainError as error:
            field_error(form, error)
        else:
            return redirect(order_url(job.order_id, f"job-{job.id}"))
    return order_page(services.get_order(job.order_id, actor=current_actor()), {f"assign{job_id}": form})


@bp.route("/orders/<int:order_id>/dispatch", methods=["POST"])
@roles_required(*ADVISORS)
def dispatch(order_id):
    if ConfirmForm().validate_on_submit():
        services.dispatch(order_id, actor=current_actor(), now=utcnow())
        flash(_("The order is in the workshop."), "success")
    return redirect(order_url(order_id))


def _technician_step(job_id: int, step, message: str):
    job = queries.get_job(job_id, actor=current_actor())
    if ConfirmForm().validate_on_submit():
        step(job.id, actor=current_actor(), now=utcnow())
        flash(message, "success")
    return back_to_order(job.order_id)


@bp.route("/jobs/<int:job_id>/clock-on", methods=["POST"])
@roles_required(*TECHNICIANS)
def clock_on(job_id):
    return _technician_step(job_id, services.clock_on, _("Your clock is running on this job."))


@bp.route("/jobs/<int:job_id>/clock-off", methods=["POST"])
@roles_required(*TECHNICIANS)
def clock_off(job_id):
    return _technician_step(job_id, services.clock_off, _("Your clock has stopped."))


@bp.route("/jobs/<int:job_id>/done", methods=["POST"])
@roles_required(*TECHNICIANS)
def mark_done(job_id):
    """Mark a job done; when parts of it were never issued, ask the technician why on a page of its own."""
    job = queries.get_job(job_id, actor=current_actor())
    form = forms.JobDoneForm()
    if not form.validate_on_submit():
        return back_to_order(job.order_id)
    try:
        services.mark_job_done(job.id, reason=form.reason.data or "", actor=current_actor(), now=utcnow())
    except PartsNotIssued as error:  # raised before the service changed anything
        put_error_on_form(form, error)
        return render_template("repair/job_done.html", job=job, form=form, next=request.form.get("next", ""))
    flash(_("The job is marked done."), "success")
    return back_to_order(job.order_id)


# -- quality check ---------------------------------------------------------------------------------

@bp.route("/orders/<int:order_id>/quality-check/request", methods=["POST"])
@roles_required(*INSPECTORS)
def request_quality_check(order_id):
    if ConfirmForm().validate_on_submit():
        services.request_quality_check(order_id, actor=current_actor(), now=utcnow())
        flash(_("The car is waiting for quality check."), "success")
    return back_to_order(order_id)


@bp.route("/orders/<int:order_id>/quality-check", methods=["GET", "POST"])
@roles_required(*INSPECTORS)
def quality_check(order_id):
    order = services.get_order(order_id, actor=current_actor())
    form = forms.QualityCheckForm()
    if form.validate_on_submit():
        try:
            services.record_quality_check(order.id, services.QualityCheckInput(
                passed=form.result.data == "pass", checklist=dict.fromkeys(form.checklist.data or [], True),
                reason=form.reason.data or ""), actor=current_actor(), now=utcnow())
        except DomainError as error:
            field_error(form, error)
        else:
            flash(_("The quality check has been signed."), "success")
            return redirect(order_url(order.id))
    return render_template("repair/quality_check.html", order=order, form=form, labels=forms)
