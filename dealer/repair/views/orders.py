"""The advisor's order: opening it from a vehicle, its jobs, and its lines (added and changed with htmx)."""
from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, request
from flask_babel import gettext as _

from dealer.access import current_actor, roles_required
from dealer.auth.forms import ConfirmForm
from dealer.customers.services import get_vehicle
from dealer.database import utcnow
from dealer.errors import DomainError
from dealer.extensions import db
from dealer.parts import services as parts
from dealer.repair import bp, forms, queries, services
from dealer.repair.models import LABOR, PARTS
from dealer.repair.views.common import (
    ADVISORS,
    REPAIR_STAFF,
    TECHNICIANS,
    add_line_forms,
    back_to_order,
    field_error,
    job_changed,
    line_added,
    order_page,
    order_url,
)

LINE_FIELDS = {"manual_discount_bp": "manual_discount"}  # the services' field names -> the line forms'


@bp.route("/vehicles/<int:vehicle_id>/orders/new", methods=["GET", "POST"])
@roles_required(*ADVISORS)
def new_order(vehicle_id):
    actor = current_actor()
    vehicle = get_vehicle(vehicle_id, actor=actor)
    form = forms.OrderForm()
    open_orders = []
    if request.method == "GET":
        soon = forms.to_local(utcnow() + timedelta(hours=3), vehicle.store)
        form.promised_at.data = soon.replace(minute=0 if soon.minute < 30 else 30)
    if form.validate_on_submit():
        try:
            order = services.open_order(vehicle.id, services.OrderInput(
                concerns=form.concern_list(), promised_at=forms.to_utc(form.promised_at.data, vehicle.store),
                kind=form.kind.data, odometer_km=form.odometer_km.data,
                odometer_is_correction=form.odometer_is_correction.data,
                odometer_note=form.odometer_note.data or "",
                fuel_eighths=form.fuel_eighths.data, damage_notes=form.damage_notes.data or "",
                valuables=form.valuables.data or "", notes=form.notes.data or "",
                despite_open_order=form.despite_open_order.data), actor=actor, now=utcnow())
        except DomainError as error:
            open_orders = error.params.get("open_orders", [])  # the car's open orders, to link to
            field_error(form, error, {"km": "odometer_km", "note": "odometer_note"})
        else:
            flash(_("Repair order %(number)s has been opened.", number=order.number), "success")
            return redirect(order_url(order.id))
    return render_template("repair/order_form.html", form=form, vehicle=vehicle, open_orders=open_orders,
                           history=queries.vehicle_history(vehicle.id, actor=actor, limit=5),
                           state_labels=services.STATE_LABELS)


@bp.route("/orders/<int:order_id>")
@roles_required(*REPAIR_STAFF)
def show_order(order_id):
    return order_page(services.get_order(order_id, actor=current_actor()))


