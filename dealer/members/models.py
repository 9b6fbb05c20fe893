"""Membership (会员): tiers, members, the points ledger with its lots, the stored-value card's ledger, free items.

Every movement of points or stored value is an append-only ledger row; a member's balances are kept on the
member row, changed only in the same transaction as the row that explains the change, so the balance is
always the ledger's sum (`services.ledger_drift` checks it nightly).
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dealer.database import Timestamps, UTCDateTime, utcnow
from dealer.extensions import db

_BIG_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")

# Points ledger kinds.
EARN = "earn"          # earned on a settled order: opens a lot
REDEEM = "redeem"      # money off at settlement, taken from lots (soonest expiring first)
EXPIRE = "expire"      # what was left of a lot at its expiry
REVERSE = "reverse"    # a reversal (红冲): earned points come off, redeemed points come back
ADJUST = "adjust"      # a manual correction with its reason (a positive one opens a lot)
CLAWBACK = "clawback"  # points taken back beyond the balance: the one way below zero, always recorded
POINTS_KINDS = (EARN, REDEEM, EXPIRE, REVERSE, ADJUST, CLAWBACK)

# How a member joined (Member.origin).
FRONT_DESK, ONLINE, ONLINE_NEW_FILE = "front_desk", "online", "online_new_file"

# Stored-value ledger kinds.
TOP_UP = "top_up"
PAY = "pay"
REFUND = "refund"          # the remaining paid value handed back on request
PAY_REVERSED = "pay_reversed"  # a reversal (红冲) puts a card payment back on the card
CARD_KINDS = (TOP_UP, PAY, REFUND, PAY_REVERSED)
TOP_UP_METHODS = ("cash", "bank_card", "wechat_pay", "alipay", "transfer")

# The group's default tiers (migration 0012 writes them): rank, name, labor and parts discount (bp), points
# rate (bp of one point per yuan), free car washes a year, priority booking, qualifying 12-month spend (fen).
DEFAULT_TIERS = (
    (1, "普卡", 0, 0, 10000, 0, False, 0),
    (2, "银卡", 500, 300, 12000, 2, False, 500_000),
    (3, "金卡", 1000, 500, 15000, 4, True, 1_500_000),
    (4, "钻石", 1500, 800, 20000, 8, True, 4_000_000),
)


class MemberSettings(db.Model):
    """A store's points rules: how many points make one yuan off, and the largest share of a bill they may pay."""

    __tablename__ = "member_settings"
    __table_args__ = (
        sa.CheckConstraint("points_per_yuan > 0", name="points_per_yuan_positive"),
        sa.CheckConstraint("max_points_share_bp BETWEEN 0 AND 10000", name="max_points_share_in_range"),
        sa.CheckConstraint("holdout_bp BETWEEN 0 AND 5000 AND marketing_per_month >= 0", name="campaign_rules_in_range"),
        sa.CheckConstraint("at_risk_months > 0 AND lost_months > at_risk_months", name="loss_months_in_order"),
    )

    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"), primary_key=True)
    points_per_yuan: Mapped[int] = mapped_column(sa.Integer, default=100)  # 100 points = 1 yuan off
    max_points_share_bp: Mapped[int] = mapped_column(sa.Integer, default=5000)  # at most half the bill
    # Campaigns: the share of a target held out (not invited: the control group), and the most marketing SMS an
    # owner gets in a calendar month across campaigns.
    holdout_bp: Mapped[int] = mapped_column(sa.Integer, default=1000, server_default="1000")
    marketing_per_month: Mapped[int] = mapped_column(sa.SmallInteger, default=2, server_default="2")
    # Customer loss (客户流失): months since the last paid visit after which an owner is at risk, then lost.
    at_risk_months: Mapped[int] = mapped_column(sa.SmallInteger, default=6, server_default="6")
    lost_months: Mapped[int] = mapped_column(sa.SmallInteger, default=12, server_default="12")


