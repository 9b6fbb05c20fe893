"""Helpers of membership's tests (tests/members and the browser tests)."""
from __future__ import annotations

from datetime import date

from dealer.members import queries, services


def every_listed(store_id: int, status: str, *, today: date, zone) -> list[int]:
    """The customer ids of every page of the customer loss list with `status`, in the list's order."""
    found, page = [], 1
    while True:
        listing = queries.lost_owners(store_id, settings=services.settings_for(store_id), today=today, zone=zone,
                                      status=status, page=page)
        found += [owner.customer_id for owner in listing.owners]
        if not listing.has_next:
            return found
        page += 1
