"""How booking listens: a check-in's repair order marks its booking; every order gets the owner's progress link
(texted when it opens, ending some days after the car is handed over); today's bookings on the home page."""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from dealer import audit
from dealer.actors import MANAGER, SERVICE_ADVISOR
from dealer.auth import signals as auth_signals
from dealer.booking import progress, queries
from dealer.booking.forms import SERVICE_LABELS, STATE_LABELS
from dealer.booking.models import BOOKED, CHECKED_IN, Booking
from dealer.extensions import db
from dealer.public_links import public_base
from dealer.repair import signals as repair_signals
from dealer.signals import Panel
from dealer.timezones import store_zone

HOME_ROWS = 20


@repair_signals.order_opened.connect
def _checked_in(order, *, actor, now, **_):
    """The order a booking's check-in opened: the booking is checked in, and names its order."""
    if order.source_kind != "booking" or order.source_ref is None:
        return
    booking = db.session.get(Booking, order.source_ref)
    if booking is None or booking.store_id != order.store_id or booking.state != BOOKED:
        return
    booking.state, booking.order_id, booking.changed_at = CHECKED_IN, order.id, now
    audit.record("booking_checked_in", booking, actor=actor, changes={"code": booking.code, "order": order.number})


@repair_signals.order_opened.connect
def _progress_link(order, *, now, **_):
    """Every order opened gets the owner's private progress link (透明度), texted to the owner."""
    progress.open_link(order, now=now, link_base=public_base())


@repair_signals.order_delivered.connect
def _progress_link_ends(order, *, now, **_):
    """The car is back with its owner: the progress link works a few more days (the statement), then ends."""
    progress.end_link(order, now=now)


@auth_signals.home_panels.connect
def _todays_bookings(actor, *, now, **_):
    """Today's bookings: the advisor's own first, then the store's; the manager's stores' list."""
    if not actor.has_any({SERVICE_ADVISOR, MANAGER}):
        return None
    rows = queries.todays_bookings(actor=actor, now=now, limit=HOME_ROWS)
    return Panel(10, Markup(render_template("booking/_home_panel.html", rows=rows, actor=actor, limit=HOME_ROWS,
                                            service_labels=SERVICE_LABELS, state_labels=STATE_LABELS,
                                            zone=store_zone(None))))
