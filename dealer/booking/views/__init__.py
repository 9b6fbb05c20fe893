"""The booking pages: the owner's (public, no account) and the store's."""
from dealer.booking.views import manage, progress, public, rules, staff  # noqa: F401  (the routes attach themselves to booking.bp)
