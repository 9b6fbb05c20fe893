"""DomainError: a business rule refused the request. `dealer.error_handlers` maps it to a page or JSON once."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A business rule refused the request; nothing was changed.

    `message` is shown to the user (a lazy translation); `field` names the form or API field
    it belongs to, when there is one.
    """

    code = "domain_error"
    status = 409

    def __init__(self, message=None, field: str | None = None, **params):
        self.message = message if message is not None else self.default_message()
        self.field = field
        self.params = params
        super().__init__(str(self.message))

    def default_message(self):
        return _l("The request could not be completed.")

    def fields(self) -> dict[str, list[str]]:
        return {self.field: [str(self.message)]} if self.field else {}


class NotFound(DomainError):
    code = "not_found"
    status = 404

    def default_message(self):
        return _l("Not found.")


class Forbidden(DomainError):
    code = "forbidden"
    status = 403

    def default_message(self):
        return _l("You are not allowed to do this.")


class ValidationFailed(DomainError):
    """Several fields were wrong at once (API input)."""

    code = "validation_failed"
    status = 422

    def __init__(self, field_errors: dict[str, list[str]], message=None):
        self._field_errors = field_errors
        super().__init__(message or _l("Some fields are not valid."))

    def fields(self):
        return self._field_errors
