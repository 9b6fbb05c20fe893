"""Multi-point inspection (多项检查) pages: the store's checklist (manager), an order's findings and photos."""
from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from dealer.access import current_actor, roles_required
from dealer.actors import CASHIER, MANAGER, PARTS_CLERK, SERVICE_ADVISOR, TECHNICIAN
from dealer.auth.forms import ConfirmForm
from dealer.database import utcnow
from dealer.errors import DomainError
from dealer.forms import managed_store_id, put_error_on_form, safe_next
from dealer.repair import bp
from dealer.repair.forms.inspection import ChecklistForm, ItemForm, MoveForm, PhotoForm
from dealer.repair.models import GREEN, JOB_ESTIMATE
from dealer.repair.services import EDITABLE_STATES, get_order, inspection
from dealer.repair.services import photos as inspection_photos

INSPECTORS = (TECHNICIAN, SERVICE_ADVISOR, MANAGER)  # fill the checklist, add photos, propose work
INSPECTION_READERS = INSPECTORS + (CASHIER, PARTS_CLERK)


def _photo_settings() -> tuple[str, int]:
    config = current_app.config
    limit = config.get("INSPECTION_PHOTO_MAX_BYTES", inspection_photos.DEFAULT_MAX_BYTES)
    return config["UPLOAD_FOLDER"], int(limit)


def _back(order_id: int) -> str:
    """The page the form was posted from (the order page or the inspection page), else the inspection page."""
    target = request.form.get("next")
    return safe_next(target) if target else url_for("repair.order_inspection", order_id=order_id)


# -- the store's checklist (manager) --------------------------------------------------------------

def _item_input(form: ItemForm) -> inspection.ItemInput:
    return inspection.ItemInput(code=form.code.data, name=form.name.data, hint=form.hint.data or "",
                                active=form.active.data)


@bp.route("/inspection/items", methods=["GET", "POST"])
@roles_required(MANAGER)
def inspection_items():
    store_id = managed_store_id()
    form = ItemForm()
    if form.validate_on_submit():
        try:
            inspection.add_item(store_id, _item_input(form), actor=current_actor(), now=utcnow())
        except DomainError as error:
            put_error_on_form(form, error)
        else:
            flash(_("The item has been added to the checklist."), "success")
            return redirect(url_for("repair.inspection_items", store=store_id))
    return render_template("repair/inspection/items.html", form=form, store_id=store_id,
                           items=inspection.list_items(store_id, actor=current_actor()),
                           confirm_form=ConfirmForm())


@bp.route("/inspection/items/standard", methods=["POST"])
@roles_required(MANAGER)
def add_standard_inspection_items():
    store_id = managed_store_id()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    added = inspection.add_standard_items(store_id, actor=current_actor(), now=utcnow())
    flash(ngettext("%(num)d item has been added.", "%(num)d items have been added.", len(added)), "success")
    return redirect(url_for("repair.inspection_items", store=store_id))


@bp.route("/inspection/items/<int:item_id>/edit", methods=["GET", "POST"])
@roles_required(MANAGER)
def edit_inspection_item(item_id):
    item = inspection.get_item(item_id, actor=current_actor())
    form = ItemForm(obj=item)
    if form.validate_on_submit():
        try:
            inspection.update_item(item.id, _item_input(form), actor=current_actor(), now=utcnow())
        except DomainError as error:
            put_error_on_form(form, error)
        else:
            flash(_("The item has been saved."), "success")
            return redirect(url_for("repair.inspection_items", store=item.store_id))
    return render_template("repair/inspection/item_form.html", form=form, item=item)


@bp.route("/inspection/items/<int:item_id>/move", methods=["POST"])
@roles_required(MANAGER)
def move_inspection_item(item_id):
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    item = inspection.move_item(item_id, offset=int(form.offset.data), actor=current_actor(), now=utcnow())
    return redirect(url_for("repair.inspection_items", store=item.store_id, _anchor=f"item-{item.id}"))


# -- findings of an order -------------------------------------------------------------------------

def _checklist_form(rows) -> ChecklistForm:
    return ChecklistForm(formdata=None, data={"rows": [
        {"item_id": row.item.id, "status": row.result.status, "measurement": row.result.measurement,
         "note": row.result.note} if row.result else {"item_id": row.item.id, "status": ""}
        for row in rows]})


