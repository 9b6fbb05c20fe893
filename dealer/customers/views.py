from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from dealer.access import current_actor, roles_required
from dealer.actors import CUSTOMER_READERS, CUSTOMER_WRITERS, MANAGER, PHONE_CALLERS
from dealer.auth.forms import ConfirmForm
from dealer.customers import bp, queries, services, signals
from dealer.customers.errors import MobileTaken, PlateTaken, VinTaken
from dealer.customers.forms import (
    CLASS_LABELS,
    SOURCE_LABELS,
    USE_LABELS,
    CustomerForm,
    OdometerForm,
    TransferForm,
    VehicleForm,
)
from dealer.database import utcnow
from dealer.errors import DomainError, causes
from dealer.forms import choices, page_arg, put_error_on_form
from dealer.signals import collect_panels
from dealer.stores.families import family_label
from dealer.stores.services import get_store, list_stores, store_scope

VEHICLE_FIELDS = ("plate", "vin", "brand", "model", "model_year", "colour", "engine_number", "purchase_date",
                  "registration_date", "use", "seats", "insurance_expiry", "last_inspection_date",
                  "vehicle_class", "model_family")


CUSTOMER_ALIASES = {"advisor_id": "advisor"}


@bp.app_template_filter("model_family")
def model_family_filter(code: str | None) -> str:
    """A model family's code as its label in the user's language (every module's pages show it so)."""
    return str(family_label(code))


def _file_of_the_mobile(error: DomainError):
    """The customer who already has the mobile typed, when that is among the errors (to link their file)."""
    for cause in causes(error):
        if isinstance(cause, MobileTaken) and cause.params.get("customer_id"):
            return services.get_customer(cause.params["customer_id"], actor=current_actor())
    return None


def _vehicle_on_file(error: DomainError):
    """The vehicle that already has the plate or VIN typed, when that is among the errors (to link it and
    offer its change of owner)."""
    for cause in causes(error):
        if isinstance(cause, (PlateTaken, VinTaken)) and cause.params.get("vehicle_id"):
            return services.get_vehicle(cause.params["vehicle_id"], actor=current_actor())
    return None


@bp.route("/desk")
@roles_required(*CUSTOMER_READERS)
def search():
    query = request.args.get("q", "").strip()
    hits = queries.search(query, actor=current_actor()) if query else []
    template = "customers/_results.html" if request.headers.get("HX-Request") else "customers/search.html"
    return render_template(template, query=query, hits=hits)


@bp.route("/customers")
@roles_required(*CUSTOMER_READERS)
def index():
    scope = store_scope(current_actor(), request.args.get("store"))
    pagination = services.list_customers(actor=current_actor(), page=page_arg(), store_ids=scope.store_ids)
    return render_template("customers/index.html", pagination=pagination, scope=scope)


def _customer_form(obj=None) -> CustomerForm:
    form = CustomerForm(obj=obj)
    actor = current_actor()
    store_id = obj.store_id if obj is not None else (actor.store_id or form.store.data)
    stores = [s for s in list_stores(active_only=True) if actor.store_id is None or s.id == actor.store_id]
    form.store.choices = choices((s.id, f"{s.code} {s.name}") for s in stores)
    if store_id is None and stores:
        store_id = stores[0].id
    advisors = services.store_advisors(store_id) if store_id else []
    form.advisor.choices = choices([(0, _("(none)"))] + [(a.id, a.display_name) for a in advisors])
    if request.method == "GET":
        if obj is not None:
            form.advisor.data = obj.advisor_id or 0
        elif any(a.id == actor.user_id for a in advisors):
            form.advisor.data = actor.user_id  # one-to-one: whoever opens the file looks after the customer
    return form


def _customer_input(form: CustomerForm) -> services.CustomerInput:
    return services.CustomerInput(name=form.name.data, mobile=form.mobile.data, phone2=form.phone2.data or "",
                                  marketing_consent=form.marketing_consent.data, birthday=form.birthday.data,
                                  advisor_id=form.advisor.data or None, notes=form.notes.data or "")


@bp.route("/customers/new", methods=["GET", "POST"])
@roles_required(*CUSTOMER_WRITERS)
def new_customer():
    form = _customer_form()
    holder = None
    if form.validate_on_submit():
        try:
            customer = services.create_customer(_customer_input(form),
                                                store_id=current_actor().store_id or form.store.data,
                                                actor=current_actor(), now=utcnow())
        except DomainError as error:
            put_error_on_form(form, error, CUSTOMER_ALIASES)
            holder = _file_of_the_mobile(error)
        else:
            flash(_("The customer file has been opened. Now add the vehicle."), "success")
            return redirect(url_for("customers.new_vehicle", customer_id=customer.id))
    return render_template("customers/customer_form.html", form=form, customer=None, holder=holder)


@bp.route("/customers/<int:customer_id>")
@roles_required(*CUSTOMER_READERS)
def show_customer(customer_id):
    actor = current_actor()
    customer = services.get_customer(customer_id, actor=actor)
    return render_template("customers/show.html", customer=customer, show_phone=actor.has_any(PHONE_CALLERS),
                           can_edit=actor.has_any(CUSTOMER_WRITERS), delete_form=ConfirmForm(),
                           use_labels=USE_LABELS, source_labels=SOURCE_LABELS,
                           panels=collect_panels(signals.customer_file_panels, customer, actor=actor))


