"""The owner's booking pages (no account): pick a store, service, day and time; verify the phone; done.

Plain forms and links, no script: fast in WeChat's browser on a weak connection. The owner's browser keeps
a random holder token, the held time and the form's idempotency key in its session.
"""
from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from dealer.access import public
from dealer.booking import bp, limits, links, queries, services
from dealer.booking.errors import SlotFull
from dealer.booking.forms import DAY_PART_LABELS, SERVICE_LABELS, DetailsForm, HoldForm
from dealer.customers.services import store_advisors
from dealer.database import utcnow
from dealer.errors import DomainError
from dealer.extensions import db, limiter
from dealer.forms import put_error_on_form
from dealer.inputs import whole_number
from dealer.sms import verification
from dealer.stores.services import list_stores
from dealer.timezones import store_zone

# Per address, each page: a person never meets it; a script pumping codes or guessing booking codes does, and
# is told so in the owner's words (not the staff sign-in's).
_LIMIT = {"limit_value": limits.page_limit, "error_message": limits.too_many_requests}


def _holder() -> str:
    if "booking_holder" not in session:
        session["booking_holder"] = secrets.token_urlsafe(24)
    return session["booking_holder"]


def _choice(now: datetime):
    stores = [store for store in list_stores(active_only=True)]
    store_id = whole_number(request.args.get("store"))
    store = next((s for s in stores if s.id == store_id), stores[0] if stores else None)
    kind = request.args.get("service") if request.args.get("service") in SERVICE_LABELS else "maintenance"
    rules = queries.store_rules(store.id) if store else None
    today = now.astimezone(rules.zone).date() if rules else now.date()
    try:
        day = date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        day = today
    return stores, store, kind, rules, today, day


@bp.route("/book")
@public
@limiter.limit(**_LIMIT)
def book():
    """Step 1: the store, the service and the day; the free times of that day (the next ones when it is full)."""
    now = utcnow()
    stores, store, kind, rules, today, day = _choice(now)
    days = [today + timedelta(days=offset) for offset in range(queries.DAYS_SHOWN)]
    free = queries.free_slots(rules, kind, first=today, days=queries.DAYS_SHOWN, now=now) if rules else {}
    message = None
    if day < today:
        message, day = _("This day has passed. Here are the free times of today."), today
    elif day not in free:
        message, day = _("Bookings open %(days)d days ahead.", days=queries.DAYS_SHOWN), today
    times = free.get(day, [])
    later = [] if times else [moment for d in days if d > day for moment in free.get(d, [])][:6]
    if not times and rules and (day.weekday() not in rules.hours or queries.is_closed(store.id, day)):
        message = message or _("The store is closed on this day. Here are the next free times.")
    return render_template("booking/book.html", stores=stores, store=store, kind=kind, day=day, days=days,
                           times=times, later=later, message=message, form=HoldForm(),
                           services=SERVICE_LABELS, parts=DAY_PART_LABELS)


@bp.route("/book/hold", methods=["POST"])
@public
@limiter.limit(**_LIMIT)
def hold():
    """The owner picked a time: hold it for a few minutes (their earlier hold is given back)."""
    form = HoldForm()
    store_id, kind = whole_number(request.args.get("store")), request.args.get("service", "")
    back = url_for("booking.book", store=store_id, service=kind)
    if not form.validate_on_submit() or store_id is None:
        flash(_("Please choose a time."), "danger")
        return redirect(back)
    try:
        starts_at = datetime.fromisoformat(form.starts_at.data)
        if starts_at.tzinfo is None:
            raise ValueError
    except ValueError:
        flash(_("Please choose a listed time."), "danger")
        return redirect(back)
    try:
        services.hold_time(store_id, kind, starts_at, holder=_holder(), now=utcnow())
    except DomainError as error:  # filled meanwhile, closed, outside the hours: say so beside the free times
        flash(str(error.message), "warning")
        return redirect(url_for("booking.book", store=store_id, service=kind, day=starts_at.date().isoformat()))
    session["booking_hold"] = {"store": store_id, "service": kind, "starts_at": starts_at.isoformat()}
    session["booking_key"] = secrets.token_urlsafe(24)
    return redirect(url_for("booking.details"))


@bp.route("/book/details", methods=["GET", "POST"])
@public
@limiter.limit(**_LIMIT)
def details():
    """Step 2: who and which car; send the SMS code, then confirm with it."""
    held = session.get("booking_hold")
    if not held:
        return redirect(url_for("booking.book"))
    form = DetailsForm()
    form.advisor_id.choices = [("", _("Any advisor"))] + [(str(user.id), user.display_name)
                                                          for user in store_advisors(held["store"])]
    if request.method == "GET":
        form.key.data = session.get("booking_key")
    starts_at = datetime.fromisoformat(held["starts_at"])
    if form.validate_on_submit():
        try:
            if form.send.data:
                limits.spend_code_allowance(form.phone.data)
                verification.send_code(form.phone.data, store_id=held["store"], purpose=services.BOOKING, address=get_remote_address() or "",
                                       now=utcnow())
                flash(_("The code is on its way by SMS. It is valid for 5 minutes."), "success")
            else:
                booking = services.book(_input(held, starts_at, form), holder=_holder(), now=utcnow(),
                                        check=verification.PhoneCheck(code=form.code.data or ""),
                                        idempotency_key=form.key.data, link_base=request.url_root)
                session.pop("booking_hold", None)
                return redirect(url_for("booking.done", store_id=booking.store_id, code=booking.code))
        except SlotFull as error:
            flash(str(error.message), "warning")
            return redirect(url_for("booking.book", store=held["store"], service=held["service"],
                                    day=starts_at.date().isoformat()))
        except DomainError as error:
            db.session.rollback()
            put_error_on_form(form, error, {"phone": "phone", "starts_at": "code", "verification": "code"})
    store = next((s for s in list_stores(active_only=True) if s.id == held["store"]), None)
    return render_template("booking/details.html", form=form, held=held, starts_at=starts_at, store=store,
                           services=SERVICE_LABELS)


def _input(held: dict, starts_at: datetime, form: DetailsForm) -> services.BookingInput:
    return services.BookingInput(store_id=held["store"], service_kind=held["service"], starts_at=starts_at,
                                 name=form.name.data, phone=form.phone.data, plate=form.plate.data,
                                 model=form.model.data or "", note=form.note.data or "",
                                 advisor_id=form.advisor_id.data)


@bp.route("/done/<int:store_id>/<code>")
@public
@limiter.limit(**_LIMIT)
def done(store_id, code):
    """The booking's confirmation: its code, time and store (the code is unguessable; no phone shown)."""
    booking = queries.booking_by_code(store_id, code)
    if booking is None:
        return render_template("booking/done.html", booking=None, services=SERVICE_LABELS), 404
    return render_template("booking/done.html", booking=booking, store=booking.store, zone=store_zone(booking.store),
                           services=SERVICE_LABELS, manage_token=links.token(booking.store_id, booking.code))
