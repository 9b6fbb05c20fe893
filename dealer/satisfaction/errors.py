"""Errors of the customer satisfaction module (each with a message the user reads)."""
from flask_babel import lazy_gettext as _l

from dealer.errors import DomainError


class InvalidInput(DomainError):
    code = "satisfaction.invalid"
    status = 422


class LinkExpired(DomainError):
    code = "satisfaction.link_expired"
    status = 410

    def default_message(self):
        return _l("This feedback link has expired. Thank you all the same; you may call the store.")


class FollowUpClosed(DomainError):
    code = "satisfaction.follow_up_closed"

    def default_message(self):
        return _l("This follow-up is closed.")


class NotTheVerifier(DomainError):
    """The verification call is made by someone other than whoever handled the order or recorded its form."""

    code = "satisfaction.not_the_verifier"
    status = 403

    def default_message(self):
        return _l("The verification call must be made by a CS colleague who neither handled the order nor "
                  "recorded its form.")


class IllegalStep(DomainError):
    code = "satisfaction.illegal_step"

    def default_message(self):
        return _l("This step is not possible in the complaint's current state.")


class AlreadySigned(DomainError):
    code = "satisfaction.already_signed"

    def default_message(self):
        return _l("This month is signed off and unchanged since; a correction needs a reason.")
