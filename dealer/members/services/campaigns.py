"""Campaigns (季节性活动) with a control group: create, then launch — the target in SQL sets, a random holdout
kept apart and recorded, and one batch of invitations through the SMS outbox.

Who may be invited: the owners matching every rule, with marketing consent, under the store's monthly cap of
marketing messages. The holdout is drawn from those same owners, so the two groups differ only by the
invitation and the results compare like with like.
"""
from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from dealer import audit
from dealer.actors import Actor
from dealer.customers.models import Customer
from dealer.database import get_for_update
from dealer.dialect import is_postgresql, json_object
from dealer.errors import NotFound
from dealer.extensions import db
from dealer.members import targeting
from dealer.members.errors import CampaignError, CampaignLaunched, EmptyTarget
from dealer.members.models import (
    DRAFT,
    HOLDOUT,
    INVITED,
    LAUNCHED,
    OTHER,
    SEASONS,
    Campaign,
    CampaignTarget,
    MemberSettings,
    OwnerSeenRun,
)
from dealer.members.services.common import DEFAULT_MARKETING_PER_MONTH, settings_for, store_today, tiers_of
from dealer.repair.models import LABOR_CATEGORIES
from dealer.sms.kinds import KINDS as SMS_KINDS
from dealer.sms.models import QUEUED, SmsMessage
from dealer.sms.outbox import (
    NEXT_MESSAGE_ID,
    next_allowed,
    out_id_of,
    random_out_ids,
    template_for,
    zone_of_store,
)
from dealer.sms.outbox import settings_for as sms_settings_for
from dealer.stores.models import Store
from dealer.timezones import store_zone

KIND = "campaign_invitation"
HOLDOUT_CHUNK = 1000  # held-out ids per UPDATE (SQLite's limit of bound values is far above)
MESSAGE_COLUMNS = ["store_id", "customer_id", "phone", "kind", "category", "priority", "params", "sign_name",
                   "template_code", "dedupe_key", "state", "attempts", "next_attempt_at", "created_at", "expires_at"]


@dataclass
class CampaignInput:
    name: str
    season: str
    starts_on: date
    ends_on: date
    members_only: bool = False
    tier_ranks: list[int] = field(default_factory=list)
    model_families: list[str] = field(default_factory=list)
    min_vehicle_age: int | None = None
    max_vehicle_age: int | None = None
    not_seen_months: int | None = None
    seen_within_months: int | None = None
    maintenance_due: bool = False
    declined_within_months: int | None = None
    labor_discount_bp: int = 0
    parts_discount_bp: int = 0
    offer: str = ""
    offer_items: list[str] = field(default_factory=list)  # labor operation codes or part numbers
    offer_categories: list[str] = field(default_factory=list)  # labor categories
    free_operations: list[str] = field(default_factory=list)  # labor operation codes given free, once per car
    gift_name: str = ""  # a gift handed over once per invited owner, out of a stock of gift_stock
    gift_stock: int = 0


def get_campaign(campaign_id: int, *, actor: Actor) -> Campaign:
    """Return a campaign the actor may see. Raises NotFound."""
    stmt = sa.select(Campaign).where(Campaign.id == campaign_id)
    if actor.store_id is not None:
        stmt = stmt.where(Campaign.store_id == actor.store_id)
    campaign = db.session.scalars(stmt).one_or_none()
    if campaign is None:
        raise NotFound()
    return campaign


