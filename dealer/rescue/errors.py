"""Errors of the rescue module: each says what to do, in the user's language."""
from flask_babel import lazy_gettext as _l

from dealer.errors import DomainError


class RescueError(DomainError):
    code = "rescue.invalid"
    status = 422


class WrongState(DomainError):
    code = "rescue.wrong_state"

    def default_message(self):
        return _l("The call is not at a step where this can be done.")


class GuardNotRecorded(DomainError):
    """The injuries or expressway guard must be recorded before help is sent."""

    code = "rescue.guard_not_recorded"


class ResponderNotAvailable(DomainError):
    code = "rescue.responder_not_available"

    def default_message(self):
        return _l("This unit is no longer available: another call has it. Pick another responder.")


class LinkExpired(DomainError):
    code = "rescue.link_expired"
    status = 410

    def default_message(self):
        return _l("This link has expired: the job is over or was given to another crew.")


class ClaimWrongMove(DomainError):
    """An insurance claim asked to skip a step or to leave a closed state."""

    code = "rescue.claim_wrong_move"
