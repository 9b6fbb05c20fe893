"""Flask-Limiter's counters for SMS codes (per phone, per address), shared by every worker through its storage.

The pages and the API spend from them before the service's own database counts; the limits are settings
(BOOKING_CODE_PHONE_LIMIT, BOOKING_CODE_ADDRESS_LIMIT), so a load or fuzz test can raise them.
"""
from __future__ import annotations

import math
import time

from flask import current_app
from flask_limiter.util import get_remote_address
from limits import parse_many

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
    spent = [(item, keys) for item, keys in counters if not limiter.limiter.test(item, *keys)]
    if spent:
        resets = [limiter.limiter.get_window_stats(item, *keys).reset_time for item, keys in spent]
        raise TooManyCodes(max(1, math.ceil(max(resets) - time.time())))
    for item, keys in counters:
        limiter.limiter.hit(item, *keys)