def _check(store_id: int, data: CampaignInput, today: date) -> None:
    if not data.name.strip():
        raise CampaignError(_l("Name the campaign."), field="name")
    if data.season not in SEASONS:
        raise CampaignError(_l("Choose the season."), field="season")
    if data.ends_on < data.starts_on:
        raise CampaignError(_l("The campaign ends on or after the day it starts."), field="ends_on")
    if data.ends_on < today:
        raise CampaignError(_l("The campaign's last day has passed."), field="ends_on")
    if data.ends_on - data.starts_on > timedelta(days=366):
        raise CampaignError(_l("A campaign lasts at most a year."), field="ends_on")
    for name in ("labor_discount_bp", "parts_discount_bp"):
        if not 0 <= getattr(data, name) <= 10_000:
            raise CampaignError(_l("A discount is between 0 and 100%."), field=name)
    if (data.min_vehicle_age is not None and data.max_vehicle_age is not None
            and data.min_vehicle_age > data.max_vehicle_age):
        raise CampaignError(_l("The youngest car's age is at most the oldest's."), field="max_vehicle_age")
    if data.seen_within_months is not None and (data.not_seen_months or 0) >= data.seen_within_months:
        raise CampaignError(_l("Owners seen within a time must be not seen for less."), field="seen_within_months")
    if any(category not in LABOR_CATEGORIES for category in data.offer_categories):
        raise CampaignError(_l("No such labor category."), field="offer_categories")
    if data.gift_name.strip() and data.gift_stock <= 0:
        raise CampaignError(_l("Say how many gifts are in stock."), field="gift_stock")
    if data.gift_stock and not data.gift_name.strip():
        raise CampaignError(_l("Name the gift."), field="gift_name")
    if not 0 <= data.gift_stock <= 1_000_000:
        raise CampaignError(_l("At most 1,000,000 gifts."), field="gift_stock")
    ranks = {tier.rank for tier in tiers_of(store_id)}
    if any(rank not in ranks for rank in data.tier_ranks):
        raise CampaignError(_l("No such tier."), field="tier_ranks")


def create_campaign(store_id: int, data: CampaignInput, *, actor: Actor, now: datetime) -> Campaign:
    """Save a campaign as a draft (nobody is targeted yet), its target counted and kept (`count_drafts`). Raises
    CampaignError."""
    campaign = new_campaign(store_id, data, actor=actor, now=now)
    count_drafts([campaign], now=now)
    campaign_id = campaign.id
    db.session.commit()
    return get_campaign(campaign_id, actor=actor)


def new_campaign(store_id: int, data: CampaignInput, *, actor: Actor, now: datetime,
                 group_campaign_id: int | None = None) -> Campaign:
    """Add a draft campaign of the store (a group campaign's part when `group_campaign_id`); flushes, never
    commits. Raises CampaignError."""
    _check(store_id, data, store_today(store_id, now))
    campaign = Campaign(
        store_id=store_id, name=data.name.strip(), season=data.season, starts_on=data.starts_on,
        ends_on=data.ends_on, state=DRAFT, members_only=data.members_only,
        tier_ranks=sorted(set(data.tier_ranks)), model_families=sorted({f.strip() for f in data.model_families
                                                                        if f.strip()}),
        min_vehicle_age=data.min_vehicle_age, max_vehicle_age=data.max_vehicle_age,
        not_seen_months=data.not_seen_months, seen_within_months=data.seen_within_months,
        maintenance_due=data.maintenance_due, declined_within_months=data.declined_within_months,
        labor_discount_bp=data.labor_discount_bp, parts_discount_bp=data.parts_discount_bp, offer=data.offer.strip(),
        offer_items=sorted({item.strip().upper() for item in data.offer_items if item.strip()}),
        offer_categories=sorted(set(data.offer_categories)),
        free_operations=sorted({code.strip().upper() for code in data.free_operations if code.strip()}),
        gift_name=data.gift_name.strip(), gift_stock=data.gift_stock, gifts_given=0,
        group_campaign_id=group_campaign_id,
        holdout_bp=settings_for(store_id).holdout_bp, seed=0, created_by_id=actor.user_id, matched=0, no_consent=0,
        capped=0, invited=0, held_out=0, created_at=now, updated_at=now)
    db.session.add(campaign)
    db.session.flush()
    audit.record("member_campaign_created", campaign, actor=actor, store_id=store_id, entity_type="member_campaigns",
                 changes={"name": campaign.name})
    return campaign


