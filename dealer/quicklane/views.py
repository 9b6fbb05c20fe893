"""Quick lane pages: the board (tablet), the desk that takes a key, the lounge screen, the manager's screens."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import force_locale, format_time, get_timezone
from flask_babel import gettext as _
from markupsafe import Markup, escape

from dealer.access import current_actor, public, roles_required
from dealer.actors import MANAGER, SERVICE_ADVISOR
from dealer.database import utcnow
from dealer.errors import DomainError
from dealer.forms import choices, managed_store_id, put_error_on_form
from dealer.inputs import CALENDAR, whole_number
from dealer.money import yuan
from dealer.quicklane import bp, queries, services
from dealer.quicklane.figures import extra_rows, group_workbook, month_figures, stores_side_by_side, workbook
from dealer.quicklane.forms import (
    ITEM_ROWS,
    CloseDayForm,
    ConsentForm,
    ExtraWorkForm,
    OpenForm,
    PackageForm,
    SettingsForm,
    ShiftForm,
    StageForm,
)
from dealer.quicklane.models import DEFAULT_CLOSE_BY, IN_BAY, LABOR, LEFT_LANE, PARTS
from dealer.repair.forms.orders import JOB_APPROVAL_LABELS
from dealer.timezones import local_date, store_zone

DESK = (SERVICE_ADVISOR, MANAGER)


@bp.app_template_filter("local_time")
def local_time(moment) -> str:
    """A moment as the wall-clock time of the lane (the deployment's time zone): hours and minutes read the same
    in every locale, so no Babel pattern is parsed per card (the board prints two per car), and the zone is
    looked up once per request, not once per time printed."""
    if not moment:
        return "-"
    zone = g.get("lane_zone")
    if zone is None:  # once per request; zoneinfo converts in C (pytz's fromutc was a tenth of the board's cards)
        zone = g.lane_zone = ZoneInfo(str(get_timezone()))
    return moment.astimezone(zone).strftime("%H:%M")


# A sentinel id in a URL built once per page; each card, row or line puts its own id in its place.
_SENTINEL = 2_147_483_647


def id_urls(key: str, endpoints: dict[str, str], **values) -> dict[str, str]:
    """Each endpoint's URL as a pattern for `pattern % id` ({name: endpoint}, `key` the id's URL argument):
    url_for once per page, not once per card (three per car were a tenth of the board with sixty cars)."""
    return {name: url_for(endpoint, **{key: _SENTINEL}, **values).replace("%", "%%").replace(str(_SENTINEL), "%d")
            for name, endpoint in endpoints.items()}


def options_html(pairs) -> Markup:
    """A select's <option>s rendered once per page, for every row whose select offers the same (a package's six
    rows of the store's catalogue were each rendered option by option through WTForms)."""
    return Markup("".join(f'<option value="{escape(value)}">{escape(label)}</option>' for value, label in pairs))


@bp.app_template_filter("selecting")
def selecting(options: Markup, value) -> Markup:
    """The options of `options_html` with `value`'s selected (none when it is empty)."""
    if value in (None, ""):
        return options
    needle = f'<option value="{escape(value)}">'
    return Markup(str(options).replace(needle, needle[:-1] + " selected>", 1))


def stage_names() -> dict[str, str]:
    """The stages' names translated once per page (the labels are lazy: translated again at each use)."""
    return {stage: str(label) for stage, label in services.STAGE_LABELS.items()}


def _board_context(store_id):
    now = utcnow()
    board = queries.board(store_id, actor=current_actor(), now=now)
    technicians = [(user_id, name) for user_id, name, on in services.lane_technicians(store_id) if on]
    store = request.args.get("store") or None
    urls = id_urls("lane_id", {"move": "quicklane.move", "extra": "quicklane.extra_work"}, store=store)
    urls.update(id_urls("order_id", {"order": "repair.show_order"}))
    return {"board": board, "labels": stage_names(), "technicians": technicians, "now": now, "store_id": store_id,
            "urls": urls}


@bp.route("/")
@roles_required(*queries.LANE_ROLES)
def board():
    return render_template("quicklane/board.html", **_board_context(managed_store_id()))


@bp.route("/cars")
@roles_required(*queries.LANE_ROLES)
def board_cars():
    return render_template("quicklane/_board.html", **_board_context(managed_store_id()))


