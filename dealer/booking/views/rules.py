"""The manager's page of the store's booking rules: hours (星夜服务 included), closed days, capacity, settings."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from dealer.access import current_actor, roles_required
from dealer.actors import MANAGER
from dealer.booking import bp, forms, queries, rules
from dealer.database import utcnow
from dealer.errors import DomainError
from dealer.extensions import db
from dealer.forms import managed_store_id, put_error_on_form
from dealer.stores.services import get_store


def _page(store_id: int, **bound):
    """The page with every form, those given bound to what was posted (with their errors)."""
    store = get_store(store_id, actor=current_actor())
    settings = queries.settings_of(store_id)
    page_forms = {"hours": forms.HoursForm(prefix="hours"), "closed": forms.ClosedDayForm(prefix="closed"),
                  "capacity": forms.CapacityForm(prefix="capacity"),
                  "settings": forms.SettingsForm(prefix="settings", obj=settings)} | bound
    return render_template("booking/rules.html", store=store, forms=page_forms, rules=queries.store_rules(store_id),
                           closed_days=queries.closed_days(store_id, from_day=store.local_date(utcnow())),
                           capacity=queries.capacity_rows(store_id), labels=forms)


def _saved(store_id: int):
    flash(_("Saved."), "success")
    return redirect(url_for("booking.rules_page", store=store_id))


@bp.route("/rules")
@roles_required(MANAGER)
def rules_page():
    """The store's booking rules, with a form for each kind."""
    return _page(managed_store_id())


def _post(form_name: str, form, call):
    store_id = managed_store_id()
    if form.validate_on_submit():
        try:
            call(store_id, form)
        except DomainError as error:
            db.session.rollback()
            put_error_on_form(form, error)
        else:
            return _saved(store_id)
    return _page(store_id, **{form_name: form}), 422


@bp.route("/rules/hours", methods=["POST"])
@roles_required(MANAGER)
def rules_hours():
    return _post("hours", forms.HoursForm(prefix="hours"), lambda store_id, f: rules.set_hours(
        store_id, f.weekday.data, f.day_part.data, opens=f.opens.data or "", closes=f.closes.data or "",
        open_=not f.closed.data, actor=current_actor(), now=utcnow()))


@bp.route("/rules/closed-days", methods=["POST"])
@roles_required(MANAGER)
def rules_close_day():
    return _post("closed", forms.ClosedDayForm(prefix="closed"), lambda store_id, f: rules.add_closed_day(
        store_id, f.day.data, reason=f.reason.data or "", actor=current_actor(), now=utcnow()))


@bp.route("/rules/closed-days/<int:closed_id>/delete", methods=["POST"])
@roles_required(MANAGER)
def rules_open_day(closed_id):
    store_id = managed_store_id()
    if forms.ActionForm().validate_on_submit():
        rules.remove_closed_day(closed_id, actor=current_actor(), now=utcnow())
        return _saved(store_id)
    return redirect(url_for("booking.rules_page", store=store_id))


@bp.route("/rules/capacity", methods=["POST"])
@roles_required(MANAGER)
def rules_capacity():
    return _post("capacity", forms.CapacityForm(prefix="capacity"), lambda store_id, f: rules.set_capacity(
        store_id, rules.CapacityInput(f.day_part.data, f.service_kind.data, f.capacity_minutes.data, f.bays.data,
                                      f.labor_minutes.data, bool(f.active.data)), actor=current_actor(), now=utcnow()))


@bp.route("/rules/settings", methods=["POST"])
@roles_required(MANAGER)
def rules_settings():
    return _post("settings", forms.SettingsForm(prefix="settings"), lambda store_id, f: rules.update_settings(
        store_id, checkins_per_quarter=f.checkins_per_quarter.data, hold_minutes=f.hold_minutes.data,
        change_hours_before=f.change_hours_before.data, daily_code_ceiling=f.daily_code_ceiling.data,
        actor=current_actor(), now=utcnow()))