@bp.route("/orders/<int:order_id>/edit", methods=["POST"])
@roles_required(*ADVISORS)
def edit_order(order_id):
    order = services.get_order(order_id, actor=current_actor())
    form = forms.OrderEditForm(prefix="edit")
    if form.validate_on_submit():
        try:
            services.update_order(order.id, promised_at=forms.to_utc(form.promised_at.data, order.store),
                                  notes=form.notes.data or "", actor=current_actor(), now=utcnow())
        except DomainError as error:
            field_error(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(order_url(order.id))
    return order_page(order, {"edit": form})


@bp.route("/orders/<int:order_id>/jobs", methods=["POST"])
@roles_required(*ADVISORS)
def add_job(order_id):
    order = services.get_order(order_id, actor=current_actor())
    form = forms.JobForm(prefix="job")
    if form.validate_on_submit():
        try:
            job = services.add_job(order.id, concern=form.concern.data, actor=current_actor(), now=utcnow())
        except DomainError as error:
            field_error(form, error)
        else:
            return redirect(order_url(order.id, f"job-{job.id}"))
    return order_page(order, {"job": form})


@bp.route("/orders/<int:order_id>/findings", methods=["POST"])
@roles_required(*TECHNICIANS)
def report_finding(order_id):
    order = services.get_order(order_id, actor=current_actor())
    form = forms.FindingForm(prefix="finding")
    if form.validate_on_submit():
        try:
            services.add_job(order.id, concern=form.concern.data, finding=True, actor=current_actor(),
                             now=utcnow())
        except DomainError as error:
            field_error(form, error)
        else:
            flash(_("The finding is waiting for the owner's approval."), "success")
            return back_to_order(order.id)
    return order_page(order, {"finding": form})


@bp.route("/jobs/<int:job_id>/remove", methods=["POST"])
@roles_required(*ADVISORS)
def remove_job(job_id):
    job = queries.get_job(job_id, actor=current_actor())
    order_id = job.order_id
    if ConfirmForm().validate_on_submit():
        services.remove_job(job.id, actor=current_actor(), now=utcnow())
        flash(_("The job has been removed."), "success")
    return redirect(order_url(order_id))


# -- lines (htmx) --------------------------------------------------------------------------------

@bp.route("/orders/<int:order_id>/operations/search")
@roles_required(*ADVISORS)
def search_operations(order_id):
    order = services.get_order_row(order_id, actor=current_actor())
    operations = queries.search_operations(request.args.get("q", ""), store_id=order.store_id)
    return render_template("repair/_operation_choices.html", operations=operations,
                           family=order.vehicle.model_family or "", labels=forms)


@bp.route("/orders/<int:order_id>/parts/search")
@roles_required(*ADVISORS)
def search_parts(order_id):
    order = services.get_order_row(order_id, actor=current_actor())
    found = parts.search_parts(request.args.get("q", ""), actor=current_actor(), limit=15)
    return render_template("repair/_part_choices.html",
                           parts=[p for p in found if p.store_id == order.store_id and p.active])


def _add_line(order_id: int, kind: str, line_input):
    """Add the line the order's add-line form describes (`kind`: "labor" or "parts") to the job it names."""
    order = services.get_order(order_id, actor=current_actor())
    posted = add_line_forms(order, bound={"labor": forms.LaborLineForm(prefix="add"),
                                          "parts": forms.PartsLineForm(prefix="add")})
    form = posted[kind]
    if form.validate_on_submit():
        try:
            services.add_line(form.job_id.data, line_input(form), actor=current_actor(), now=utcnow())
        except DomainError as error:
            field_error(form, error, LINE_FIELDS)
        else:
            return line_added(order.id, form.job_id.data)
    return line_added(order.id, form.job_id.data, posted)


@bp.route("/orders/<int:order_id>/labor", methods=["POST"])
@roles_required(*ADVISORS)
def add_labor(order_id):
    return _add_line(order_id, LABOR, lambda form: services.LineInput(
        kind=LABOR, payer=form.payer.data, manual_discount_bp=form.manual_discount.data or 0,
        operation_id=form.operation(), description=form.description.data or "", hours=form.hours.data,
        category=form.category.data or ""))


@bp.route("/orders/<int:order_id>/parts", methods=["POST"])
@roles_required(*ADVISORS)
def add_part(order_id):
    return _add_line(order_id, PARTS, lambda form: services.LineInput(
        kind=PARTS, payer=form.payer.data, manual_discount_bp=form.manual_discount.data or 0,
        part_id=form.part(), quantity=form.quantity.data))


@bp.route("/lines/<int:line_id>/edit", methods=["POST"])
@roles_required(*ADVISORS)
def edit_line(line_id):
    line = queries.get_line(line_id, actor=current_actor())
    job_id = line.job_id
    form = forms.LineEditForm(prefix=f"line{line.id}")
    if form.validate_on_submit():
        try:
            services.update_line(line.id, hours=form.hours.data, quantity=form.quantity.data,
                                 payer=form.payer.data, manual_discount_bp=form.manual_discount.data or 0,
                                 actor=current_actor(), now=utcnow())
        except DomainError as error:
            field_error(form, error, LINE_FIELDS)
        else:
            return job_changed(job_id)
    return job_changed(job_id, {f"line{line_id}": form})


@bp.route("/lines/<int:line_id>/remove", methods=["POST"])
@roles_required(*ADVISORS)
def remove_line(line_id):
    line = queries.get_line(line_id, actor=current_actor())
    job_id = line.job_id
    if ConfirmForm().validate_on_submit():
        try:
            services.remove_line(line.id, actor=current_actor(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "danger")
    return job_changed(job_id)
