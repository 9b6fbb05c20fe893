"""The read side of membership: a customer's membership at a glance, the ledgers, the statement's part."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from dealer.auth.models import User
from dealer.customers.models import Customer
from dealer.database import utcnow
from dealer.extensions import db
from dealer.members import uplift
from dealer.members.models import (
    EARN,
    HOLDOUT,
    INVITED,
    LAUNCHED,
    OTHER,
    PAY,
    REDEEM,
    Campaign,
    CampaignGift,
    CampaignTarget,
    Member,
    PointsEntry,
    PointsLot,
    StoredValueEntry,
)
from dealer.members.services.common import store_today
from dealer.members.services.membership import free_items_left
from dealer.members.targeting import PAID, local_midnight
from dealer.repair.models import RepairLine, RepairOrder
from dealer.repair.pricing import CAMPAIGN as CAMPAIGN_SOURCE
from dealer.repair.pricing import MEMBER
from dealer.repair.services.common import BILLED
from dealer.repair.services.pricing import lines_of
from dealer.sms.outbox import zone_of_store

LEDGER_LIMIT = 200  # the newest movements a page shows


@dataclass
class Summary:
    member: Member
    tier: object  # the effective tier (an override while it runs)
    free_items_left: int
    expiring_points: int  # points whose lots end this calendar year


def _summary(member: Member) -> Summary:
    today = store_today(member.store_id, utcnow())
    tier = member.override_tier if member.effective_tier_id(today) != member.tier_id else member.tier
    expiring = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(PointsLot.remaining), 0)).where(
        PointsLot.store_id == member.store_id, PointsLot.member_id == member.id, PointsLot.remaining > 0,
        PointsLot.expires_on <= today.replace(month=12, day=31)))
    return Summary(member, tier, free_items_left(member, tier, today), int(expiring))


def _member_stmt():
    return sa.select(Member).options(joinedload(Member.tier, innerjoin=True), joinedload(Member.override_tier))


def summary_of_customer(customer) -> Summary | None:
    """The customer's membership (tier, balances, free items left), or None when they are not a member."""
    member = db.session.scalars(_member_stmt().where(Member.store_id == customer.store_id,
                                                     Member.customer_id == customer.id)).one_or_none()
    return _summary(member) if member is not None else None


def summary_of(member: Member) -> Summary:
    return _summary(member)


def points_ledger(member: Member, limit: int = LEDGER_LIMIT) -> list[PointsEntry]:
    """The member's newest points movements, newest first."""
    return list(db.session.scalars(sa.select(PointsEntry).where(
        PointsEntry.store_id == member.store_id, PointsEntry.member_id == member.id)
        .order_by(PointsEntry.id.desc()).limit(limit)))


def card_ledger(member: Member, limit: int = LEDGER_LIMIT) -> list[StoredValueEntry]:
    """The card's newest movements, newest first."""
    return list(db.session.scalars(sa.select(StoredValueEntry).where(
        StoredValueEntry.store_id == member.store_id, StoredValueEntry.member_id == member.id)
        .order_by(StoredValueEntry.id.desc()).limit(limit)))


def points_lots(member: Member) -> list[PointsLot]:
    """The lots with points left, soonest expiring first."""
    return list(db.session.scalars(sa.select(PointsLot).where(
        PointsLot.store_id == member.store_id, PointsLot.member_id == member.id, PointsLot.remaining > 0)
        .order_by(PointsLot.expires_on, PointsLot.id).limit(LEDGER_LIMIT)))


@dataclass
class StatementSummary:
    member: Member
    tier_name: str
    tier_discount_fen: int
    points_redeemed: int
    points_redeemed_fen: int
    points_earned: int
    card_paid_fen: int
    points_balance: int
    card_balance_fen: int
    campaign_discount_fen: int = 0  # the campaigns' discounts on the bill (活动折扣: never on a line with the tier's)


