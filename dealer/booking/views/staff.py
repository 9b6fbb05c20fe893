"""The store's side: the bookings of a day, check-in (a repair order), cancel, no-show."""
from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from dealer.access import current_actor, roles_required
from dealer.actors import MANAGER, SERVICE_ADVISOR
from dealer.booking import bp, checkin, desk, owner, queries, services
from dealer.booking.forms import SERVICE_LABELS, STATE_LABELS, ActionForm, CheckInForm, OverbookForm
from dealer.database import utcnow
from dealer.errors import DomainError
from dealer.extensions import db
from dealer.forms import managed_store_id, put_error_on_form
from dealer.inputs import CALENDAR
from dealer.reminders.forms import KIND_LABELS as DUE_LABELS
from dealer.stores.services import get_store, store_scope
from dealer.timezones import store_zone

DESK = (SERVICE_ADVISOR, MANAGER)


@bp.route("/")
@roles_required(*DESK)
def index():
    """The store's bookings of one day (today by default), in time order."""
    actor, now = current_actor(), utcnow()
    scope = store_scope(actor, request.args.get("store"))
    try:
        day = date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        day = None
    if day is not None and CALENDAR.problem(day):
        day = None  # a day no booking can have: today's list
    day, rows = queries.day_bookings(scope.store_ids, day=day, now=now)
    return render_template("booking/index.html", rows=rows, day=day, scope=scope, form=ActionForm(),
                           packages=desk.lane_packages(rows, actor=actor),
                           due=desk.due_for(rows, today=day), due_labels=DUE_LABELS, vin_pending=desk.vin_pending(rows),
                           service_labels=SERVICE_LABELS, state_labels=STATE_LABELS, now=now,
                           zone=store_zone(None), may_overbook=MANAGER in actor.roles,
                           no_shows=queries.no_show_counts(scope.store_ids, [row.phone for row in rows]))


@bp.route("/overbook", methods=["GET", "POST"])
@roles_required(MANAGER)
def overbook():
    """A manager books a full time anyway (超额预约), with the reason on record."""
    actor, store_id = current_actor(), managed_store_id()
    form = OverbookForm()
    if form.validate_on_submit():
        data = services.BookingInput(
            store_id=store_id, service_kind=form.service_kind.data, name=form.name.data, phone=form.phone.data,
            plate=form.plate.data, starts_at=form.starts_at.data.replace(tzinfo=store_zone(get_store(store_id, actor=actor))))
        try:
            booking = owner.overbook(data, reason=form.reason.data, actor=actor, now=utcnow())
        except DomainError as error:
            db.session.rollback()
            put_error_on_form(form, error)
        else:
            flash(_("Booked anyway: %(code)s.", code=booking.code), "success")
            return redirect(url_for("booking.index", day=form.starts_at.data.date().isoformat()))
    return render_template("booking/overbook.html", form=form, store_id=store_id)


def _back():
    return redirect(url_for("booking.index", day=request.args.get("day") or None,
                            store=request.args.get("store") or None))


@bp.route("/<int:booking_id>/check-in", methods=["POST"])
@roles_required(*DESK)
def check_in(booking_id):
    """The owner arrived: open the repair order (or, with a package, the quick-lane order) from the booking."""
    form = CheckInForm()
    if not form.validate_on_submit():
        return _back()
    if form.package_id.data is not None:
        lane = checkin.check_in_lane(booking_id, package_id=form.package_id.data, key_tag=form.key_tag.data or "",
                                     actor=current_actor(), now=utcnow(), vin=form.vin.data or "")
        flash(_("Checked in to the quick lane: %(package)s, key tag %(tag)s.", package=lane.package_name,
                tag=lane.key_tag), "success")
        return redirect(url_for("quicklane.board"))
    order = checkin.check_in(booking_id, actor=current_actor(), now=utcnow(), vin=form.vin.data or "")
    flash(_("Checked in: repair order %(number)s opened.", number=order.number), "success")
    return redirect(url_for("repair.show_order", order_id=order.id))


@bp.route("/<int:booking_id>/cancel", methods=["POST"])
@roles_required(*DESK)
def cancel(booking_id):
    if ActionForm().validate_on_submit():
        services.cancel_booking(booking_id, actor=current_actor(), now=utcnow())
        flash(_("Booking cancelled."), "success")
    return _back()


@bp.route("/<int:booking_id>/no-show", methods=["POST"])
@roles_required(*DESK)
def no_show(booking_id):
    if ActionForm().validate_on_submit():
        services.mark_no_show(booking_id, actor=current_actor(), now=utcnow())
        flash(_("Marked as a no-show."), "success")
    return _back()
