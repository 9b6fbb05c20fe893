"""Check-in (到店接车): a booking becomes a repair order through the repair module's one way of opening orders."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _

from dealer.actors import Actor
from dealer.booking.forms import SERVICE_LABELS
from dealer.booking.services import lock_for_check_in
from dealer.repair.models import BODY_PAINT, GENERAL_REPAIR, MAINTENANCE, RepairOrder
from dealer.repair.services import OrderInput, OrderSource, open_order

ORDER_KINDS = {"maintenance": MAINTENANCE, "quick_lane": MAINTENANCE, "repair": GENERAL_REPAIR,
               "body_paint": BODY_PAINT, "inspection": GENERAL_REPAIR}
MARGIN = timedelta(minutes=30)  # the promise: the booked time (or now, if later), the labor minutes and this


def check_in(booking_id: int, *, actor: Actor, now: datetime) -> RepairOrder:
    """Open the booking's repair order: its service and note become the concern, its time the starting point.

    The booking turns checked-in in the same transaction (handlers: repair.signals.order_opened). Raises
    NotFound, BookingStateError (already handled, or the car has no file yet), RepairError.
    """
    booking = lock_for_check_in(booking_id, actor=actor)
    concern = str(SERVICE_LABELS[booking.service_kind]) + (f": {booking.note}" if booking.note else "")
    promised = max(now, booking.starts_at) + timedelta(minutes=booking.minutes) + MARGIN
    return open_order(booking.vehicle_id, OrderInput(
        concerns=[concern[:500]], promised_at=promised, kind=ORDER_KINDS[booking.service_kind],
        advisor_id=booking.advisor_id, notes=_("Booking %(code)s", code=booking.code)),
        actor=actor, now=now, source=OrderSource(kind="booking", ref=booking.id))