def _render_order(order_id: int, *, checklist_form: ChecklistForm | None = None,
                  photo_forms: dict[int, PhotoForm] | None = None):
    actor = current_actor()
    order = get_order(order_id, actor=actor)
    rows = inspection.checklist(order.id, actor=actor)
    summary = inspection.inspection_summary(order.id, actor=actor)
    can_fill = actor.has_any(INSPECTORS) and order.state in EDITABLE_STATES
    if can_fill:
        blank = {row.result_id: PhotoForm(formdata=None, prefix=f"r{row.result_id}")
                 for group in (summary.red, summary.yellow, summary.green) for row in group}
        photo_forms = blank | (photo_forms or {})
    return render_template("repair/inspection/order.html", order=order,
                           rows={row.item.id: row for row in rows},
                           checklist_form=checklist_form or _checklist_form(rows), can_fill=can_fill,
                           inspection=summary, inspection_photo_forms=photo_forms if can_fill else None,
                           inspection_link=False)


@bp.route("/orders/<int:order_id>/inspection")
@roles_required(*INSPECTION_READERS)
def order_inspection(order_id):
    return _render_order(order_id)


def _put_row_error(form: ChecklistForm, error: DomainError) -> None:
    """Show a refusal beside the field of the checklist row it names."""
    row = next((row for row in form.rows if row.item_id.data == error.params.get("item_id")), None)
    put_error_on_form(row.form if row is not None else form, error)


@bp.route("/orders/<int:order_id>/inspection", methods=["POST"])
@roles_required(*INSPECTORS)
def record_inspection(order_id):
    form = ChecklistForm()
    if form.validate_on_submit():
        unchecked = GREEN if form.all_normal.data else ""
        entries = [inspection.ResultInput(item_id=row.item_id.data, status=row.status.data or unchecked,
                                          measurement=row.measurement.data or "", note=row.note.data or "")
                   for row in form.rows]
        try:
            changed = inspection.record_results(order_id, entries, actor=current_actor(), now=utcnow())
        except DomainError as error:
            _put_row_error(form, error)
        else:
            flash(ngettext("%(num)d finding has been saved.", "%(num)d findings have been saved.",
                           len(changed)), "success")
            return redirect(url_for("repair.order_inspection", order_id=order_id))
    return _render_order(order_id, checklist_form=form)


@bp.route("/inspection/results/<int:result_id>/propose", methods=["POST"])
@roles_required(*INSPECTORS)
def propose_inspection_work(result_id):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    job = inspection.propose_work(result_id, actor=current_actor(), now=utcnow())
    if job.approval == JOB_ESTIMATE:
        flash(_("The finding has been added to the estimate as a job."), "success")
    else:
        flash(_("The finding has been proposed as extra work: it waits for the owner's approval."), "success")
    return redirect(_back(job.order_id))


# -- photos ---------------------------------------------------------------------------------------

@bp.route("/inspection/results/<int:result_id>/photos", methods=["POST"])
@roles_required(*INSPECTORS)
def upload_inspection_photo(result_id):
    result = inspection.get_result(result_id, actor=current_actor())
    form = PhotoForm(prefix=f"r{result.id}")
    if form.validate_on_submit():
        folder, max_bytes = _photo_settings()
        try:
            inspection_photos.add_photo(result.id, form.photo.data.stream, folder=folder, max_bytes=max_bytes,
                                 actor=current_actor(), now=utcnow())
        except DomainError as error:
            put_error_on_form(form, error)
        else:
            flash(_("The photo has been added."), "success")
            return redirect(url_for("repair.order_inspection", order_id=result.order_id,
                                    _anchor=f"finding-{result.id}"))
    return _render_order(result.order_id, photo_forms={result.id: form})


@bp.route("/inspection/photos/<int:photo_id>")
@roles_required(*INSPECTION_READERS)
def inspection_photo(photo_id):
    folder, _max_bytes = _photo_settings()
    path, photo = inspection_photos.photo_file(photo_id, folder=folder, actor=current_actor())
    response = send_file(path, mimetype=photo.content_type, conditional=True, etag=True,
                         download_name=f"inspection-{photo.id}{path.suffix}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Staff only: a browser may keep it but asks again each time, so access is checked again.
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.route("/inspection/photos/<int:photo_id>/delete", methods=["POST"])
@roles_required(*INSPECTORS)
def delete_inspection_photo(photo_id):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    folder, _max_bytes = _photo_settings()
    order_id = inspection_photos.remove_photo(photo_id, folder=folder, actor=current_actor(), now=utcnow())
    flash(_("The photo has been removed."), "success")
    return redirect(_back(order_id))