class MemberTier(db.Model):
    """A tier (会员等级): the group's (store_id NULL) unless the store defines its own."""

    __tablename__ = "member_tiers"
    __table_args__ = (
        sa.Index("ix_member_tiers_store_id_rank", "store_id", "rank"),
        sa.CheckConstraint("labor_discount_bp BETWEEN 0 AND 10000 AND parts_discount_bp BETWEEN 0 AND 10000",
                           name="discounts_in_range"),
        sa.CheckConstraint("points_rate_bp >= 0 AND free_items_per_year >= 0 AND qualifying_spend_fen >= 0",
                           name="figures_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stores.id"))
    rank: Mapped[int] = mapped_column(sa.SmallInteger)  # 1 = the entry tier; higher is better
    name: Mapped[str] = mapped_column(sa.String(20))
    labor_discount_bp: Mapped[int] = mapped_column(sa.Integer, default=0)
    parts_discount_bp: Mapped[int] = mapped_column(sa.Integer, default=0)
    points_rate_bp: Mapped[int] = mapped_column(sa.Integer, default=10000)  # 10000 = 1 point per yuan
    free_items_per_year: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    free_item_name: Mapped[str] = mapped_column(sa.String(20), default="")  # e.g. 洗车
    priority_booking: Mapped[bool] = mapped_column(default=False)
    # Customer-paid spend over the last 12 months that earns the tier (warranty, insurance, internal never count).
    qualifying_spend_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class Member(Timestamps, db.Model):
    """A customer's membership: its number (unique in the whole dealer group), tier and balances."""

    __tablename__ = "members"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "customer_id"),
        sa.CheckConstraint("card_paid_fen >= 0 AND card_bonus_fen >= 0", name="card_not_negative"),
        sa.CheckConstraint("origin IN ('front_desk', 'online', 'online_new_file')", name="origin_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"))
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    joined_on: Mapped[date] = mapped_column(sa.Date)
    tier_id: Mapped[int] = mapped_column(sa.ForeignKey("member_tiers.id"))
    # A manager's override: the tier given, why and until when (then the earned tier applies again).
    override_tier_id: Mapped[int | None] = mapped_column(sa.ForeignKey("member_tiers.id"))
    override_reason: Mapped[str] = mapped_column(sa.String(200), default="")
    override_until: Mapped[date | None] = mapped_column(sa.Date)
    # The anniversary whose downgrade warning went out (sent once, 30 days before).
    downgrade_warned_for: Mapped[date | None] = mapped_column(sa.Date)
    # The anniversary whose tier review (a downgrade when the spend no longer qualifies) was done.
    reviewed_for: Mapped[date | None] = mapped_column(sa.Date)
    points_balance: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    # How the owner joined: at the front desk, online with the store's customer file, or online with a file the
    # joining opened (网上入会, no file before).
    origin: Mapped[str] = mapped_column(sa.String(16), default=FRONT_DESK, server_default=FRONT_DESK)
    card_paid_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # what the owner paid in
    card_bonus_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # the bonus given on top-ups

    customer = relationship("Customer", lazy="raise_on_sql")
    tier: Mapped[MemberTier] = relationship(foreign_keys=[tier_id], lazy="raise_on_sql")
    override_tier: Mapped[MemberTier | None] = relationship(foreign_keys=[override_tier_id], lazy="raise_on_sql")

    @property
    def card_balance_fen(self) -> int:
        return self.card_paid_fen + self.card_bonus_fen

    def effective_tier_id(self, today: date) -> int:
        if self.override_tier_id is not None and self.override_until is not None and today <= self.override_until:
            return self.override_tier_id
        return self.tier_id


