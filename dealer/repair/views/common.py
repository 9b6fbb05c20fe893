"""What the repair pages share: the roles of the pages, template filters, field errors, the order page's context.

Who may do what to an order now is `services.allowed_actions(order, actor)`: the order page and its
templates only read the set it returns.
"""
from __future__ import annotations

import base64
from datetime import datetime

from flask import redirect, render_template, request, url_for

from dealer import formats
from dealer.access import current_actor
from dealer.actors import PHONE_CALLERS
from dealer.auth.forms import ConfirmForm
from dealer.database import utcnow
from dealer.errors import DomainError
from dealer.extensions import db
from dealer.forms import choices, safe_next
from dealer.repair import bp, forms, queries, services, signals
from dealer.repair.models import CANCELLED, DELIVERED, ESTIMATED, JOB_ESTIMATE, JOB_PENDING, OPEN, SETTLED
from dealer.repair.services.inspection import inspection_summary
from dealer.repair.services.workflow import (  # noqa: F401  (the roles of the pages, declared with the workflow)
    ADVISORS,
    INSPECTORS,
    REPAIR_STAFF,
    REVERSERS,
    SETTLERS,
    TECHNICIANS,
)
from dealer.signals import collect_panels

# -- helpers -------------------------------------------------------------------------------------

@bp.app_template_filter("store_time")
def store_time(moment: datetime | None, store=None, format: str = "short") -> str:
    """Show a UTC datetime on the store's clock (the form's datetime-local inputs use the same clock), as
    babel.dates.format_datetime does for a named format (`formats.at`: the workshop board shows hundreds)."""
    if moment is None:
        return "-"
    return formats.at(moment, forms.store_zone(store), format)


@bp.app_template_filter("png_data_url")
def png_data_url(png: bytes | None) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode() if png else ""


def _find_field(form, name: str | None):
    """Return the form's field named `name`, also inside a FieldList ("payments-1-amount")."""
    if not name:
        return None
    field = getattr(form, name, None)
    if field is not None or "-" not in name:
        return field
    list_name, index, sub = (name.split("-", 2) + ["", ""])[:3]
    entries = getattr(getattr(form, list_name, None), "entries", None)
    if entries is None or not index.isdigit() or int(index) >= len(entries):
        return None
    return getattr(entries[int(index)].form, sub, None)


def field_error(form, error: DomainError, aliases: dict[str, str] | None = None) -> None:
    """Show a service's error beside its field, or above the form; forget what the service half did.

    `aliases` maps the service's field names to the form's, where they differ.
    """
    db.session.rollback()  # the service raised before committing: drop its unflushed and flushed changes
    name = (aliases or {}).get(error.field, error.field)
    field = _find_field(form, name)
    if field is not None and hasattr(field, "errors") and not hasattr(field, "entries"):
        field.errors = list(field.errors) + [str(error.message)]
    else:
        form.form_errors.append(str(error.message))


def order_url(order_id: int, anchor: str | None = None) -> str:
    return url_for("repair.show_order", order_id=order_id, _anchor=anchor)


def back_to_order(order_id: int):
    """Redirect to the page the form was posted from (the order, my jobs...) or to the order."""
    target = request.form.get("next")
    return redirect(safe_next(target) if target else order_url(order_id))


def blank(form_class, **kwargs):
    """A form not bound to this request's data (the page shows several; only one was posted)."""
    return form_class(formdata=None, **kwargs)


def _job_forms(order, job, technicians) -> dict:
    assign = blank(forms.AssignForm, prefix=f"assign{job.id}",
                    data={"technicians": [a.technician_id for a in job.assignments]})
    assign.technicians.choices = choices((t.id, t.display_name) for t in technicians)
    found = {f"assign{job.id}": assign}
    for line in job.lines:
        found[f"line{line.id}"] = blank(forms.LineEditForm, prefix=f"line{line.id}", data={
            "payer": line.payer, "manual_discount": line.manual_discount_bp or None,
            "hours": line.hours, "quantity": line.quantity})
    return found


