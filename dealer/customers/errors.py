"""Errors of the customers module (InvalidValue, a value that fails its format, is in validators.py)."""
from flask_babel import lazy_gettext as _l

from dealer.errors import DomainError


class MobileTaken(DomainError):
    code = "customers.mobile_taken"

    def default_message(self):
        return _l("A customer with this mobile number already exists in this store.")


class PlateTaken(DomainError):
    code = "customers.plate_taken"

    def default_message(self):
        return _l("A vehicle with this plate already exists in this store.")


class VinTaken(DomainError):
    code = "customers.vin_taken"

    def default_message(self):
        return _l("A vehicle with this VIN already exists in this store.")


class OdometerWentBackwards(DomainError):
    code = "customers.odometer_backwards"
    status = 422


class UnknownMobile(DomainError):
    """No customer of the store has the mobile typed in a form: a mistyped input, not a missing page."""

    code = "customers.unknown_mobile"
    status = 422


class CustomerHasVehicles(DomainError):
    code = "customers.has_vehicles"

    def default_message(self):
        return _l("This customer still owns vehicles: transfer them first.")
