"""Membership services: the public functions commit, once (`dealer.members.ledger` holds what runs inside
another module's transaction)."""
from dealer.members.services.balances import (  # noqa: F401
    adjust_points,
    check_ledgers,
    claw_back_points,
    expire_points,
    ledger_drift,
    refund,
    top_up,
)
from dealer.members.services.campaigns import (  # noqa: F401, E402
    CampaignInput,
    count_campaign,
    count_drafts,
    count_kept_drafts,
    create_campaign,
    draw_holdout,
    get_campaign,
    holdout_count,
    kept_counts,
    launch_campaign,
    preview,
    previews,
    win_back_campaign,
)
from dealer.members.services.common import (  # noqa: F401
    MEMBER_LOADS,
    get_member,
    lock_member,
    member_id_of,
    settings_for,
    store_today,
    tiers_of,
)
from dealer.members.services.gifts import hand_over_gift  # noqa: F401, E402
from dealer.members.services.group_campaigns import (  # noqa: F401, E402
    count_group_campaign,
    create_group_campaign,
    get_group_campaign,
    launch_group_campaign,
    store_seed,
)
from dealer.members.services.loss import roll_up_loss  # noqa: F401, E402
from dealer.members.services.membership import (  # noqa: F401
    MEMBER_JOIN,
    free_items_left,
    join,
    join_online,
    member_number,
    override_tier,
    qualifying_spend,
    qualifying_tier,
    review_tiers,
    upgrade_if_qualified,
    use_free_item,
)
from dealer.members.services.opening import import_opening_balances  # noqa: F401, E402
from dealer.members.services.settings import TIER_FIELDS, TierInput, save_settings, save_tier  # noqa: F401, E402
