"""Counters of SMS codes asked for (per phone, per address), shared by every worker (dealer.attempts).

The pages and the API spend from them before the service's own database counts; the limits are settings
(BOOKING_CODE_PHONE_LIMIT, BOOKING_CODE_ADDRESS_LIMIT), so a load or fuzz test can raise them.
"""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from limits import parse_many

from dealer import attempts
from dealer.booking.errors import TooManyCodes
from dealer.extensions import limiter

PHONE_LIMIT = "1 per minute;5 per hour"
ADDRESS_LIMIT = "3 per minute;20 per hour"


def spend_code_allowance(phone: str) -> None:
    """Count one code for this phone and this address; raise TooManyCodes when either has had its codes."""
    if not limiter.enabled:
        return
    config = current_app.config
    phone_key = ("booking-code-phone", "".join(ch for ch in phone if ch.isdigit())[-11:])
    address_key = ("booking-code-address", get_remote_address() or "")
    counters = [(item, phone_key) for item in parse_many(config.get("BOOKING_CODE_PHONE_LIMIT", PHONE_LIMIT))]
    counters += [(item, address_key) for item in parse_many(config.get("BOOKING_CODE_ADDRESS_LIMIT",
                                                                       ADDRESS_LIMIT))]
    spent = attempts.spent(counters)
    if spent:
        raise TooManyCodes(attempts.retry_after(spent))
    attempts.hit(counters)


# Requests per address to the owner's pages: enough for a person, too few to guess a link's token or a code.
PAGE_LIMIT = "60 per minute;600 per hour"
PROGRESS_LIMIT = "30 per minute;300 per hour"


def page_limit() -> str:
    return current_app.config.get("BOOKING_PAGE_RATE_LIMIT", PAGE_LIMIT)


def progress_limit() -> str:
    return current_app.config.get("BOOKING_PROGRESS_RATE_LIMIT", PROGRESS_LIMIT)


def too_many_requests() -> str:
    """The owner's pages' 429: about their requests, not a sign-in (they never signed in)."""
    return str(_l("Too many requests from your network. Please wait a minute and try again."))
