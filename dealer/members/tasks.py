"""Membership's part of each store's night: points expire, tiers are reviewed at anniversaries (with the warning
30 days before), the ledgers are checked against the balances, the closed months of customer loss are counted,
and the draft campaigns' targets are counted again."""
from __future__ import annotations

from dealer.members.services import (
    check_ledgers,
    count_kept_drafts,
    expire_points,
    review_tiers,
    roll_up_loss,
)
from dealer.scheduler import nightly_task

nightly_task("member_points_expiry", order=30)(expire_points)
nightly_task("member_tier_review", order=31)(review_tiers)
nightly_task("member_ledger_check", order=32)(check_ledgers)
nightly_task("member_loss_rollup", order=33)(roll_up_loss)
nightly_task("member_draft_counts", order=34)(count_kept_drafts)
