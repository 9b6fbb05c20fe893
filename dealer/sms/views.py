from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from dealer.access import current_actor, roles_required
from dealer.actors import CS_SUPERVISOR, CUSTOMER_WRITERS, MANAGER, PHONE_CALLERS, SERVICE_ADVISOR
from dealer.customers.forms import ServiceSmsForm
from dealer.database import utcnow
from dealer.errors import DomainError, NotFound
from dealer.forms import managed_store_id, page_arg, put_error_on_form
from dealer.inputs import CALENDAR
from dealer.sms import bp, services
from dealer.sms.forms import STATE_LABELS, MessageFilterForm, MonthForm, SettingsForm, TemplateForm
from dealer.sms.kinds import KINDS
from dealer.sms.outbox import settings_for
from dealer.stores.services import store_scope

OUTBOX_READERS = (MANAGER, SERVICE_ADVISOR, CS_SUPERVISOR)


@bp.route("/")
@roles_required(*OUTBOX_READERS)
def outbox():
    form = MessageFilterForm(request.args)
    form.validate()
    scope = store_scope(current_actor(), request.args.get("store"))
    # A day outside the calendar shows its message on the form and filters nothing.
    filters = services.MessageFilter(q=form.q.data or "", state=form.state.data or "", kind=form.kind.data or "",
                                     day_from=None if form.day_from.errors else form.day_from.data,
                                     day_to=None if form.day_to.errors else form.day_to.data, store_ids=scope.store_ids)
    pagination = services.list_messages(actor=current_actor(), filters=filters, page=page_arg())
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    # Lists show phone numbers masked, as every list does (DOMAIN.md); the message page shows it whole to callers.
    return render_template("sms/outbox.html", form=form, pagination=pagination, args=args, kinds=KINDS,
                           state_labels=STATE_LABELS, scope=scope)


@bp.route("/<int:message_id>")
@roles_required(*OUTBOX_READERS)
def show(message_id):
    return render_template("sms/message.html", message=services.get_message(message_id, actor=current_actor()),
                           kinds=KINDS, state_labels=STATE_LABELS, show_phone=current_actor().has_any(PHONE_CALLERS))


@bp.route("/customers/<int:customer_id>/service-sms", methods=["POST"])
@roles_required(*CUSTOMER_WRITERS)
def service_sms(customer_id):
    """The service-SMS choice of the customer edit page (its own small form: the page's view is the customers')."""
    form = ServiceSmsForm()
    if form.validate_on_submit():
        customer = services.set_service_sms_opt_out(customer_id, opted_out=form.opted_out.data,
                                                    actor=current_actor(), now=utcnow())
        flash(_("This owner gets no service SMS.") if customer.service_sms_opt_out
              else _("This owner gets service SMS."), "success")
    else:
        flash(_("The SMS choice could not be saved; try again."), "danger")
    return redirect(url_for("customers.edit_customer", customer_id=customer_id))


@bp.route("/templates")
@roles_required(MANAGER)
def templates():
    store_id = managed_store_id()
    return render_template("sms/templates.html", templates=services.templates(store_id, actor=current_actor()),
                           store_id=store_id)


@bp.route("/templates/<kind>", methods=["GET", "POST"])
@roles_required(MANAGER)
def edit_template(kind):
    store_id = managed_store_id()
    view = next((t for t in services.templates(store_id, actor=current_actor()) if t.kind == kind), None)
    if view is None:
        raise NotFound()
    form = TemplateForm(data={"body": view.body, "provider_template_code": view.provider_template_code})
    if form.validate_on_submit():
        try:
            services.save_template(store_id, kind=kind, body=form.body.data,
                                   provider_template_code=form.provider_template_code.data or "",
                                   actor=current_actor())
        except DomainError as error:
            put_error_on_form(form, error)
        else:
            flash(_("The template has been saved."), "success")
            return redirect(url_for("sms.templates", store=store_id))
    return render_template("sms/template_form.html", form=form, view=view, store_id=store_id)


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(MANAGER)
def settings():
    store_id = managed_store_id()
    services.check_store(store_id, actor=current_actor())
    form = SettingsForm(obj=settings_for(store_id))
    if form.validate_on_submit():
        try:
            services.save_settings(store_id, actor=current_actor(), **{
                name: getattr(form, name).data for name in (
                    "sign_name", "quiet_start", "quiet_end", "daily_cap_per_phone", "inspection_lead_days",
                    "insurance_lead_days", "maintenance_lead_days")})
        except DomainError as error:
            put_error_on_form(form, error)
        else:
            flash(_("The SMS settings have been saved."), "success")
            return redirect(url_for("sms.settings", store=store_id))
    return render_template("sms/settings.html", form=form, store_id=store_id)


@bp.route("/figures")
@roles_required(MANAGER)
def figures():
    form = MonthForm(request.args)
    today = date.today()
    try:
        year, month = (int(part) for part in (form.month.data or "").split("-"))
        chosen = date(year, month, 1)
        if CALENDAR.problem(chosen):
            raise ValueError(chosen)
    except ValueError:
        chosen = today.replace(day=1)
    form.month.data = chosen.strftime("%Y-%m")
    return render_template("sms/figures.html", form=form, month=chosen,
                           figures=services.month_figures(actor=current_actor(), month=chosen))
