"""Membership pages, one file per desk: the member desk (members.py), the campaigns (campaigns.py), customer loss (loss.py)."""
from dealer.members.views import campaigns, group_campaigns, loss, members, opening, public  # noqa: F401
