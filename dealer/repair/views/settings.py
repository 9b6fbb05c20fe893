"""The manager's repair settings pages: VAT, discount limit and warranty; hourly labor rates; the labor catalogue.

A store-level manager sets their own store; a group-level one picks the store with ?store=. Service
advisors read the catalogue (they pick operations from it when they add labor to an order).
"""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from dealer import money
from dealer.access import current_actor, roles_required
from dealer.actors import MANAGER, SERVICE_ADVISOR
from dealer.database import utcnow
from dealer.errors import DomainError, NotFound
from dealer.forms import page_arg, put_error_on_form
from dealer.inputs import whole_number
from dealer.repair import bp
from dealer.repair.forms import CATEGORY_LABELS
from dealer.repair.forms.settings import SETTINGS_FIELDS, LaborRatesForm, OperationForm, RepairSettingsForm
from dealer.repair.models import LABOR_CATEGORIES
from dealer.repair.services import settings as catalogue
from dealer.stores.families import families_of
from dealer.stores.services import get_store, list_stores

CATALOGUE_READERS = (MANAGER, SERVICE_ADVISOR)


def _store_id() -> int:
    """The store a store-level user works in; a group-level manager names it with ?store= (first store if not)."""
    actor = current_actor()
    if actor.store_id is not None:
        return actor.store_id
    chosen = whole_number(request.values.get("store"))
    if chosen is not None and chosen >= 1:
        return chosen
    stores = list_stores(active_only=True)
    if not stores:
        raise NotFound()
    return stores[0].id


def _page(template: str, store_id: int, **context):
    stores = list_stores() if current_actor().store_id is None else []
    return render_template(template, store_id=store_id, stores=stores, category_labels=CATEGORY_LABELS,
                           hours=lambda value: money.scaled(value, money.HOURS_SCALE), **context)


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(MANAGER)
def settings():
    store_id = _store_id()
    form = RepairSettingsForm(obj=catalogue.get_settings(store_id, actor=current_actor()))
    if form.validate_on_submit():
        try:
            catalogue.save_settings(store_id, actor=current_actor(),
                                    **{name: getattr(form, name).data for name in SETTINGS_FIELDS})
        except DomainError as error:
            put_error_on_form(form, error)
        else:
            flash(_("The repair settings have been saved."), "success")
            return redirect(url_for("repair.settings", store=store_id))
    return _page("repair/settings/settings.html", store_id, form=form, tab="settings")


@bp.route("/settings/labor-rates", methods=["GET", "POST"])
@roles_required(MANAGER)
def labor_rates():
    store_id = _store_id()
    rates = catalogue.labor_rates(store_id, actor=current_actor())
    form = LaborRatesForm(data=rates)
    if form.validate_on_submit():
        try:
            catalogue.set_labor_rates(store_id, {c: getattr(form, c).data for c in LABOR_CATEGORIES},
                                      actor=current_actor())
        except DomainError as error:
            put_error_on_form(form, error)
        else:
            flash(_("The hourly labor rates have been saved."), "success")
            return redirect(url_for("repair.labor_rates", store=store_id))
    return _page("repair/settings/labor_rates.html", store_id, form=form, rates=rates,
                 categories=LABOR_CATEGORIES, tab="rates")


@bp.route("/labor-operations")
@roles_required(*CATALOGUE_READERS)
def labor_operations():
    store_id = _store_id()
    query = request.args.get("q", "").strip()
    actor = current_actor()
    if query:
        operations = catalogue.search_operations(query, actor=actor, store_id=store_id, limit=100,
                                                 active_only=False)
        pagination = None
    else:
        pagination = catalogue.list_operations(actor=actor, store_id=store_id, page=page_arg())
        operations = pagination.items
    template = ("repair/settings/_operations.html" if request.headers.get("HX-Request")
                else "repair/settings/operations.html")
    return _page(template, store_id, operations=operations, pagination=pagination, query=query,
                 can_edit=actor.has_any((MANAGER,)), tab="operations")


def _operation_input(form: OperationForm) -> catalogue.OperationInput:
    return catalogue.OperationInput(code=form.code.data, name=form.name.data, category=form.category.data,
                                    hours=form.hours.data, family_hours=form.family_hours_data(),
                                    active=form.active.data)


@bp.route("/labor-operations/new", methods=["GET", "POST"])
@roles_required(MANAGER)
def new_labor_operation():
    store_id = _store_id()
    form = OperationForm()
    form.offer_families(families_of(get_store(store_id, actor=current_actor())))
    if request.method == "GET":
        form.add_blank_rows(2)
    if form.validate_on_submit():
        try:
            operation = catalogue.create_operation(_operation_input(form), store_id=store_id, actor=current_actor(),
                                                   now=utcnow())
        except DomainError as error:
            put_error_on_form(form, error)
        else:
            flash(_("The labor operation %(code)s has been added.", code=operation.code), "success")
            return redirect(url_for("repair.labor_operations", store=store_id))
    return _page("repair/settings/operation_form.html", store_id, form=form, operation=None, tab="operations")


@bp.route("/labor-operations/<int:operation_id>/edit", methods=["GET", "POST"])
@roles_required(MANAGER)
def edit_labor_operation(operation_id):
    operation = catalogue.get_operation(operation_id, actor=current_actor())
    form = OperationForm(data={
        "code": operation.code, "name": operation.name, "category": operation.category, "hours": operation.hours,
        "active": operation.active,
        "family_hours": [{"model_family": row.model_family, "hours": row.hours} for row in operation.family_hours]})
    form.offer_families(families_of(get_store(operation.store_id, actor=current_actor())),
                        {row.model_family for row in operation.family_hours})
    if request.method == "GET":
        form.add_blank_rows(2)
    if form.validate_on_submit():
        try:
            catalogue.update_operation(operation.id, _operation_input(form), actor=current_actor(), now=utcnow())
        except DomainError as error:
            put_error_on_form(form, error)
        else:
            flash(_("The labor operation %(code)s has been saved.", code=operation.code), "success")
            return redirect(url_for("repair.labor_operations", store=operation.store_id))
    return _page("repair/settings/operation_form.html", operation.store_id, form=form, operation=operation,
                 tab="operations")
