from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from dealer.access import current_actor, roles_required
from dealer.actors import PARTS_READERS, PARTS_WRITERS
from dealer.database import utcnow
from dealer.errors import DomainError
from dealer.forms import choices, page_arg, put_error_on_form
from dealer.parts import bp, services, signals
from dealer.parts.forms import KIND_LABELS, AdjustForm, PartForm, ReceiveForm
from dealer.signals import collect_panels
from dealer.stores.services import StoreScope, list_stores, store_scope


def _scope() -> StoreScope:
    """The stores a list shows (a group-level user's store filter, ?store=)."""
    return store_scope(current_actor(), request.args.get("store"))


def store_codes(scope: StoreScope) -> dict[int, str] | None:
    """The stores' codes, for lists that mix stores (a group-level user's); None for a store's own staff."""
    return {s.id: s.code for s in scope.stores} if scope.several else None


@bp.route("/")
@roles_required(*PARTS_READERS)
def index():
    query = request.args.get("q", "").strip()
    actor = current_actor()
    scope = _scope()
    pagination = None if query else services.list_parts(actor=actor, page=page_arg(), store_ids=scope.store_ids)
    parts = services.search_parts(query, actor=actor, store_ids=scope.store_ids) if query else pagination.items
    template = "parts/_table.html" if request.headers.get("HX-Request") else "parts/index.html"
    return render_template(template, query=query, parts=parts, pagination=pagination, scope=scope,
                           store_codes=store_codes(scope))


@bp.route("/<int:part_id>")
@roles_required(*PARTS_READERS)
def show(part_id):
    actor = current_actor()
    part = services.get_part(part_id, actor=actor)
    can_write = actor.has_any(PARTS_WRITERS)
    panels = collect_panels(signals.part_page_panels, part, actor=actor, can_write=can_write)
    return render_template("parts/show.html", part=part, can_write=can_write, panels=panels,
                           ledger=services.ledger(part.id, actor=actor, page=page_arg()), kind_labels=KIND_LABELS)


def _part_form(obj=None) -> PartForm:
    form = PartForm(obj=obj)
    actor = current_actor()
    stores = [s for s in list_stores(active_only=True) if actor.store_id is None or s.id == actor.store_id]
    form.store.choices = choices((s.id, f"{s.code} {s.name}") for s in stores)
    return form


def _part_input(form: PartForm) -> services.PartInput:
    return services.PartInput(
        part_number=form.part_number.data, name=form.name.data, unit=form.unit.data,
        price_fen=form.price_fen.data, cost_fen=form.cost_fen.data or 0, genuine=form.genuine.data,
        bin_location=form.bin_location.data or "", reorder_level=form.reorder_level.data or 0,
        active=form.active.data)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*PARTS_WRITERS)
def new():
    form = _part_form()
    if form.validate_on_submit():
        try:
            store_id = current_actor().store_id or form.store.data
            part = services.create_part(_part_input(form), store_id=store_id, actor=current_actor(),
                                        now=utcnow())
        except DomainError as error:
            put_error_on_form(form, error)
        else:
            flash(_("The part %(number)s has been added to the catalogue.", number=part.part_number),
                  "success")
            return redirect(url_for("parts.show", part_id=part.id))
    return render_template("parts/part_form.html", form=form, part=None)


@bp.route("/<int:part_id>/edit", methods=["GET", "POST"])
@roles_required(*PARTS_WRITERS)
def edit(part_id):
    part = services.get_part(part_id, actor=current_actor())
    form = _part_form(obj=part)
    if form.validate_on_submit():
        try:
            services.update_part(part.id, _part_input(form), actor=current_actor(), now=utcnow())
        except DomainError as error:
            put_error_on_form(form, error)
        else:
            flash(_("The part has been saved."), "success")
            return redirect(url_for("parts.show", part_id=part.id))
    return render_template("parts/part_form.html", form=form, part=part)


@bp.route("/<int:part_id>/receive", methods=["GET", "POST"])
@roles_required(*PARTS_WRITERS)
def receive(part_id):
    part = services.get_part(part_id, actor=current_actor())
    form = ReceiveForm(unit_cost_fen=part.cost_fen)
    if form.validate_on_submit():
        try:
            services.receive_stock(part.id, quantity=form.quantity.data,
                                   unit_cost_fen=form.unit_cost_fen.data, reference=form.reference.data,
                                   actor=current_actor(), now=utcnow())
        except DomainError as error:
            put_error_on_form(form, error)
        else:
            flash(_("The receipt has been booked."), "success")
            return redirect(url_for("parts.show", part_id=part.id))
    return render_template("parts/stock_form.html", form=form, part=part, title=_("Receive stock"))


@bp.route("/<int:part_id>/adjust", methods=["GET", "POST"])
@roles_required(*PARTS_WRITERS)
def adjust(part_id):
    part = services.get_part(part_id, actor=current_actor())
    form = AdjustForm()
    if form.validate_on_submit():
        try:
            services.adjust_stock(part.id, quantity=form.quantity.data, reason=form.reason.data,
                                  actor=current_actor(), now=utcnow())
        except DomainError as error:
            put_error_on_form(form, error)
        else:
            flash(_("The stock has been adjusted."), "success")
            return redirect(url_for("parts.show", part_id=part.id))
    return render_template("parts/stock_form.html", form=form, part=part, title=_("Adjust stock"))


@bp.route("/low-stock")
@roles_required(*PARTS_WRITERS)
def low_stock():
    scope = _scope()
    return render_template("parts/low_stock.html", scope=scope, store_codes=store_codes(scope),
                           parts=services.low_stock(actor=current_actor(), store_ids=scope.store_ids))