def win_back_campaign(store_id: int, status: str, *, actor: Actor, now: datetime) -> Campaign:
    """Make the customer-loss list's owners (at risk, or lost) a win-back campaign's target in one step: a draft
    of the next 30 days whose rules are the list's, to check and launch."""
    settings = settings_for(store_id)
    today = store_today(store_id, now)
    lost = status == "lost"
    data = CampaignInput(
        name=str(_l("Win back lost owners") if lost else _l("Win back owners at risk")), season=OTHER, starts_on=today,
        ends_on=today + timedelta(days=30),
        not_seen_months=settings.lost_months if lost else settings.at_risk_months,
        seen_within_months=None if lost else settings.lost_months)
    return create_campaign(store_id, data, actor=actor, now=now)


def preview(campaign: Campaign, *, now: datetime) -> tuple[int, int, int]:
    """(matching, without consent, at the month's cap) as a launch now would find them; changes nothing."""
    store = db.session.get(Store, campaign.store_id)
    zone, today = zone_of_store(campaign.store_id), store.local_date(now)
    # the not-seen rules from tonight's counts when the store's night ran (the launch counts live)
    seen_at = targeting.seen_counted_at(campaign.store_id, today=today, zone=zone) if (
        campaign.not_seen_months or campaign.seen_within_months) else None
    return targeting.target_counts(campaign, today=today, zone=zone,
                                   cap=settings_for(campaign.store_id).marketing_per_month, seen_at=seen_at)


def previews(campaigns: list[Campaign], *, now: datetime) -> list[tuple[int, int, int]]:
    """`preview` of several stores' campaigns (a group campaign's parts): their stores, settings and night's counts
    read once for them all, then one count each."""
    store_ids = sorted({campaign.store_id for campaign in campaigns})
    stores = {store.id: store for store in db.session.scalars(sa.select(Store).where(Store.id.in_(store_ids)))}
    caps = dict(db.session.execute(sa.select(MemberSettings.store_id, MemberSettings.marketing_per_month)
                                   .where(MemberSettings.store_id.in_(store_ids))).all())
    runs = dict(db.session.execute(sa.select(OwnerSeenRun.store_id, OwnerSeenRun.computed_at)
                                   .where(OwnerSeenRun.store_id.in_(store_ids))).all())
    counts = []
    for campaign in campaigns:
        store = stores[campaign.store_id]
        zone, today = store_zone(store), store.local_date(now)
        counted = runs.get(campaign.store_id)
        seen_at = counted if counted is not None and counted >= targeting.local_midnight(today, zone) and (
            campaign.not_seen_months or campaign.seen_within_months) else None
        counts.append(targeting.target_counts(campaign, today=today, zone=zone, seen_at=seen_at,
                                              cap=caps.get(campaign.store_id, DEFAULT_MARKETING_PER_MONTH)))
    return counts


def count_drafts(campaigns: list[Campaign], *, now: datetime) -> None:
    """Count the targets of draft campaigns as `previews` does and keep the counts on them (matched, no_consent,
    capped, counted_at); flushes, never commits. A launched campaign keeps what its launch found."""
    drafts = [campaign for campaign in campaigns if campaign.state == DRAFT]
    for campaign, (matched, no_consent, capped) in zip(drafts, previews(drafts, now=now)):
        campaign.matched, campaign.no_consent, campaign.capped, campaign.counted_at = matched, no_consent, capped, now
    db.session.flush()


def kept_counts(campaigns: list[Campaign], *, now: datetime) -> tuple[list[tuple[int, int, int]], datetime | None]:
    """(matching, without consent, at the month's cap) of each draft campaign as last counted and kept
    (`count_drafts`), a campaign never counted counted now (`previews`, not kept); and the oldest count's time
    (None: all counted now)."""
    uncounted = [campaign for campaign in campaigns if campaign.counted_at is None]
    live = iter(previews(uncounted, now=now) if uncounted else [])
    counts = [next(live) if campaign.counted_at is None else (campaign.matched, campaign.no_consent, campaign.capped)
              for campaign in campaigns]
    return counts, min((c.counted_at for c in campaigns if c.counted_at is not None), default=None)


