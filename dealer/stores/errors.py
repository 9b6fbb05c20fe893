"""Errors of the stores module."""
from flask_babel import lazy_gettext as _l

from dealer.errors import DomainError


class InvalidStore(DomainError):
    code = "stores.invalid"
    status = 422


class StoreCodeTaken(DomainError):
    code = "stores.code_taken"

    def default_message(self):
        return _l("Another store already has this code.")