def statement_summary(order) -> StatementSummary | None:
    """The member's part of an order's statement, or None when the owner is not a member."""
    if order.is_reversal:
        return None
    member = db.session.scalars(_member_stmt().where(Member.store_id == order.store_id,
                                                     Member.customer_id == order.customer_id)).one_or_none()
    if member is None:
        return None
    redeemed, earned = db.session.execute(sa.select(
        sa.func.coalesce(sa.func.sum(sa.case((PointsEntry.kind == REDEEM, -PointsEntry.points), else_=0)), 0),
        sa.func.coalesce(sa.func.sum(sa.case((PointsEntry.kind == EARN, PointsEntry.points), else_=0)), 0))
        .where(PointsEntry.store_id == order.store_id, PointsEntry.order_id == order.id)).one()
    card = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(-StoredValueEntry.paid_fen - StoredValueEntry.bonus_fen), 0))
                             .where(StoredValueEntry.store_id == order.store_id,
                                    StoredValueEntry.order_id == order.id, StoredValueEntry.kind == PAY))
    billed = lines_of(order, BILLED)
    discount = sum(line.discount_fen for line in billed if line.discount_source == MEMBER)
    campaign = sum(line.discount_fen for line in billed if line.discount_source == CAMPAIGN_SOURCE)
    tier = _summary_tier(member, order)
    return StatementSummary(member, tier.name, discount, int(redeemed), order.points_fen, int(earned), int(card),
                            member.points_balance, member.card_balance_fen, campaign)


def _summary_tier(member: Member, order):
    today = store_today(member.store_id, order.settled_at or utcnow())
    return member.override_tier if member.effective_tier_id(today) != member.tier_id else member.tier


# -- campaigns: the list, the results (invited against held out), the rows of the export -----------------------

@dataclass
class GroupFigures:
    owners: int = 0
    came: int = 0
    revenue_fen: int = 0
    revenue_squares: int = 0  # the sum of each owner's revenue squared (for the interval)

    @property
    def rate(self) -> float:
        return self.came / self.owners if self.owners else 0.0


@dataclass
class CampaignResults:
    campaign: Campaign
    invited: GroupFigures
    held_out: GroupFigures
    visit_uplift: uplift.Interval | None  # response rate, invited minus held out
    revenue_uplift: uplift.Interval | None  # mean revenue per owner (fen), invited minus held out
    discounts_fen: int
    by_advisor: list[tuple[str, int, int, int, int]]  # advisor, invited orders and revenue, held-out ones
    last_year: CampaignResults | None = None

    @property
    def extra_visits(self) -> float:
        """Visits the invitation brought beyond what the invited would have made anyway."""
        return self.visit_uplift.difference * self.invited.owners if self.visit_uplift else 0.0

    @property
    def extra_revenue_fen(self) -> int:
        return round(self.revenue_uplift.difference * self.invited.owners) if self.revenue_uplift else 0


def list_campaigns(store_id: int | None, limit: int = 200) -> list[Campaign]:
    """The campaigns of a store (every store's for the group), newest first."""
    stmt = sa.select(Campaign).order_by(Campaign.starts_on.desc(), Campaign.id.desc()).limit(limit)
    if store_id is not None:
        stmt = stmt.where(Campaign.store_id == store_id)
    return list(db.session.scalars(stmt))


def _window(campaign: Campaign):
    zone = zone_of_store(campaign.store_id)
    return (local_midnight(campaign.starts_on, zone),
            local_midnight(campaign.ends_on + timedelta(days=1), zone))


def _orders_in_window(campaign: Campaign):
    """The join condition of a target's paid orders settled within the campaign's days (reversals included, as
    negative revenue)."""
    start, end = _window(campaign)
    return sa.and_(RepairOrder.store_id == CampaignTarget.store_id, RepairOrder.customer_id == CampaignTarget.customer_id,
                   RepairOrder.state.in_(PAID), RepairOrder.settled_at >= start, RepairOrder.settled_at < end)


def _target_of(campaign: Campaign):
    return (CampaignTarget.store_id == campaign.store_id, CampaignTarget.campaign_id == campaign.id)


def per_owner(campaign: Campaign):
    """Each target owner's group, whether they came (a paid visit in the window) and their revenue (a subquery)."""
    return (sa.select(CampaignTarget.customer_id, CampaignTarget.target_group.label("target_group"),
                      sa.func.max(sa.case((RepairOrder.reversal_of_id.is_(None) & RepairOrder.id.is_not(None), 1),
                                          else_=0)).label("came"),
                      sa.func.coalesce(sa.func.sum(RepairOrder.customer_total_fen), 0).label("revenue_fen"))
            .outerjoin(RepairOrder, _orders_in_window(campaign)).where(*_target_of(campaign))
            .group_by(CampaignTarget.customer_id, CampaignTarget.target_group)).subquery()