def count_campaign(campaign_id: int, *, actor: Actor, now: datetime) -> Campaign:
    """Count a draft campaign's target again, now, and keep the counts ("Count again now"); commit. Under the
    campaign's row lock: a launch meanwhile waits, or has happened. Raises NotFound, CampaignLaunched."""
    campaign = get_for_update(Campaign, campaign_id, **({} if actor.store_id is None else
                                                         {"store_id": actor.store_id}))
    if campaign is None:
        raise NotFound()
    if campaign.state != DRAFT:
        raise CampaignLaunched(_l("The campaign is launched already."))
    count_drafts([campaign], now=now)
    db.session.commit()
    return campaign


def count_kept_drafts(*, now: datetime, day: date | None = None, store_ids: list[int] | None = None) -> int:
    """The store's night: count again the store's draft campaigns still running, its own and its parts of the
    group's (the not-seen rules read the night's counts, made just before), so each morning's draft pages show
    today's targets; commit. Returns the campaigns counted."""
    stmt = sa.select(Campaign).where(Campaign.state == DRAFT)
    if store_ids is not None:
        stmt = stmt.where(Campaign.store_id.in_(store_ids))
    campaigns = [campaign for campaign in db.session.scalars(stmt.order_by(Campaign.store_id, Campaign.id))
                 if campaign.ends_on >= (day or store_today(campaign.store_id, now))]
    count_drafts(campaigns, now=now)
    db.session.commit()
    return len(campaigns)


def holdout_count(eligible: int, holdout_bp: int) -> int:
    """How many of `eligible` owners are held out: the share rounded half up."""
    return (eligible * holdout_bp + 5_000) // 10_000


def draw_holdout(customer_ids: list[int], holdout_bp: int, seed: int) -> list[int]:
    """The held-out owners: a uniform random sample of the share, the same for the same ids and seed."""
    ordered = sorted(customer_ids)
    return random.Random(seed).sample(ordered, holdout_count(len(ordered), holdout_bp))


def launch_campaign(campaign_id: int, *, actor: Actor, now: datetime, seed: int | None = None) -> Campaign:
    """Target the campaign's owners, hold the store's share out at random and queue the invitations in one batch.

    `seed` fixes the draw (a random one otherwise); it is recorded on the campaign. Raises CampaignLaunched,
    CampaignError (the last day has passed; a group campaign's part), EmptyTarget (nobody may be invited: the
    reason is in the message).
    """
    campaign = get_for_update(Campaign, campaign_id, **({} if actor.store_id is None else
                                                         {"store_id": actor.store_id}))
    if campaign is None:
        raise NotFound()
    if campaign.group_campaign_id is not None and campaign.state == DRAFT:
        raise CampaignError(_l("This campaign is part of the group's campaign: it is launched with it."))
    launch(campaign, actor=actor, now=now, seed=seed if seed is not None else secrets.randbits(62))
    db.session.commit()
    return get_campaign(campaign_id, actor=actor)


def launch(campaign: Campaign, *, actor: Actor, now: datetime, seed: int, allow_empty: bool = False) -> None:
    """Launch a locked draft campaign inside the caller's transaction (never commits): the target, the holdout
    drawn with `seed`, the invitations. An empty target raises EmptyTarget unless `allow_empty` (a group campaign's
    store where nobody may be invited: launched with nobody). Raises CampaignLaunched, CampaignError."""
    if campaign.state != DRAFT:
        raise CampaignLaunched(_l("The campaign is launched already."))
    store_id = campaign.store_id
    store = db.session.get(Store, store_id)
    today, zone = store.local_date(now), zone_of_store(store_id)
    if campaign.ends_on < today:
        raise CampaignError(_l("The campaign's last day has passed."), field="ends_on")
    cap = settings_for(store_id).marketing_per_month
    matched, no_consent, capped = targeting.target_counts(campaign, today=today, zone=zone, cap=cap)
    held, queued = [], 0
    campaign.seed = seed
    if matched - no_consent - capped <= 0:
        if not allow_empty:
            raise EmptyTarget(_l("The campaign's target is empty: %(matched)s owners match its rules, %(no_consent)s "
                                 "of them without marketing consent, %(capped)s at this month's limit of marketing "
                                 "messages.", matched=matched, no_consent=no_consent, capped=capped))
    else:
        _matching, eligible = targeting.eligibility(campaign, today=today, zone=zone, cap=cap)
        db.session.execute(sa.insert(CampaignTarget).from_select(
            ["store_id", "campaign_id", "customer_id", "target_group"],
            sa.select(Customer.store_id, sa.literal(campaign.id), Customer.id, sa.literal(INVITED)).where(*eligible)))
        ids = list(db.session.scalars(sa.select(CampaignTarget.customer_id).where(
            CampaignTarget.store_id == store_id, CampaignTarget.campaign_id == campaign.id)))
        held = draw_holdout(ids, campaign.holdout_bp, campaign.seed)
        for start in range(0, len(held), HOLDOUT_CHUNK):
            db.session.execute(sa.update(CampaignTarget).where(
                CampaignTarget.store_id == store_id, CampaignTarget.campaign_id == campaign.id,
                CampaignTarget.customer_id.in_(held[start:start + HOLDOUT_CHUNK])).values(target_group=HOLDOUT)
                .execution_options(synchronize_session=False))
        queued = _queue_invitations(campaign, store, zone, now)
    campaign.state, campaign.launched_at, campaign.launched_by_id = LAUNCHED, now, actor.user_id
    campaign.matched, campaign.no_consent, campaign.capped, campaign.counted_at = matched, no_consent, capped, now
    campaign.invited, campaign.held_out, campaign.updated_at = queued, len(held), now
    audit.record("member_campaign_launched", campaign, actor=actor, store_id=store_id,
                 entity_type="member_campaigns", changes={"invited": queued, "held_out": len(held)})


