"""How booking listens: a check-in's repair order marks its booking; every order gets the owner's progress link
(texted when it opens, ending some days after the car is handed over); today's bookings on the home page."""
from __future__ import annotations

import sqlalchemy as sa
from flask import render_template
from markupsafe import Markup

from dealer import audit
from dealer.actors import MANAGER, SERVICE_ADVISOR
from dealer.auth import signals as auth_signals
from dealer.booking import progress, queries
from dealer.booking.forms import SERVICE_LABELS, STATE_LABELS
from dealer.booking.models import BOOKED, CANCELLED, CHECKED_IN, NO_SHOW, SERVICE_KINDS, Booking
from dealer.extensions import db
from dealer.public_links import public_base
from dealer.repair import signals as repair_signals
from dealer.repair.models import QUICK_LANE
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
def _lane_checked_in(order, **_):
    """A quick-lane order opened from a booking (checkin.check_in_lane): the booking, checked in a moment ago in
    this transaction and waiting for its order, names it."""
    if order.source_kind != QUICK_LANE:
        return
    db.session.execute(sa.update(Booking).where(
        Booking.store_id == order.store_id, Booking.vehicle_id == order.vehicle_id, Booking.state == CHECKED_IN,
        Booking.order_id.is_(None)).values(order_id=order.id))


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


# --- The month's bookings on the operations dashboard (repair.signals.month_panels) ---------------------------
# The table as rows too (Panel.sheets), for the dashboard's workbook.
from flask_babel import lazy_gettext as _l  # noqa: E402  (kept in this block: the dashboard's part)


@repair_signals.month_panels.connect
def _month_bookings(store, *, start, end, sheets=False, **_):
    """The month's bookings (by the time booked for) per service kind and state, and the no-show share: no-shows
    over the bookings that came to their time (checked in or no-show). One grouped query."""
    counts = {(kind, state): int(n) for kind, state, n in db.session.execute(
        _MONTH_BOOKINGS, {"store_id": store.id, "start": start, "end": end})}
    states = (BOOKED, CHECKED_IN, CANCELLED, NO_SHOW)
    rows = [(kind, [counts.get((kind, state), 0) for state in states]) for kind in SERVICE_KINDS
            if any(counts.get((kind, state)) for state in states)]
    totals = [sum(row[1][i] for row in rows) for i in range(len(states))]
    came_due = totals[1] + totals[3]
    share = round(100 * totals[3] / came_due, 1) if came_due else None
    if not sheets:
        return Panel(20, Markup(render_template("booking/_month_panel.html", rows=rows, totals=totals, share=share,
                                                states=states, service_labels=SERVICE_LABELS,
                                                state_labels=STATE_LABELS)))
    header = (_l("Service"), *(STATE_LABELS[state] for state in states))
    table = (*((SERVICE_LABELS[kind], *counts) for kind, counts in rows), (_l("Total"), *totals),
             (_l("No-show share"), "-" if share is None else f"{share:.1f}%"))
    return Panel(20, Markup(), sheets=((_l("Bookings and no-shows"), header, table),))


_MONTH_BOOKINGS = (sa.select(Booking.service_kind, Booking.state, sa.func.count())
                   .where(Booking.store_id == sa.bindparam("store_id"),
                          Booking.starts_at >= sa.bindparam("start", type_=Booking.starts_at.type),
                          Booking.starts_at < sa.bindparam("end", type_=Booking.starts_at.type))
                   .group_by(Booking.service_kind, Booking.state))  # built once, its values as parameters