@bp.route("/<int:lane_id>/stage", methods=["POST"])
@roles_required(*queries.LANE_ROLES)
def move(lane_id):
    form = StageForm()
    if form.validate_on_submit():
        try:
            lane = services.move(lane_id, to_stage=form.to_stage.data, version=form.version.data, bay=form.bay.data,
                                 technician_id=form.technician_id.data, actor=current_actor(), now=utcnow())
        except DomainError as error:
            flash(str(error.message), "danger")
        else:
            flash(_("%(plate)s: %(stage)s.", plate=lane.plate, stage=services.STAGE_LABELS[lane.stage]), "success")
    else:
        flash(_("Look at the car again before you tap."), "danger")
    return redirect(url_for("quicklane.board", store=request.args.get("store") or None))


@bp.route("/<int:lane_id>/extra", methods=["GET", "POST"])
@roles_required(*queries.LANE_ROLES)
def extra_work(lane_id):
    actor, now = current_actor(), utcnow()
    lane, number, offer, pieces = queries.extra_work_page(lane_id, actor=actor, now=now)
    form = ExtraWorkForm()
    if offer is None and lane.stage == IN_BAY:  # the form is shown: the catalogue to choose from
        form.item.choices = choices([("", "-"), *services.catalogue_choices(lane.store_id)])
    if offer is None and form.validate_on_submit():
        try:
            services.report_extra_work(lane.id, _extra_input(form), actor=actor, now=now)
        except DomainError as error:
            put_error_on_form(form, error)
        else:
            flash(_("Extra work added: show the owner its price and the new ready time."), "success")
            return redirect(url_for("quicklane.extra_work", lane_id=lane.id, store=request.args.get("store") or None))
    return render_template("quicklane/extra.html", lane=lane, number=number, offer=offer, pieces=pieces, form=form,
                           approvals=JOB_APPROVAL_LABELS,
                           consent=ConsentForm(approved="1"), decline=ConsentForm(approved="0"),
                           may_answer=actor.has_any(DESK))


def _extra_input(form) -> services.ExtraInput:
    value = form.item.data or ""
    kind = PARTS if value[:1] == "p" else LABOR if value[:1] == "o" else ""
    item_id = int(value[1:]) if value[1:].isdigit() else None
    return services.ExtraInput(concern=form.concern.data, minutes=form.minutes.data, kind=kind,
                               part_id=item_id if kind == PARTS else None, quantity=form.quantity.data,
                               operation_id=item_id if kind == LABOR else None, hours=form.hours.data)


@bp.route("/<int:lane_id>/extra/answer", methods=["POST"])
@roles_required(*DESK)
def answer_extra_work(lane_id):
    form = ConsentForm()
    back = url_for("quicklane.extra_work", lane_id=lane_id, store=request.args.get("store") or None)
    if not form.validate_on_submit():
        flash(_("Look at the extra work again before you answer."), "danger")
        return redirect(back)
    try:
        lane = services.answer_extra_work(lane_id, services.Consent(
            approved=form.approved.data == "1", method=form.method.data, approver_name=form.approver_name.data,
            phone=form.phone.data, reason=form.reason.data), actor=current_actor(), now=utcnow())
    except DomainError as error:
        flash(str(error.message), "danger")
        return redirect(back)
    if lane.stage == LEFT_LANE:
        flash(_("%(plate)s left the quick lane: the new promise is %(time)s.", plate=lane.plate,
                time=format_time(lane.new_promised_at, "HH:mm")), "success")
    else:
        flash(_("%(plate)s: the owner declined the extra work; the car goes on in the lane.", plate=lane.plate),
              "success")
    return redirect(url_for("quicklane.board", store=request.args.get("store") or None))


@bp.route("/open", methods=["GET", "POST"])
@roles_required(*DESK)
def open_order():
    store_id = managed_store_id()
    actor, now = current_actor(), utcnow()
    plate = (request.values.get("plate") or "").strip()
    vehicle = queries.vehicle_by_plate(store_id, plate) if plate else None
    form = OpenForm()
    packages = services.package_choices(store_id, actor=actor)
    form.package_id.choices = choices((p.id, f"{p.name} · ¥{yuan(p.price_fen)}") for p in packages)
    if vehicle is not None and form.validate_on_submit():
        try:
            lane = services.open_lane_order(vehicle.id, services.LaneInput(
                package_id=form.package_id.data, key_tag=form.key_tag.data, odometer_km=form.odometer_km.data,
                promised_at=_moment(form.promised_at.data), vin=form.vin.data or ""), actor=actor, now=now)
        except DomainError as error:
            put_error_on_form(form, error)
        else:
            flash(_("Key %(tag)s taken: ready by %(time)s as promised.", tag=lane.key_tag,
                    time=format_time(lane.promised_at, "HH:mm")), "success")
            return redirect(url_for("quicklane.board", store=request.args.get("store") or None))
    if vehicle is not None and request.method == "GET":
        suggested = services.suggest_package(vehicle, packages, today=local_date(now, vehicle))
        if suggested is not None:
            form.package_id.data = suggested.id
    offer = _offer(store_id, form.package_id.data or (packages[0].id if packages else None)) if vehicle else None
    return render_template("quicklane/open.html", form=form, plate=plate, vehicle=vehicle, offer=offer,
                           packages=packages, store_id=store_id)