def _period(campaign: Campaign) -> str:
    return f"{campaign.starts_on.month}月{campaign.starts_on.day}日-{campaign.ends_on.month}月{campaign.ends_on.day}日"


def _queue_invitations(campaign: Campaign, store: Store, zone, now: datetime) -> int:
    """One INSERT ... SELECT of the invited group's messages, for the end of the quiet hours, true until the
    campaign's last day ends; each owner once per campaign (its dedupe key)."""
    spec = SMS_KINDS[KIND]
    settings = sms_settings_for(campaign.store_id)
    _body, template_code = template_for(campaign.store_id, KIND)
    send_at = next_allowed(settings, zone, now)
    expires_at = targeting.local_midnight(campaign.ends_on + timedelta(days=1), zone)
    columns = SmsMessage.__table__.c
    params = json_object("name", Customer.name, "campaign", sa.literal(campaign.name),
                         "period", sa.literal(_period(campaign)), "store_phone", sa.literal(store.phone or ""))
    values = [
        Customer.store_id, Customer.id, Customer.mobile, sa.literal(KIND), sa.literal(spec.category),
        sa.literal(spec.priority), params, sa.literal(settings.sign_name), sa.literal(template_code),
        sa.literal(f"campaign:{campaign.id}:") + sa.cast(Customer.id, sa.String), sa.literal(QUEUED), sa.literal(0),
        sa.literal(send_at, type_=columns.next_attempt_at.type), sa.literal(now, type_=columns.created_at.type),
        sa.literal(expires_at, type_=columns.expires_at.type)]
    conditions = [CampaignTarget.store_id == campaign.store_id, CampaignTarget.campaign_id == campaign.id,
                  CampaignTarget.target_group == INVITED, Customer.store_id == CampaignTarget.store_id,
                  Customer.id == CampaignTarget.customer_id]
    if is_postgresql():  # each message's id first, and its out id made from it (see sms.outbox.out_id_of)
        numbered = sa.select(*[value.label(name) for value, name in zip(values, MESSAGE_COLUMNS, strict=True)],
                             sa.literal_column(NEXT_MESSAGE_ID).label("id")).where(*conditions).subquery()
        select = sa.select(numbered.c.id, *[numbered.c[name] for name in MESSAGE_COLUMNS], out_id_of(numbered.c.id))
        names = ["id", *MESSAGE_COLUMNS, "out_id"]
    else:
        select, names = sa.select(*values, random_out_ids()).where(*conditions), [*MESSAGE_COLUMNS, "out_id"]
    return db.session.execute(sa.insert(SmsMessage.__table__).from_select(names, select)
                              .execution_options(preserve_rowcount=True)).rowcount
