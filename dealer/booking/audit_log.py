"""How the booking module's audit entries read (dealer.audit.events)."""
from flask_babel import lazy_gettext as _l

from dealer.audit import events
from dealer.booking.models import Booking

events.record_kind("bookings", _l("Booking"), names=events.names_of(Booking.id, Booking.code, Booking.plate))

events.sentence("booking_created", _l("Booked online: %(code)s"), lambda c: {"code": c.get("code", "")})
events.sentence("booking_cancelled", _l("Cancelled the booking %(code)s"), lambda c: {"code": c.get("code", "")})
events.sentence("booking_no_show", _l("Marked the booking %(code)s as a no-show"),
                lambda c: {"code": c.get("code", "")})
events.sentence("booking_rescheduled", _l("Moved the booking %(code)s"), lambda c: {"code": c.get("code", "")})
events.sentence("booking_checked_in", _l("Checked in the booking %(code)s: order %(order)s"),
                lambda c: {"code": c.get("code", ""), "order": c.get("order", "")})
events.sentence("booking_overbooked", _l("Booked %(code)s over capacity: %(reason)s"),
                lambda c: {"code": c.get("code", ""), "reason": c.get("reason", "")})
