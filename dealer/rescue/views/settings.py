"""The store's rescue settings page (救援设置): service-level targets, dispatch minutes, stations' coverage."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from dealer.access import current_actor, roles_required
from dealer.actors import MANAGER
from dealer.database import utcnow
from dealer.errors import DomainError
from dealer.forms import managed_store_id, put_error_on_form
from dealer.rescue import bp, queries, services
from dealer.rescue.forms import CoverageForm, MapForm, SettingsForm, minute_of_day
from dealer.rescue.services.settings import LIMITS


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(MANAGER)
def settings():
    store_id = managed_store_id()
    current = services.settings_of(store_id)
    form = SettingsForm(obj=current)
    if form.validate_on_submit():
        try:
            services.update_settings(store_id, {name: getattr(form, name).data for name in LIMITS},
                                     actor=current_actor(), now=utcnow())
        except DomainError as error:
            put_error_on_form(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("rescue.settings", store=store_id))
    return render_template("rescue/settings.html", form=form, store_id=store_id, current=current,
                           stations=queries.stations_with_coverage(store_id), coverage_form=CoverageForm(),
                           map_form=MapForm(data={"tile_url": current.map_tile_url,
                                                  "tile_system": current.map_tile_system}))


@bp.route("/settings/map", methods=["POST"])
@roles_required(MANAGER)
def map_settings():
    store_id = managed_store_id()
    form = MapForm()
    if not form.validate():
        flash("; ".join(str(e) for e in sum(form.errors.values(), [])), "danger")
        return redirect(url_for("rescue.settings", store=store_id))
    try:
        services.set_map_source(store_id, tile_url=form.tile_url.data or "", tile_system=form.tile_system.data,
                                actor=current_actor(), now=utcnow())
    except DomainError as error:
        flash(str(error.message), "danger")
    else:
        flash(_("Saved."), "success")
    return redirect(url_for("rescue.settings", store=store_id))


@bp.route("/settings/stations/<int:station_id>", methods=["POST"])
@roles_required(MANAGER)
def station_coverage(station_id):
    store_id = managed_store_id()
    form = CoverageForm()
    if not form.validate():
        flash("; ".join(str(e) for e in sum(form.errors.values(), [])), "danger")
        return redirect(url_for("rescue.settings", store=store_id))
    opens, closes = minute_of_day(form.opens.data), minute_of_day(form.closes.data)
    if (form.opens.data and opens is None) or (form.closes.data and closes is None):
        flash(_("Give the times as HH:MM, for example 08:30."), "danger")
        return redirect(url_for("rescue.settings", store=store_id))
    try:
        services.set_station_coverage(station_id, services.CoverageInput(form.radius_km.data, opens, closes),
                                      actor=current_actor())
    except DomainError as error:
        flash(str(error.message), "danger")
    else:
        flash(_("Saved."), "success")
    return redirect(url_for("rescue.settings", store=store_id))
