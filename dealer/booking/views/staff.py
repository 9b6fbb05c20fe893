"""The store's side: the bookings of a day, check-in (a repair order), cancel, no-show."""
from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from dealer.access import current_actor, roles_required
from dealer.actors import MANAGER, SERVICE_ADVISOR
from dealer.booking import bp, checkin, queries, services
from dealer.booking.forms import SERVICE_LABELS, STATE_LABELS, ActionForm
from dealer.database import utcnow
from dealer.inputs import CALENDAR
from dealer.stores.services import store_scope
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
                           service_labels=SERVICE_LABELS, state_labels=STATE_LABELS, now=now,
                           zone=store_zone(None))


def _back():
    return redirect(url_for("booking.index", day=request.args.get("day") or None,
                            store=request.args.get("store") or None))


@bp.route("/<int:booking_id>/check-in", methods=["POST"])
@roles_required(*DESK)
def check_in(booking_id):
    """The owner arrived: open the repair order from the booking."""
    if ActionForm().validate_on_submit():
        order = checkin.check_in(booking_id, actor=current_actor(), now=utcnow())
        flash(_("Checked in: repair order %(number)s opened.", number=order.number), "success")
        return redirect(url_for("repair.show_order", order_id=order.id))
    return _back()


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
