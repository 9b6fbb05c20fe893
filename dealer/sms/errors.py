"""Errors of the SMS module."""
from flask_babel import lazy_gettext as _l

from dealer.errors import DomainError


class InvalidTemplate(DomainError):
    code = "sms.invalid_template"
    status = 422


class InvalidSettings(DomainError):
    code = "sms.invalid_settings"
    status = 422


class CodeRefused(DomainError):
    """A wrong, expired or used-up SMS code (the same words for each: nothing to learn from them)."""

    code = "verification.code_refused"  # each purpose answers with its own: "booking.code_refused", ...
    status = 422

    def __init__(self, message=None, field: str | None = None, *, purpose: str | None = None):
        super().__init__(message, field=field)
        if purpose is not None:
            self.code = f"{purpose}.code_refused"


class TooManyCodes(DomainError):
    code = "rate_limited"
    status = 429

    def __init__(self, retry_after: int, message=None):
        super().__init__(message)
        self.retry_after = retry_after

    def default_message(self):
        return _l("Too many codes requested. Please wait a minute and try again.")
