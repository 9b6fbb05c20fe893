"""Membership pages, one file per desk: the member desk (members.py) and the campaigns (campaigns.py)."""
from dealer.members.views import campaigns, members  # noqa: F401
