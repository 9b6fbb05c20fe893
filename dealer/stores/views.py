from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from dealer.access import current_actor, roles_required
from dealer.actors import ADMIN, MANAGER, RESCUE_DISPATCHER
from dealer.errors import DomainError
from dealer.forms import choices, put_error_on_form
from dealer.stores import bp, services
from dealer.stores.families import families_of
from dealer.stores.forms import CAPABILITY_LABELS, StationForm, StoreForm


def _store_input(form: StoreForm) -> services.StoreInput:
    return services.StoreInput(code=form.code.data, name=form.name.data, brand=form.brand.data or "",
                               address=form.address.data or "", phone=form.phone.data or "",
                               rescue_hotline=form.rescue_hotline.data or "", timezone=form.timezone.data,
                               active=form.active.data, model_families=form.model_families.data or [])


@bp.route("/")
@roles_required(ADMIN, MANAGER)
def index():
    actor = current_actor()
    stores = [s for s in services.list_stores() if actor.store_id is None or s.id == actor.store_id]
    return render_template("stores/index.html", stores=stores)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(ADMIN)
def new():
    form = StoreForm()
    if form.validate_on_submit():
        try:
            services.create_store(_store_input(form), actor=current_actor())
        except DomainError as error:
            put_error_on_form(form, error)
        else:
            flash(_("The store has been created."), "success")
            return redirect(url_for("stores.index"))
    return render_template("stores/form.html", form=form, store=None)


@bp.route("/<int:store_id>", methods=["GET", "POST"])
@roles_required(ADMIN)
def edit(store_id):
    store = services.get_store(store_id, actor=current_actor())
    form = StoreForm(obj=store)
    if not form.is_submitted():
        form.model_families.data = list(families_of(store))  # none saved: every family
    if form.validate_on_submit():
        try:
            services.update_store(store.id, _store_input(form), actor=current_actor())
        except DomainError as error:
            put_error_on_form(form, error)
        else:
            flash(_("The store has been saved."), "success")
            return redirect(url_for("stores.index"))
    return render_template("stores/form.html", form=form, store=store)


def _station_form(obj=None) -> StationForm:
    form = StationForm(obj=obj)
    actor = current_actor()
    form.store.choices = choices((s.id, f"{s.code} {s.name}") for s in services.list_stores()
                                 if actor.store_id is None or s.id == actor.store_id)
    return form


def _station_input(form: StationForm) -> services.StationInput:
    return services.StationInput(name=form.name.data, address=form.address.data or "",
                                 latitude=form.latitude.data, longitude=form.longitude.data,
                                 phone=form.phone.data or "", capabilities=form.capabilities.data or [],
                                 active=form.active.data)


@bp.route("/stations")
@roles_required(ADMIN, MANAGER, RESCUE_DISPATCHER)
def stations():
    return render_template("stores/stations.html", stations=services.list_stations(actor=current_actor()),
                           labels=CAPABILITY_LABELS)


@bp.route("/stations/new", methods=["GET", "POST"])
@roles_required(ADMIN, MANAGER)
def new_station():
    form = _station_form()
    if request.method == "GET" and current_actor().store_id:
        form.store.data = current_actor().store_id
    if form.validate_on_submit():
        try:
            services.create_station(form.store.data, _station_input(form), actor=current_actor())
        except DomainError as error:
            put_error_on_form(form, error)
        else:
            flash(_("The station has been saved."), "success")
            return redirect(url_for("stores.stations"))
    return render_template("stores/station_form.html", form=form, station=None)


@bp.route("/stations/<int:station_id>", methods=["GET", "POST"])
@roles_required(ADMIN, MANAGER)
def edit_station(station_id):
    station = services.get_station(station_id, actor=current_actor())
    form = _station_form(obj=station)
    form.store.data = station.store_id
    if form.validate_on_submit():
        try:
            services.update_station(station.id, _station_input(form), actor=current_actor())
        except DomainError as error:
            put_error_on_form(form, error)
        else:
            flash(_("The station has been saved."), "success")
            return redirect(url_for("stores.stations"))
    return render_template("stores/station_form.html", form=form, station=station)