def add_line_forms(order, *, job_id: int | None = None, bound: dict | None = None) -> dict:
    """The order's one add-line form, as its two halves ("labor", "parts"), with the jobs lines may go to (on
    the estimate, or extra work waiting for the owner); `job_id` (else the latest such job) is chosen."""
    jobs = [job for job in order.jobs if job.approval in (JOB_ESTIMATE, JOB_PENDING)]
    chosen = job_id or (jobs[-1].id if jobs else None)
    found = {"labor": blank(forms.LaborLineForm, prefix="add", data={"job_id": chosen}),
             "parts": blank(forms.PartsLineForm, prefix="add", data={"job_id": chosen})} | (bound or {})
    for form in found.values():
        form.job_id.choices = choices((job.id, f"{job.position}. {job.concern}") for job in jobs)
    return found


def order_context(order, bound: dict | None = None) -> dict:
    """Everything the order page and its htmx pieces show: the order, its money, forms and what the actor may do."""
    actor = current_actor()
    now = utcnow()
    technicians = queries.store_technicians(order.store_id)
    page_forms = {"job": blank(forms.JobForm, prefix="job"),
                  "finding": blank(forms.FindingForm, prefix="finding"),
                  "cancel": blank(forms.CancelForm, prefix="cancel"), "confirm": ConfirmForm(formdata=None),
                  "edit": blank(forms.OrderEditForm, prefix="edit", data={
                      "promised_at": forms.to_local(order.promised_at, order.store), "notes": order.notes})}
    for job in order.jobs:
        page_forms.update(_job_forms(order, job, technicians))
    page_forms.update(add_line_forms(order))
    page_forms.update(bound or {})
    actions = services.allowed_actions(order, actor)
    return dict(
        order=order, totals=queries.display_totals(order), forms=page_forms, actions=actions, now=now,
        card_actions=services.in_order(actions & frozenset(services.ORDER_ACTIONS)),
        late=queries.overdue(order, now) and order.state not in (SETTLED, DELIVERED, CANCELLED),
        new_job_is_extra=order.state not in (OPEN, ESTIMATED), can_print_bills=actor.has_any(SETTLERS),
        user_id=actor.user_id, show_phone=actor.has_any(PHONE_CALLERS),
        running_job=queries.running_job_id(actor.user_id, [order.store_id]),
        minutes=queries.clocked_minutes(order, now), reversal=queries.reversal_of(order), labels=forms,
        state_labels=services.STATE_LABELS, pending=[j for j in order.jobs if j.approval == JOB_PENDING],
        inspection=inspection_summary(order.id, actor=actor))


def order_page(order, bound: dict | None = None):
    # Sections other modules add to the order page (rescue: the tow-in's accident claim).
    panels = collect_panels(signals.order_panels, order, actor=current_actor())
    return render_template("repair/order.html", order_panels=panels, **order_context(order, bound))


def line_added(order_id: int, job_id: int | None, bound: dict | None = None):
    """Answer the add-line form: for htmx the form again (blank, the same job chosen; or with its errors), the
    changed job's card and the totals; else the order page with the errors, or a redirect to the job."""
    order = services.get_order(order_id, actor=current_actor())
    if not request.headers.get("HX-Request"):
        return order_page(order, bound) if bound else redirect(order_url(order.id, f"job-{job_id}"))
    context = order_context(order, bound or add_line_forms(order, job_id=job_id))
    changed = None if bound else next((job for job in order.jobs if job.id == job_id), None)
    return render_template("repair/_add_line_swap.html", changed_job=changed, **context)


def job_changed(job_id: int, bound: dict | None = None):
    """Answer a line form: the job's card and the totals for htmx, else the order page or a redirect to it."""
    job = queries.get_job(job_id, actor=current_actor())
    order = services.get_order(job.order_id, actor=current_actor())
    if request.headers.get("HX-Request"):
        return render_template("repair/_job_swap.html", job=job, **order_context(order, bound))
    if bound:
        return order_page(order, bound)
    return redirect(order_url(order.id, f"job-{job.id}"))
