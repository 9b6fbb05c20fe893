"""The owner's booking from the SMS link: see it, move it to another free time or cancel it (no account).

The link's token is signed (links.py): a wrong one is a plain "not found". Up to the store's hours before the
time; later the page says to call the store.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from dealer.access import public
from dealer.booking import bp, limits, owner, queries
from dealer.booking.forms import SERVICE_LABELS, STATE_LABELS, ActionForm, HoldForm
from dealer.database import utcnow
from dealer.errors import DomainError, NotFound
from dealer.extensions import limiter
from dealer.members.queries import owner_member_view  # membership: the owner's member view
from dealer.timezones import store_zone

_LIMIT = {"limit_value": limits.progress_limit, "error_message": limits.too_many_requests}
MOVE_CHOICES = 12


@bp.route("/m/<token>")
@public
@limiter.limit(**_LIMIT)
def manage(token):
    """The booking, until when it can be changed online, and the next free times to move it to."""
    try:
        booking = owner.by_token(token)
    except NotFound:
        return render_template("booking/progress_missing.html"), 404
    now = utcnow()
    changeable = booking.state == "booked" and now < owner.change_deadline(booking)
    times = []
    if changeable:
        rules = queries.store_rules(booking.store_id)
        today = now.astimezone(rules.zone).date()
        free = queries.free_slots(rules, booking.service_kind, first=today, days=queries.DAYS_SHOWN, now=now)
        times = [moment for day in sorted(free) for moment in free[day]
                 if moment != booking.starts_at and moment > now + timedelta(hours=1)][:MOVE_CHOICES]
    member_view = owner_member_view(booking.store_id, booking.customer_id, now=now, zone=store_zone(booking.store))
    return render_template("booking/manage.html", booking=booking, token=token, changeable=changeable,
                           deadline=owner.change_deadline(booking), times=times, zone=store_zone(booking.store),
                           services=SERVICE_LABELS, states=STATE_LABELS, form=ActionForm(), move_form=HoldForm(),
                           member_view=member_view)


@bp.route("/m/<token>/cancel", methods=["POST"])
@public
@limiter.limit(**_LIMIT)
def manage_cancel(token):
    if ActionForm().validate_on_submit():
        try:
            owner.cancel_by_owner(token, now=utcnow())
        except NotFound:
            return render_template("booking/progress_missing.html"), 404
        except DomainError as error:
            flash(str(error.message), "warning")
        else:
            flash(_("Your booking is cancelled."), "success")
    return redirect(url_for("booking.manage", token=token))


@bp.route("/m/<token>/move", methods=["POST"])
@public
@limiter.limit(**_LIMIT)
def manage_move(token):
    form = HoldForm()
    if form.validate_on_submit():
        try:
            starts_at = datetime.fromisoformat(form.starts_at.data)
            if starts_at.tzinfo is None:
                raise ValueError
            owner.move_by_owner(token, starts_at, now=utcnow())
        except ValueError:
            flash(_("Please choose a listed time."), "warning")
        except NotFound:
            return render_template("booking/progress_missing.html"), 404
        except DomainError as error:
            flash(str(error.message), "warning")
        else:
            flash(_("Your booking is moved."), "success")
    return redirect(url_for("booking.manage", token=token))