@bp.route("/quote")
@roles_required(*DESK)
def quote():
    store_id = managed_store_id()
    return render_template("quicklane/_quote.html",
                           offer=_offer(store_id, whole_number(request.args.get("package_id"))))


def _offer(store_id, package_id):
    if package_id is None:
        return None
    try:
        return services.quote(store_id, package_id, actor=current_actor(), now=utcnow())
    except DomainError as error:
        return error


def _moment(text):
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


# -- the lounge screen (public: no login, no personal data) ------------------------------------------

@bp.route("/lounge/<code>")
@public
def lounge(code):
    return _lounge("quicklane/lounge.html", code)


@bp.route("/lounge/<code>/cars")
@public
def lounge_cars(code):
    return _lounge("quicklane/_lounge.html", code)


def _lounge(template: str, code: str):
    """The lounge screen in the store's language setting for it (the default language without one)."""
    store = queries.lounge_store(code)
    settings = services.lane_settings(store.id)
    with force_locale(settings.lounge_locale or "zh_Hans_CN"):
        return render_template(template, store=store, title=settings.lounge_name or store.name,
                               cars=queries.lounge(store.id, now=utcnow()), labels=stage_names())


# -- the manager's screens -----------------------------------------------------------------------------

def _month():
    """The month asked for (?month=YYYY-MM), else the current one of the lane's calendar."""
    try:
        month = datetime.strptime(request.args.get("month", ""), "%Y-%m").date()
        if CALENDAR.problem(month):
            raise ValueError(month)
    except ValueError:
        today = utcnow().astimezone(store_zone()).date()
        month = date(today.year, today.month, 1)
    return month


@bp.route("/figures")
@roles_required(MANAGER)
def figures():
    figures = month_figures(managed_store_id(), _month(), actor=current_actor())
    return render_template("quicklane/figures.html", figures=figures, extra_rows=extra_rows(figures.extra))


@bp.route("/figures.xlsx")
@roles_required(MANAGER)
def export_figures():
    figures = month_figures(managed_store_id(), _month(), actor=current_actor())
    return send_file(workbook(figures), as_attachment=True,
                     download_name=f"quick-lane-{figures.store.code}-{figures.month:%Y-%m}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/figures/stores")
@roles_required(MANAGER)
def stores_figures():
    month = _month()
    return render_template("quicklane/stores_figures.html", month=month,
                           stores=stores_side_by_side(month, actor=current_actor()))


@bp.route("/figures/stores.xlsx")
@roles_required(MANAGER)
def export_stores_figures():
    month = _month()
    return send_file(group_workbook(month, stores_side_by_side(month, actor=current_actor())), as_attachment=True,
                     download_name=f"quick-lane-stores-{month:%Y-%m}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/close-day")
@roles_required(MANAGER)
def close_day():
    store_id = managed_store_id()
    return render_template("quicklane/close_day.html", labels=stage_names(),
                           board=queries.board(store_id, actor=current_actor(), now=utcnow()),
                           urls=id_urls("lane_id", {"close": "quicklane.close_day_car"},
                                        store=request.args.get("store") or None))


@bp.route("/<int:lane_id>/close-day", methods=["POST"])
@roles_required(MANAGER)
def close_day_car(lane_id):
    form = CloseDayForm()
    if form.validate_on_submit():
        try:
            if form.action.data == "carry":
                lane = services.carry_over(lane_id, version=form.version.data, reason=form.reason.data,
                                           actor=current_actor(), now=utcnow())
                flash(_("%(plate)s carried over to the next day.", plate=lane.plate), "success")
            else:
                lane = services.close_lane_order(lane_id, version=form.version.data, reason=form.reason.data,
                                                 actor=current_actor(), now=utcnow())
                flash(_("%(plate)s closed: off the lane.", plate=lane.plate), "success")
        except DomainError as error:
            flash(str(error.message), "danger")
    else:
        flash(_("Look at the car again before you close the day."), "danger")
    return redirect(url_for("quicklane.close_day", store=request.args.get("store") or None))


