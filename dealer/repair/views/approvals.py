"""The estimate and the owner's approvals (signature or phone), extra work, and comeback links."""
from __future__ import annotations

from flask import flash, redirect, render_template, request
from flask_babel import gettext as _

from dealer.access import current_actor, roles_required
from dealer.auth.forms import ConfirmForm
from dealer.database import utcnow
from dealer.errors import DomainError
from dealer.forms import choices
from dealer.repair import bp, forms, queries, services
from dealer.repair.models import JOB_ESTIMATE, JOB_PENDING, PARTS
from dealer.repair.views.common import ADVISORS, field_error, order_url


@bp.route("/orders/<int:order_id>/estimate", methods=["POST"])
@roles_required(*ADVISORS)
def submit_estimate(order_id):
    if ConfirmForm().validate_on_submit():
        services.submit_estimate(order_id, actor=current_actor(), now=utcnow())
        flash(_("The estimate is ready for the owner to approve."), "success")
    return redirect(order_url(order_id))


def _approval_form(order, jobs: list) -> forms.ApprovalForm:
    form = forms.ApprovalForm()
    form.job_ids.choices = choices((job.id, job.concern) for job in jobs)
    if request.method == "GET":
        form.approver_name.data = order.customer.name
        form.phone.data = order.customer.mobile
        form.job_ids.data = [job.id for job in jobs]
    return form


def _approval_input(form: forms.ApprovalForm) -> services.ApprovalInput:
    return services.ApprovalInput(
        method=form.method.data, approver_name=form.approver_name.data, phone=form.phone.data or "",
        signature_png=services.decode_signature(form.signature.data or ""),
        aftermarket_consent=form.aftermarket_consent.data, note=form.note.data or "")


def _approval_page(order, form, subject: str, jobs: list, amount_fen: int, decline=None):
    aftermarket = [line for job in jobs for line in job.lines if line.kind == PARTS and not line.genuine]
    return render_template("repair/approve.html", order=order, form=form, subject=subject, jobs=jobs,
                           amount_fen=amount_fen, aftermarket=aftermarket, decline=decline, labels=forms,
                           totals=queries.display_totals(order))


@bp.route("/orders/<int:order_id>/approve", methods=["GET", "POST"])
@roles_required(*ADVISORS)
def approve_estimate(order_id):
    order = services.get_order(order_id, actor=current_actor())
    jobs = [job for job in order.jobs if job.approval == JOB_ESTIMATE]
    form = _approval_form(order, jobs)
    if form.validate_on_submit():
        try:
            services.approve_estimate(order.id, _approval_input(form), actor=current_actor(), now=utcnow())
        except DomainError as error:
            field_error(form, error)
        else:
            flash(_("The owner's approval has been recorded."), "success")
            return redirect(order_url(order.id))
    return _approval_page(order, form, "estimate", jobs, queries.display_totals(order).total_fen)


@bp.route("/orders/<int:order_id>/extra-work", methods=["GET", "POST"])
@roles_required(*ADVISORS)
def approve_extra_work(order_id):
    order = services.get_order(order_id, actor=current_actor())
    jobs = [job for job in order.jobs if job.approval == JOB_PENDING]
    form = _approval_form(order, jobs)
    decline = forms.DeclineForm(prefix="decline", formdata=None)
    decline.job_ids.choices = form.job_ids.choices
    if form.validate_on_submit():
        try:
            services.approve_extra_work(order.id, form.job_ids.data or [], _approval_input(form),
                                        actor=current_actor(), now=utcnow())
        except DomainError as error:
            field_error(form, error)
        else:
            flash(_("The owner's approval of the extra work has been recorded."), "success")
            return redirect(order_url(order.id))
    return _approval_page(order, form, "extra_work", jobs, queries.display_totals(order).pending_fen, decline)


@bp.route("/orders/<int:order_id>/extra-work/decline", methods=["POST"])
@roles_required(*ADVISORS)
def decline_extra_work(order_id):
    order = services.get_order(order_id, actor=current_actor())
    jobs = [job for job in order.jobs if job.approval == JOB_PENDING]
    decline = forms.DeclineForm(prefix="decline")
    decline.job_ids.choices = choices((job.id, job.concern) for job in jobs)
    if decline.validate_on_submit():
        try:
            services.decline_extra_work(order.id, decline.job_ids.data or [],
                                        reason=decline.reason.data or "", actor=current_actor(), now=utcnow())
        except DomainError as error:
            field_error(decline, error)
        else:
            flash(_("The owner's refusal has been recorded: the work will not be done."), "success")
            return redirect(order_url(order.id))
    form = _approval_form(order, jobs)
    form.process(formdata=None, data={"approver_name": order.customer.name, "phone": order.customer.mobile,
                                      "job_ids": [job.id for job in jobs]})
    return _approval_page(order, form, "extra_work", jobs, queries.display_totals(order).pending_fen, decline)


# -- comebacks -------------------------------------------------------------------------------------

@bp.route("/jobs/<int:job_id>/comeback/confirm", methods=["POST"])
@roles_required(*ADVISORS)
def confirm_comeback(job_id):
    job = queries.get_job(job_id, actor=current_actor())
    if ConfirmForm().validate_on_submit():
        services.confirm_comeback(job.id, actor=current_actor(), now=utcnow())
        flash(_("The comeback has been confirmed."), "success")
    return redirect(order_url(job.order_id, f"job-{job.id}"))


@bp.route("/jobs/<int:job_id>/comeback/dismiss", methods=["POST"])
@roles_required(*ADVISORS)
def dismiss_comeback(job_id):
    job = queries.get_job(job_id, actor=current_actor())
    if ConfirmForm().validate_on_submit():
        services.dismiss_comeback(job.id, actor=current_actor(), now=utcnow())
        flash(_("The proposed comeback link has been dismissed."), "success")
    return redirect(order_url(job.order_id, f"job-{job.id}"))