def campaign_results(campaign: Campaign, *, with_last_year: bool = True) -> CampaignResults:
    """Invited against held out: owners, came, revenue, uplift with its 95% interval, discounts given, per advisor;
    and the same season's campaign of last year when there is one."""
    owners = per_owner(campaign)
    groups = {INVITED: GroupFigures(), HOLDOUT: GroupFigures()}
    for group, count, came, revenue, squares in db.session.execute(sa.select(
            owners.c.target_group, sa.func.count(), sa.func.coalesce(sa.func.sum(owners.c.came), 0),
            sa.func.coalesce(sa.func.sum(owners.c.revenue_fen), 0),
            sa.func.coalesce(sa.func.sum(owners.c.revenue_fen * owners.c.revenue_fen), 0))
            .group_by(owners.c.target_group)):
        groups[group] = GroupFigures(int(count), int(came), int(revenue), int(squares))
    invited, held = groups[INVITED], groups[HOLDOUT]
    discounts = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(RepairLine.discount_fen), 0))
        .select_from(CampaignTarget).join(RepairOrder, _orders_in_window(campaign))
        .join(RepairLine, sa.and_(RepairLine.store_id == RepairOrder.store_id, RepairLine.order_id == RepairOrder.id))
        .where(*_target_of(campaign), RepairLine.discount_source == CAMPAIGN_SOURCE))
    by_advisor: dict[str, list[int]] = {}
    for name, group, orders, revenue in db.session.execute(
            sa.select(sa.func.coalesce(User.full_name, ""), CampaignTarget.target_group,
                      sa.func.count(RepairOrder.id), sa.func.coalesce(sa.func.sum(RepairOrder.customer_total_fen), 0))
            .select_from(CampaignTarget).join(RepairOrder, _orders_in_window(campaign))
            .outerjoin(User, User.id == RepairOrder.advisor_id).where(*_target_of(campaign))
            .group_by(User.full_name, CampaignTarget.target_group)):
        row = by_advisor.setdefault(name, [0, 0, 0, 0])
        offset = 0 if group == INVITED else 2
        row[offset] += int(orders)
        row[offset + 1] += int(revenue)
    results = CampaignResults(
        campaign, invited, held,
        uplift.proportion_uplift(invited.came, invited.owners, held.came, held.owners),
        uplift.mean_uplift(invited.revenue_fen, invited.revenue_squares, invited.owners, held.revenue_fen,
                           held.revenue_squares, held.owners),
        int(discounts), sorted(((name, *figures) for name, figures in by_advisor.items()), key=lambda r: -r[2]))
    if with_last_year:
        previous = last_year_of(campaign)
        if previous is not None:
            results.last_year = campaign_results(previous, with_last_year=False)
    return results


def last_year_of(campaign: Campaign) -> Campaign | None:
    """The store's launched campaign of the same season that started last year (spring and autumn only)."""
    if campaign.season == OTHER:
        return None
    year = campaign.starts_on.year - 1
    return db.session.scalars(sa.select(Campaign).where(
        Campaign.store_id == campaign.store_id, Campaign.season == campaign.season, Campaign.state == LAUNCHED,
        Campaign.starts_on >= date(year, 1, 1), Campaign.starts_on <= date(year, 12, 31))
        .order_by(Campaign.starts_on.desc()).limit(1)).one_or_none()


def export_rows(campaign: Campaign, batch: int = 5_000):
    """Each target owner (name, mobile, group, came, revenue, when the gift was handed over), in batches (the Excel export streams them)."""
    owners = per_owner(campaign)
    stmt = (sa.select(Customer.name, Customer.mobile, owners.c.target_group, owners.c.came, owners.c.revenue_fen,
                      CampaignGift.given_at)
            .join(Customer, sa.and_(Customer.store_id == campaign.store_id, Customer.id == owners.c.customer_id))
            .outerjoin(CampaignGift, sa.and_(CampaignGift.store_id == campaign.store_id,
                                             CampaignGift.campaign_id == campaign.id,
                                             CampaignGift.customer_id == owners.c.customer_id))
            .order_by(owners.c.customer_id))
    yield from db.session.execute(stmt.execution_options(yield_per=batch))


from dealer.members.queries.gifts import GiftOffer, gift_offers  # noqa: E402, F401
from dealer.members.queries.groups import GroupResults, group_results, list_group_campaigns  # noqa: E402, F401
from dealer.members.queries.loss import (  # noqa: E402, F401
    AT_RISK,
    LOST,
    LossFigures,
    LossPage,
    MonthFigures,
    current_month,
    loss_figures,
    lost_owners,
    monthly_figures,
)
from dealer.members.queries.owner import OwnerMemberView, owner_member_view  # noqa: E402, F401