@bp.route("/packages")
@roles_required(MANAGER)
def packages():
    store_id = managed_store_id()
    return render_template("quicklane/packages.html", store_id=store_id,
                           packages=services.packages_of(store_id, actor=current_actor(), active_only=False))


@bp.route("/packages/new", methods=["GET", "POST"])
@bp.route("/packages/<int:package_id>", methods=["GET", "POST"])
@roles_required(MANAGER)
def edit_package(package_id=None):
    store_id, actor = managed_store_id(), current_actor()
    package = services.get_package(package_id, store_id=store_id, actor=actor, items_only=True) if package_id else None
    form = PackageForm(obj=package) if request.method == "GET" and package else PackageForm()
    catalogue = [("", "-"), *services.catalogue_choices(store_id)]
    offered = choices(catalogue)
    for row in form.items:
        row.item.choices = offered
    if request.method == "GET" and package:
        form.price.data = package.price_fen
        for row, item in zip(form.items, package.items):
            row.item.data = f"p{item.part_id}" if item.kind == PARTS else f"o{item.operation_id}"
            row.quantity.data, row.hours.data = item.quantity, item.hours
    if form.validate_on_submit():
        try:
            saved = services.save_package(store_id, _package_input(form), actor=actor, now=utcnow(),
                                          package_id=package_id)
        except DomainError as error:
            put_error_on_form(form, error, aliases={"price_fen": "price"})
        else:
            flash(_("Package %(name)s saved.", name=saved.name), "success")
            return redirect(url_for("quicklane.packages", store=request.args.get("store") or None))
    return render_template("quicklane/package.html", form=form, package=package, rows=ITEM_ROWS,
                           options=options_html(catalogue))


def _package_input(form) -> services.PackageInput:
    items = []
    for row in form.items:
        value = row.item.data or ""
        if value[:1] == "p" and value[1:].isdigit():
            items.append(services.ItemInput(kind=PARTS, part_id=int(value[1:]), quantity=row.quantity.data))
        elif value[:1] == "o" and value[1:].isdigit():
            items.append(services.ItemInput(kind=LABOR, operation_id=int(value[1:]), hours=row.hours.data))
    return services.PackageInput(code=form.code.data, name=form.name.data, price_fen=form.price.data,
                                 bay_minutes=form.bay_minutes.data, wash_minutes=form.wash_minutes.data or 0,
                                 interval_km=form.interval_km.data, active=form.active.data, items=items)


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(MANAGER)
def settings():
    store_id, actor = managed_store_id(), current_actor()
    current = services.lane_settings(store_id)
    form = SettingsForm(obj=current)
    form.duty_manager_id.choices = choices([("", "-"), *services.store_managers(store_id)])
    if form.validate_on_submit():
        try:
            services.save_settings(store_id, bays=form.bays.data, cap_per_quarter=form.cap_per_quarter.data,
                                   actor=actor, now=utcnow(), reminder=services.CloseReminder(
                                       close_by=form.close_by.data or current.close_by or DEFAULT_CLOSE_BY,
                                       sms=form.close_reminder_sms.data,
                                       duty_manager_id=form.duty_manager_id.data),
                                   lounge=services.LoungeDisplay(name=form.lounge_name.data or "",
                                                                 locale=form.lounge_locale.data or ""))
        except DomainError as error:
            put_error_on_form(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("quicklane.settings", store=request.args.get("store") or None))
    return render_template("quicklane/settings.html", form=form, shift_form=ShiftForm(), store_id=store_id,
                           technicians=services.lane_technicians(store_id))


@bp.route("/shifts", methods=["POST"])
@roles_required(MANAGER)
def shift():
    store_id = managed_store_id()
    form = ShiftForm()
    if form.validate_on_submit():
        try:
            services.set_shift(store_id, user_id=form.user_id.data, on_shift=form.on_shift.data == "1",
                               actor=current_actor(), now=utcnow())
        except DomainError as error:
            flash(str(error.message), "danger")
    return redirect(url_for("quicklane.settings", store=request.args.get("store") or None))