@bp.route("/customers/<int:customer_id>/edit", methods=["GET", "POST"])
@roles_required(*CUSTOMER_WRITERS)
def edit_customer(customer_id):
    customer = services.get_customer(customer_id, actor=current_actor())
    form = _customer_form(obj=customer)
    holder = None
    if form.validate_on_submit():
        try:
            services.update_customer(customer.id, _customer_input(form), actor=current_actor(), now=utcnow())
        except DomainError as error:
            put_error_on_form(form, error, CUSTOMER_ALIASES)
            holder = _file_of_the_mobile(error)
        else:
            flash(_("The customer file has been saved."), "success")
            return redirect(url_for("customers.show_customer", customer_id=customer.id))
    return render_template("customers/customer_form.html", form=form, customer=customer, holder=holder)


@bp.route("/customers/<int:customer_id>/delete", methods=["POST"])
@roles_required(MANAGER)
def delete_customer(customer_id):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.delete_customer(customer_id, actor=current_actor())
    flash(_("The customer file has been deleted."), "success")
    return redirect(url_for("customers.index"))


def _vehicle_input(form: VehicleForm) -> services.VehicleInput:
    return services.VehicleInput(**{name: getattr(form, name).data for name in VEHICLE_FIELDS},
                                 odometer_km=form.odometer_km.data)


@bp.route("/customers/<int:customer_id>/vehicles/new", methods=["GET", "POST"])
@roles_required(*CUSTOMER_WRITERS)
def new_vehicle(customer_id):
    customer = services.get_customer(customer_id, actor=current_actor())
    form = VehicleForm(store=get_store(customer.store_id, actor=current_actor()))
    existing = None
    if form.validate_on_submit():
        try:
            vehicle = services.add_vehicle(customer.id, _vehicle_input(form), actor=current_actor(), now=utcnow())
        except DomainError as error:
            put_error_on_form(form, error)
            existing = _vehicle_on_file(error)
        else:
            flash(_("The vehicle %(plate)s has been added.", plate=vehicle.plate), "success")
            return redirect(url_for("customers.show_customer", customer_id=customer.id))
    return render_template("customers/vehicle_form.html", form=form, customer=customer, vehicle=None,
                           existing=existing)


@bp.route("/vehicles/<int:vehicle_id>")
@roles_required(*CUSTOMER_READERS)
def show_vehicle(vehicle_id):
    actor = current_actor()
    vehicle = services.get_vehicle(vehicle_id, actor=actor)
    # The reading is dated in the store's time zone, not the server's.
    odometer_form = OdometerForm(read_on=vehicle.store.local_date(utcnow()))
    return render_template("customers/vehicle.html", vehicle=vehicle, odometer_form=odometer_form,
                           transfer_form=TransferForm(), can_edit=actor.has_any(CUSTOMER_WRITERS),
                           show_phone=actor.has_any(PHONE_CALLERS), use_labels=USE_LABELS, class_labels=CLASS_LABELS,
                           source_labels=SOURCE_LABELS,
                           panels=collect_panels(signals.vehicle_page_panels, vehicle, actor=actor))


@bp.route("/vehicles/<int:vehicle_id>/edit", methods=["GET", "POST"])
@roles_required(*CUSTOMER_WRITERS)
def edit_vehicle(vehicle_id):
    vehicle = services.get_vehicle(vehicle_id, actor=current_actor())
    form = VehicleForm(obj=vehicle, store=vehicle.store, vin_waiting=vehicle.vin is None)
    del form.odometer_km
    existing = None
    if form.validate_on_submit():
        try:
            services.update_vehicle(vehicle.id, services.VehicleInput(
                **{name: getattr(form, name).data for name in VEHICLE_FIELDS}), actor=current_actor(), now=utcnow())
        except DomainError as error:
            put_error_on_form(form, error)
            existing = _vehicle_on_file(error)
        else:
            flash(_("The vehicle has been saved."), "success")
            return redirect(url_for("customers.show_vehicle", vehicle_id=vehicle.id))
    return render_template("customers/vehicle_form.html", form=form, customer=vehicle.owner, vehicle=vehicle,
                           existing=existing)


@bp.route("/vehicles/<int:vehicle_id>/odometer", methods=["POST"])
@roles_required(*CUSTOMER_WRITERS)
def record_odometer(vehicle_id):
    form = OdometerForm()
    if form.validate_on_submit():
        services.record_odometer(vehicle_id, km=form.km.data, read_on=form.read_on.data,
                                 is_correction=form.is_correction.data, note=form.note.data or "",
                                 actor=current_actor(), now=utcnow())
        flash(_("The reading has been recorded."), "success")
    else:
        for errors in form.errors.values():
            flash("; ".join(errors), "danger")
    return redirect(url_for("customers.show_vehicle", vehicle_id=vehicle_id))


@bp.route("/vehicles/<int:vehicle_id>/transfer", methods=["POST"])
@roles_required(*CUSTOMER_WRITERS)
def transfer_vehicle(vehicle_id):
    form = TransferForm()
    vehicle = services.get_vehicle(vehicle_id, actor=current_actor())
    if form.validate_on_submit():
        new_owner = services.customer_by_mobile(form.new_owner_mobile.data, store_id=vehicle.store_id,
                                                actor=current_actor())
        services.transfer_vehicle(vehicle.id, new_owner_id=new_owner.id, actor=current_actor(), now=utcnow())
        flash(_("The vehicle now belongs to %(name)s.", name=new_owner.name), "success")
    else:
        for errors in form.errors.values():
            flash("; ".join(errors), "danger")
    return redirect(url_for("customers.show_vehicle", vehicle_id=vehicle.id))
