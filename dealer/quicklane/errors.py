"""Errors of the quick lane (快修区)."""
from flask_babel import lazy_gettext as _l

from dealer.errors import DomainError


class LaneError(DomainError):
    code = "quick_lane.invalid"
    status = 422


class PartsShort(DomainError):
    """A part of the package is out of stock: the owner is promised nothing."""

    code = "quick_lane.parts_short"

    def default_message(self):
        return _l("A part of this package is out of stock: the lane cannot promise it.")


class LaneClosedError(DomainError):
    code = "quick_lane.closed"

    def default_message(self):
        return _l("No technician of the lane is on shift: no promise can be made.")


class PromiseMoved(DomainError):
    """The lane changed between the quote shown to the owner and their agreement."""

    code = "quick_lane.promise_moved"


class StaleStage(DomainError):
    """Someone else moved the car since this screen showed it: the later change is refused."""

    code = "quick_lane.stale"


class IllegalStage(DomainError):
    code = "quick_lane.illegal_stage"


class BayTaken(DomainError):
    code = "quick_lane.bay_taken"
