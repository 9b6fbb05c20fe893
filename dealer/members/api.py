"""/api/v1/members: join, a member with tier, balances and ledgers; the stored-value card's top-ups and refunds."""
from __future__ import annotations

from dealer.access import current_actor, roles_required
from dealer.actors import CASHIER, CUSTOMER_READERS, CUSTOMER_WRITERS, MANAGER, SERVICE_ADVISOR
from dealer.api_base import ApiBlueprint
from dealer.database import utcnow
from dealer.members import queries, schemas, services
from dealer.members.models import LAUNCHED

blp = ApiBlueprint("members_api", __name__, url_prefix="/api/v1/members",
                   description="Membership (会员): tiers, points and the stored-value card (储值卡).")

CARD_DESK = (MANAGER, CASHIER)


def _out(member) -> dict:
    summary = queries.summary_of(member)
    return {
        "id": member.id, "store_id": member.store_id, "customer_id": member.customer_id, "number": member.number,
        "joined_on": member.joined_on, "tier": summary.tier, "earned_tier_id": member.tier_id,
        "override_until": member.override_until, "override_reason": member.override_reason,
        "points_balance": member.points_balance, "card_paid_fen": member.card_paid_fen,
        "card_bonus_fen": member.card_bonus_fen, "card_balance_fen": member.card_balance_fen,
        "free_items_left": summary.free_items_left, "points_ledger": queries.points_ledger(member),
        "card_ledger": queries.card_ledger(member)}


@blp.route("", methods=["POST"])
@roles_required(*CUSTOMER_WRITERS)
@blp.arguments(schemas.JoinInSchema)
@blp.response(201, schemas.MemberOut)
def join(data):
    """Make a customer a member (入会), in the tier their last 12 months' spend reaches."""
    return _out(services.join(data["customer_id"], actor=current_actor(), now=utcnow()))


@blp.route("/<int:member_id>", methods=["GET"])
@roles_required(*CUSTOMER_READERS)
@blp.response(200, schemas.MemberOut)
def get_member(member_id):
    """Return a member with the tier that applies, the balances and both ledgers."""
    return _out(services.get_member(member_id, actor=current_actor()))


@blp.route("/<int:member_id>/stored-value/top-ups", methods=["POST"])
@roles_required(*CARD_DESK)
@blp.arguments(schemas.TopUpInSchema)
@blp.response(200, schemas.MemberOut)
def top_up(data, member_id):
    """Top up the stored-value card: the paid value and the bonus apart (pay 1,000, get 1,100)."""
    return _out(services.top_up(member_id, paid_fen=data["paid_fen"], bonus_fen=data["bonus_fen"],
                                method=data["method"], reference=data["reference"], actor=current_actor(),
                                now=utcnow()))


@blp.route("/<int:member_id>/stored-value/refunds", methods=["POST"])
@roles_required(*CARD_DESK)
@blp.arguments(schemas.RefundInSchema)
@blp.response(200, schemas.MemberOut)
def refund(data, member_id):
    """Refund the paid value left on the card (the bonus left is forfeited in the same ledger row)."""
    return _out(services.refund(member_id, method=data["method"], reference=data["reference"], actor=current_actor(),
                                now=utcnow()))


campaigns_blp = ApiBlueprint("campaigns_api", __name__, url_prefix="/api/v1/campaigns",
                             description="Campaigns (季节性活动) with a held-out control group, and their results.")


@campaigns_blp.route("", methods=["GET"])
@roles_required(MANAGER)
@campaigns_blp.response(200, schemas.CampaignListOut)
def list_campaigns():
    """List the campaigns of the manager's store (every store's for the group), newest first (200 at most)."""
    return {"items": queries.list_campaigns(current_actor().store_id)}


@campaigns_blp.route("/<int:campaign_id>", methods=["GET"])
@roles_required(MANAGER)
@campaigns_blp.response(200, schemas.CampaignDetailOut)
def get_campaign(campaign_id):
    """Return a campaign with its results: invited against held out, the uplift with its 95% interval."""
    return _campaign_out(services.get_campaign(campaign_id, actor=current_actor()))


def _campaign_out(campaign) -> dict:
    out = _campaign_fields(campaign)
    out["results"] = _results_out(queries.campaign_results(campaign, with_last_year=False), campaign.gifts_given) \
        if campaign.state == LAUNCHED else None
    return out


def _results_out(results, gifts_given: int) -> dict:
    return {"invited": results.invited, "held_out": results.held_out, "visit_uplift": results.visit_uplift,
            "revenue_uplift": results.revenue_uplift, "discounts_fen": results.discounts_fen,
            "gifts_given": gifts_given}


@campaigns_blp.route("/<int:campaign_id>/gifts", methods=["POST"])
@roles_required(MANAGER, SERVICE_ADVISOR, CASHIER)
@campaigns_blp.arguments(schemas.GiftInSchema)
@campaigns_blp.response(201, schemas.GiftOut)
def hand_over_gift(data, campaign_id):
    """Hand an invited owner the campaign's gift (once per owner, out of the campaign's stock)."""
    return services.hand_over_gift(campaign_id, data["customer_id"], order_number=data["order_number"],
                                   note=data["note"], actor=current_actor(), now=utcnow())


@campaigns_blp.route("/groups/<int:group_id>", methods=["GET"])
@roles_required(MANAGER)
@campaigns_blp.response(200, schemas.GroupCampaignOut)
def get_group_campaign(group_id):
    """Return a campaign of the group over several stores: each store's campaign and results, and together (a
    group-level manager's; 404 to a store's)."""
    group, campaigns = services.get_group_campaign(group_id, actor=current_actor())
    out = {name: getattr(group, name) for name in ("id", "name", "season", "starts_on", "ends_on", "state", "seed",
                                                   "launched_at")}
    if group.state == LAUNCHED:
        together = queries.group_results(group, campaigns)
        out["stores"] = [{"store_code": code, "campaign": _campaign_fields(results.campaign),
                          "results": _results_out(results, results.campaign.gifts_given)}
                         for code, results in together.stores]
        out["results"] = _results_out(together, together.gifts_given)
        last = together.last_year
        out["last_year"] = None if last is None else {
            **{name: getattr(last.group, name) for name in ("id", "name", "starts_on", "ends_on")},
            "results": _results_out(last, last.gifts_given)}
    else:
        codes = queries.groups.store_codes(campaigns)
        out["stores"] = [{"store_code": codes.get(c.store_id, ""), "campaign": _campaign_fields(c), "results": None}
                         for c in campaigns]
        out["results"] = out["last_year"] = None
    return out


def _campaign_fields(campaign) -> dict:
    return {name: getattr(campaign, name) for name in schemas.CampaignOut().fields}
