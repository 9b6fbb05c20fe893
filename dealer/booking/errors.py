"""Errors of the booking module, each with a message the owner or the advisor can read."""
from flask_babel import lazy_gettext as _l

from dealer.errors import DomainError


class BookingError(DomainError):
    code = "booking.invalid"
    status = 422


class DayNotOpen(DomainError):
    """A date in the past, a closed day (holiday) or a time outside the opening hours."""

    code = "booking.not_open"
    status = 422


class SlotFull(DomainError):
    """The time filled while the owner was choosing; `params["nearest"]` names the nearest free times."""

    code = "booking.slot_full"
    status = 409

    def default_message(self):
        return _l("Sorry, this time was just taken. Please choose one of the nearest free times.")


class BookingStateError(DomainError):
    code = "booking.state"
    status = 409


class VinNeeded(BookingStateError):
    """Check-in of a booking whose car has no file yet: its VIN (from the registration, 行驶证) is needed."""

    code = "booking.vin_needed"
    status = 422


class ItemAlreadyDecided(DomainError):
    """An extra-work item the owner (or the advisor with them) already decided, or an order that moved on."""

    code = "booking.item_decided"
    status = 409

    def default_message(self):
        return _l("You already decided on this item. Please call your service advisor to change it.")


# The phone check moved to dealer.sms.verification (booking and membership use it); its errors with it.
from dealer.sms.errors import CodeRefused, TooManyCodes  # noqa: E402, F401
