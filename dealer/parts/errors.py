"""Errors of the parts module."""
from flask_babel import lazy_gettext as _l

from dealer.errors import DomainError


class InvalidInput(DomainError):
    code = "parts.invalid"
    status = 422


class PartNumberTaken(DomainError):
    code = "parts.part_number_taken"

    def default_message(self):
        return _l("A part with this number already exists in this store.")


class InsufficientStock(DomainError):
    code = "parts.insufficient_stock"