class PointsLot(db.Model):
    """Points earned together, with their expiry; redemptions take from the soonest-expiring lots first."""

    __tablename__ = "points_lots"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "order_id"),  # points are earned once per order
        sa.Index("ix_points_lots_store_id_member_id_expires_on", "store_id", "member_id", "expires_on"),
        sa.Index("ix_points_lots_store_id_expires_on", "store_id", "expires_on"),
        sa.CheckConstraint("remaining >= 0 AND remaining <= earned", name="remaining_in_range"),
    )

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("repair_orders.id"))
    earned: Mapped[int] = mapped_column(sa.BigInteger)
    remaining: Mapped[int] = mapped_column(sa.BigInteger)
    expires_on: Mapped[date] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PointsEntry(db.Model):
    """One movement of points (append-only): kind, signed points, the lot and order it concerns, who and why."""

    __tablename__ = "points_entries"
    __table_args__ = (
        # An order's movements (what its reversal reads back).
        sa.Index("ix_points_entries_store_id_order_id", "store_id", "order_id"),
        sa.Index("ix_points_entries_store_id_member_id_id", "store_id", "member_id", "id"),
        sa.CheckConstraint("kind IN ('earn', 'redeem', 'expire', 'reverse', 'adjust', 'clawback')",
                           name="kind_known"),
        sa.CheckConstraint("points <> 0", name="points_not_zero"),
    )

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    kind: Mapped[str] = mapped_column(sa.String(10))
    points: Mapped[int] = mapped_column(sa.BigInteger)
    balance_after: Mapped[int] = mapped_column(sa.BigInteger)
    lot_id: Mapped[int | None] = mapped_column(sa.ForeignKey("points_lots.id"))
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("repair_orders.id"))
    reason: Mapped[str] = mapped_column(sa.String(200), default="")
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StoredValueEntry(db.Model):
    """One movement of the stored-value card (append-only), the paid and the bonus value apart."""

    __tablename__ = "stored_value_entries"
    __table_args__ = (
        # A card pays an order once, and a reversal puts it back once.
        sa.UniqueConstraint("store_id", "order_id", "kind"),
        sa.Index("ix_stored_value_entries_store_id_member_id_id", "store_id", "member_id", "id"),
        sa.CheckConstraint("kind IN ('top_up', 'pay', 'refund', 'pay_reversed')", name="kind_known"),
        sa.CheckConstraint("paid_fen <> 0 OR bonus_fen <> 0", name="not_zero"),
    )

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    kind: Mapped[str] = mapped_column(sa.String(12))
    paid_fen: Mapped[int] = mapped_column(sa.BigInteger)
    bonus_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    paid_after_fen: Mapped[int] = mapped_column(sa.BigInteger)
    bonus_after_fen: Mapped[int] = mapped_column(sa.BigInteger)
    method: Mapped[str] = mapped_column(sa.String(12), default="")  # how a top-up was paid or a refund handed back
    reference: Mapped[str] = mapped_column(sa.String(60), default="")
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("repair_orders.id"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def amount_fen(self) -> int:
        return self.paid_fen + self.bonus_fen


class FreeItemAllowance(db.Model):
    """The free items (e.g. car washes) of one membership year: the allowance and how many were used."""

    __tablename__ = "free_item_allowances"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "member_id", "year_start"),
        sa.CheckConstraint("used >= 0 AND used <= allowance", name="used_within_allowance"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    year_start: Mapped[date] = mapped_column(sa.Date)  # the membership year (from the join anniversary)
    allowance: Mapped[int] = mapped_column(sa.SmallInteger)
    used: Mapped[int] = mapped_column(sa.SmallInteger, default=0)


class FreeItemUse(db.Model):
    """One free item used, by whom and on which order."""

    __tablename__ = "free_item_uses"
    __table_args__ = (sa.Index("ix_free_item_uses_store_id_member_id", "store_id", "member_id"),
                      sa.Index("ix_free_item_uses_store_id_order_id", "store_id", "order_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    allowance_id: Mapped[int] = mapped_column(sa.ForeignKey("free_item_allowances.id"))
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("repair_orders.id"))
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The reversal (红冲) of the order that gave the item back to the allowance (once: set with the give-back).
    given_back_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("repair_orders.id"))


# Campaigns (季节性活动).
SPRING, AUTUMN, OTHER = "spring", "autumn", "other"
SEASONS = (SPRING, AUTUMN, OTHER)
DRAFT, LAUNCHED = "draft", "launched"
INVITED, HOLDOUT = "invited", "holdout"  # the two groups of a campaign's target


class GroupCampaign(Timestamps, db.Model):
    """A campaign of the group over several stores (集团活动): one store campaign each (`Campaign.group_campaign_id`)
    with the same rules and offer, launched together; each store's target, holdout and invitations are its own."""

    __tablename__ = "member_group_campaigns"
    __table_args__ = (
        sa.CheckConstraint("season IN ('spring', 'autumn', 'other')", name="season_known"),
        sa.CheckConstraint("state IN ('draft', 'launched')", name="state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40))
    season: Mapped[str] = mapped_column(sa.String(8), default=OTHER)
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    state: Mapped[str] = mapped_column(sa.String(10), default=DRAFT)
    seed: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # each store's draw is seeded from it (recorded)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    launched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    launched_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class Campaign(Timestamps, db.Model):
    """A campaign (活动): its target rules, its offer, and once launched its split into invited and held out."""

    __tablename__ = "member_campaigns"
    __table_args__ = (
        sa.Index("ix_member_campaigns_store_id_starts_on", "store_id", "starts_on"),
        sa.CheckConstraint("season IN ('spring', 'autumn', 'other')", name="season_known"),
        sa.CheckConstraint("state IN ('draft', 'launched')", name="state_known"),
        sa.CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        sa.CheckConstraint("labor_discount_bp BETWEEN 0 AND 10000 AND parts_discount_bp BETWEEN 0 AND 10000 "
                           "AND holdout_bp BETWEEN 0 AND 5000", name="rates_in_range"),
        sa.CheckConstraint("gifts_given >= 0 AND gifts_given <= gift_stock", name="gifts_within_stock"),
        sa.Index("ix_member_campaigns_group_campaign_id", "group_campaign_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    name: Mapped[str] = mapped_column(sa.String(40))
    season: Mapped[str] = mapped_column(sa.String(8), default=OTHER)
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    state: Mapped[str] = mapped_column(sa.String(10), default=DRAFT)
    # The target (目标客户): every rule given must hold (an empty rule is no rule).
    members_only: Mapped[bool] = mapped_column(default=False)
    tier_ranks: Mapped[list] = mapped_column(sa.JSON, default=list)  # members of these tiers (ranks)
    model_families: Mapped[list] = mapped_column(sa.JSON, default=list)  # owners of a car of these families
    min_vehicle_age: Mapped[int | None] = mapped_column(sa.SmallInteger)  # years since registration
    max_vehicle_age: Mapped[int | None] = mapped_column(sa.SmallInteger)
    not_seen_months: Mapped[int | None] = mapped_column(sa.SmallInteger)  # not seen for this long (客户流失)
    seen_within_months: Mapped[int | None] = mapped_column(sa.SmallInteger)  # ... but within this (at risk)
    maintenance_due: Mapped[bool] = mapped_column(default=False)  # a car due for maintenance by the end
    # Declined recommended work (未做的建议项目) on an order opened within this many months.
    declined_within_months: Mapped[int | None] = mapped_column(sa.SmallInteger)
    # The offer: a percentage off customer labor and parts lines during the campaign, and what else it gives.
    labor_discount_bp: Mapped[int] = mapped_column(sa.Integer, default=0)
    parts_discount_bp: Mapped[int] = mapped_column(sa.Integer, default=0)
    offer: Mapped[str] = mapped_column(sa.String(60), default="")  # e.g. 免费空调检测, a gift
    # The percentages apply to the lines of these catalogue items (labor operation codes, part numbers) or labor
    # categories only; both empty: to every customer labor and parts line.
    offer_items: Mapped[list] = mapped_column(sa.JSON, default=list, server_default=sa.text("'[]'"))
    offer_categories: Mapped[list] = mapped_column(sa.JSON, default=list, server_default=sa.text("'[]'"))
    # A free check package (免费检测, e.g. the spring air-conditioning check): these labor operations (codes) cost
    # an invited owner nothing, once per car (CampaignFreeCheck).
    free_operations: Mapped[list] = mapped_column(sa.JSON, default=list, server_default=sa.text("'[]'"))
    # A gift (礼品) counted out of a stock: handed over once per invited owner (CampaignGift).
    gift_name: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")
    gift_stock: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    gifts_given: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    # The group's campaign this store's campaign is part of (launched with it, never alone).
    group_campaign_id: Mapped[int | None] = mapped_column(sa.ForeignKey("member_group_campaigns.id"))
    holdout_bp: Mapped[int] = mapped_column(sa.Integer, default=1000)  # the store's share, kept at launch
    seed: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # the holdout draw's seed (recorded)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    launched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    launched_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # What the launch found: owners matching the rules, left out (no marketing consent; the month's cap
    # reached), and the two groups. A group campaign's draft part keeps its last count here (taken when saved,
    # each night and on request: `services.count_drafts`), at `counted_at` (None: never counted).
    matched: Mapped[int] = mapped_column(sa.Integer, default=0)
    no_consent: Mapped[int] = mapped_column(sa.Integer, default=0)
    capped: Mapped[int] = mapped_column(sa.Integer, default=0)
    counted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    invited: Mapped[int] = mapped_column(sa.Integer, default=0)
    held_out: Mapped[int] = mapped_column(sa.Integer, default=0)


class CampaignTarget(db.Model):
    """An owner of a launched campaign's target, invited or held out (the control group); once per campaign."""

    __tablename__ = "member_campaign_targets"
    __table_args__ = (
        sa.Index("ix_member_campaign_targets_store_id_customer_id", "store_id", "customer_id"),
        sa.CheckConstraint("target_group IN ('invited', 'holdout')", name="group_known"),
    )

    # No foreign keys to stores and customers: the rows are written only by the launch's INSERT ... SELECT from the
    # store's customers, 300,000 at a time, and a key checked per row is a third of that statement's time (as the
    # SMS outbox, whose rows name their customer without a key).
    store_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("member_campaigns.id"), primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    target_group: Mapped[str] = mapped_column(sa.String(8))


class CampaignFreeCheck(db.Model):
    """A car's free check package of a campaign, used on a settled order: once per invited car."""

    __tablename__ = "member_campaign_free_checks"

    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("member_campaigns.id"), primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(sa.ForeignKey("vehicles.id"), primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("repair_orders.id"))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CampaignGift(db.Model):
    """A campaign's gift handed over to an invited owner: once per owner, with who, when and the order (or none: a
    visit without an order)."""

    __tablename__ = "member_campaign_gifts"

    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("member_campaigns.id"), primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"), primary_key=True)
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("repair_orders.id"))
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LossMonth(db.Model):
    """A month's customer-loss figures (客户流失), written by the nightly `member_loss_rollup` with the months they
    were counted with: a closed month's figures only change when the store's months change (then the page counts
    live until the next night); the current month's row is the night's count, which the page brings up to date
    with the owners who came since (`queries.loss.since_the_night`)."""

    __tablename__ = "member_loss_months"

    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"), primary_key=True)
    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)  # its first day
    at_risk_months: Mapped[int] = mapped_column(sa.SmallInteger)
    lost_months: Mapped[int] = mapped_column(sa.SmallInteger)
    active: Mapped[int] = mapped_column(sa.Integer)
    newly_at_risk: Mapped[int] = mapped_column(sa.Integer)
    newly_lost: Mapped[int] = mapped_column(sa.Integer)
    won_back: Mapped[int] = mapped_column(sa.Integer)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OwnerSeen(db.Model):
    """When each owner of a store was last seen (customer loss's "seen"), as the nightly `member_loss_rollup` counted
    it: the later of the last paid visit and the start of the cars' last maintenance day, else the file's making.
    A store's lists and previews read it as one index range, with the paid visits since the night live
    (`targeting.not_seen_for`); maintenance recorded or imported since counts from the next night.

    With what the loss list shows of each owner, so a page of it reads only its own rows: the last paid visit and
    the cars' last maintenance as counted, and the lifetime customer-paid spend of the orders settled before the
    run's cut (`computed_at` less `targeting.SETTLING`: the list adds the orders settled since, reversals included)."""

    __tablename__ = "member_owner_seen"
    __table_args__ = (sa.Index("ix_member_owner_seen_store_id_seen_at", "store_id", "seen_at", "customer_id"),)

    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"), primary_key=True)
    customer_id: Mapped[int] = mapped_column(primary_key=True)  # no key to customers: rebuilt whole every night
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_order_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_service_on: Mapped[date | None] = mapped_column(sa.Date)
    spend_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")


class OwnerSeenRun(db.Model):
    """When the store's `member_owner_seen` rows were counted (the lists use them only when counted since the
    store's midnight)."""

    __tablename__ = "member_owner_seen_runs"

    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"), primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
