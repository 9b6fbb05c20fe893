"""Joining (入会), tiers (会员等级): upgrades at once on settlement, downgrades only at the anniversary with a
warning 30 days before, a manager's override with a reason and an end date; free items (免费项目)."""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import set_committed_value

from dealer import audit
from dealer.actors import Actor
from dealer.customers.models import MEMBER_JOIN as MEMBER_JOIN_SOURCE
from dealer.customers.models import Customer
from dealer.customers.services import CustomerInput, file_customer, get_customer
from dealer.customers.validators import normalize_mobile
from dealer.extensions import db
from dealer.members.errors import AlreadyMember, MembershipError, NoFreeItemsLeft
from dealer.members.models import (
    FRONT_DESK,
    ONLINE,
    ONLINE_NEW_FILE,
    FreeItemAllowance,
    FreeItemUse,
    Member,
    MemberTier,
)
from dealer.members.services.common import (
    anniversary_on_or_before,
    get_member,
    lock_member,
    next_anniversary,
    order_of_customer,
    store_today,
    tiers_of,
)
from dealer.repair.models import DELIVERED, SETTLED, RepairOrder
from dealer.sms import outbox, verification

WARNING_DAYS = 30  # the downgrade warning goes out this many days before the anniversary


def member_number(customer_id: int) -> str:
    """The member number (会员号): unique in the whole dealer group, as the customer's id is."""
    return f"VIP{customer_id:08d}"


def qualifying_spend(store_id: int, customer_id: int, now: datetime) -> int:
    """What the owner paid over the last 12 months (customer lines only; a reversal counts against it)."""
    return int(db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(RepairOrder.customer_total_fen), 0)).where(
        RepairOrder.store_id == store_id, RepairOrder.customer_id == customer_id,
        RepairOrder.state.in_((SETTLED, DELIVERED)), RepairOrder.settled_at > now - timedelta(days=365))))


def qualifying_tier(tiers: list[MemberTier], spend_fen: int) -> MemberTier:
    """The highest tier whose qualifying spend `spend_fen` reaches (the entry tier at least)."""
    reached = [tier for tier in tiers if tier.qualifying_spend_fen <= spend_fen]
    return reached[-1] if reached else tiers[0]


def _enroll(customer: Customer, *, actor: Actor, now: datetime, origin: str = FRONT_DESK) -> int:
    """Add the member row of a customer who is not one (flushed, audited); return its id. Raises AlreadyMember."""
    if db.session.scalar(sa.select(Member.id).where(Member.store_id == customer.store_id,
                                                    Member.customer_id == customer.id)):
        raise AlreadyMember(_l("%(name)s is a member already.", name=customer.name))
    tier = qualifying_tier(tiers_of(customer.store_id), qualifying_spend(customer.store_id, customer.id, now))
    member = Member(store_id=customer.store_id, customer_id=customer.id, number=member_number(customer.id),
                    joined_on=store_today(customer.store_id, now), tier_id=tier.id, points_balance=0,
                    card_paid_fen=0, card_bonus_fen=0, override_reason="", origin=origin, created_at=now,
                    updated_at=now)
    db.session.add(member)
    db.session.flush()
    audit.record("member_joined", member, actor=actor, store_id=customer.store_id,
                 changes={"number": member.number, "tier": tier.name, "origin": origin})
    return member.id


def join(customer_id: int, *, actor: Actor, now: datetime) -> Member:
    """Make the customer a member, in the tier their last 12 months' spend reaches. Raises AlreadyMember."""
    customer = get_customer(customer_id, actor=actor)
    member_id = _enroll(customer, actor=actor, now=now)
    db.session.commit()
    return get_member(member_id, actor=actor)


MEMBER_JOIN = "member_join"  # the phone check's purpose (dealer.sms.verification)
JOIN_CODES_PER_DAY = 300  # a store's most join codes a day (against SMS pumping)
verification.register_purpose(MEMBER_JOIN, sms_kind="member_join_code", daily_ceiling=lambda _store_id: JOIN_CODES_PER_DAY)


def join_online(store_id: int, phone: str, check: verification.PhoneCheck, *, now: datetime, name: str = "",
                marketing_consent: bool = False) -> Member:
    """An owner joins on the public site (网上入会) after proving the phone: the store's customer file with that mobile
    becomes a member; an owner without one gets a file (with the name given and the marketing consent ticked) and
    the membership in the same transaction (origin `online_new_file`). Whether a file exists is said only after the
    code is accepted. Raises InvalidValue, CodeRefused, MembershipError (no file and no name), AlreadyMember."""
    phone = normalize_mobile(phone, field="phone")
    verification.accept(phone, check, purpose=MEMBER_JOIN, now=now)
    owner = Actor(user_id=None, store_id=store_id, name=str(_l("The owner, online")))
    customer = db.session.scalar(sa.select(Customer).where(Customer.store_id == store_id, Customer.mobile == phone))
    origin = ONLINE
    if customer is None:
        if not name.strip():
            raise MembershipError(_l("We have no customer file with this mobile number at this store yet: enter your "
                                     "name and we open one as you join."), field="name")
        customer = file_customer(CustomerInput(name=name, mobile=phone, marketing_consent=marketing_consent),
                                 store_id=store_id, actor=owner, now=now, source=MEMBER_JOIN_SOURCE)
        origin = ONLINE_NEW_FILE
    member_id = _enroll(customer, actor=owner, now=now, origin=origin)
    db.session.commit()
    return get_member(member_id, actor=owner)


def upgrade_if_qualified(member: Member, *, now: datetime, actor: Actor) -> MemberTier | None:
    """Raise the member's tier at once when the last 12 months' spend reaches a higher one; never lower it.

    Returns the new tier, or None. Runs inside the caller's transaction.
    """
    tiers = tiers_of(member.store_id)
    earned = qualifying_tier(tiers, qualifying_spend(member.store_id, member.customer_id, now))
    current = next((tier for tier in tiers if tier.id == member.tier_id), None)
    if current is not None and earned.rank <= current.rank:
        return None
    member.tier_id = earned.id
    _raise_allowance(member, earned, store_today(member.store_id, now))
    audit.record("member_upgraded", member, actor=actor, changes={"tier": earned.name})
    return earned


def _raise_allowance(member: Member, tier: MemberTier, today: date) -> None:
    allowance = db.session.scalar(sa.select(FreeItemAllowance).where(
        FreeItemAllowance.store_id == member.store_id, FreeItemAllowance.member_id == member.id,
        FreeItemAllowance.year_start == anniversary_on_or_before(member.joined_on, today)))
    if allowance is not None and allowance.allowance < tier.free_items_per_year:
        allowance.allowance = tier.free_items_per_year


def override_tier(member_id: int, tier_id: int, *, reason: str, until: date, actor: Actor, now: datetime) -> Member:
    """Give the member a tier by hand until a date, with the reason (a manager's decision).

    Raises MembershipError.
    """
    member = lock_member(member_id, actor=actor)
    if tier_id not in {tier.id for tier in tiers_of(member.store_id)}:
        raise MembershipError(_l("Choose one of the store's tiers."), field="tier_id")
    if not reason.strip():
        raise MembershipError(_l("Say why the tier is given by hand."), field="reason")
    if until < store_today(member.store_id, now):
        raise MembershipError(_l("The override ends today or later."), field="until")
    member.override_tier_id, member.override_reason, member.override_until = tier_id, reason.strip()[:200], until
    audit.record("member_tier_overridden", member, actor=actor, changes={
        "tier_id": tier_id, "reason": reason.strip(), "until": until.isoformat()})
    db.session.commit()
    return get_member(member_id, actor=actor)


REVIEW_CHUNK = 1000  # due members read, and their spend summed, this many at a time
# The most members a store's night reviews or warns. A normal night has a few hundred (one member in 365), but the
# first night after an import finds every member's past anniversary unreviewed and a twelfth of them in the warning
# window (150,000 members took 50.6 s, over the 30 s of the night's budget): the warnings go first (a night late is
# still four weeks ahead), then the reviews, oldest anniversary first; the rest wait for the next nights.
MEMBERS_PER_NIGHT = 20_000
logger = logging.getLogger(__name__)


def _due(joined_on: date, reviewed_for: date | None, warned_for: date | None, today: date) -> tuple[date | None, bool]:
    """The anniversary whose review is due today (None when none is), and whether a downgrade warning may be."""
    start = anniversary_on_or_before(joined_on, today)
    coming = next_anniversary(joined_on, today)
    review = start if start > joined_on and reviewed_for != start else None
    return review, (coming - today).days <= WARNING_DAYS and warned_for != coming


def _spend_of(store_id: int, customer_ids: list[int], now: datetime) -> dict[int, int]:
    """What each of these owners paid over the last 12 months (one grouped query; see qualifying_spend)."""
    return {customer_id: int(total) for customer_id, total in db.session.execute(
        sa.select(RepairOrder.customer_id, sa.func.coalesce(sa.func.sum(RepairOrder.customer_total_fen), 0))
        .where(RepairOrder.store_id == store_id, RepairOrder.customer_id.in_(customer_ids),
               RepairOrder.state.in_((SETTLED, DELIVERED)), RepairOrder.settled_at > now - timedelta(days=365))
        .group_by(RepairOrder.customer_id))}


def _due_tonight(store_id: int, today: date, limit: int) -> list[int]:
    """The members whose warning is due, then those whose review is, oldest anniversary first: `limit` at most
    (the others wait for the next nights)."""
    warnings, reviews = [], []
    for member_id, joined_on, reviewed_for, warned_for in db.session.execute(
            sa.select(Member.id, Member.joined_on, Member.reviewed_for, Member.downgrade_warned_for)
            .where(Member.store_id == store_id)):
        review, warning = _due(joined_on, reviewed_for, warned_for, today)
        if review is not None:
            reviews.append((review, member_id))
        elif warning:
            warnings.append(member_id)
    reviews.sort()
    due = warnings + [member_id for _start, member_id in reviews]
    if len(due) > limit:
        logger.info("member tier review of store %s: %s of %s due members wait for the next night", store_id,
                    len(due) - limit, len(due))
    return due[:limit]


def review_tiers(*, now: datetime, day: date | None = None, store_ids: list[int] | None = None,
                 members_per_night: int = MEMBERS_PER_NIGHT) -> int:
    """The nightly tier review: warn by SMS 30 days before an anniversary when the spend no longer keeps the
    tier, and lower the tier at the anniversary; commit. Returns the members changed or warned.

    The store's members are read as a few columns to find whose review or warning is due (most nights a few in
    365); only those are loaded, a chunk at a time, with their spend summed in one query per chunk. At most
    `members_per_night` a store a night, warnings first (after an import: see MEMBERS_PER_NIGHT).
    """
    changed = 0
    stores = store_ids if store_ids is not None else list(db.session.scalars(sa.select(Member.store_id).distinct()))
    for store_id in stores:
        today = day or store_today(store_id, now)
        tiers = tiers_of(store_id)
        by_id = {tier.id: tier for tier in tiers}
        due = _due_tonight(store_id, today, members_per_night)
        for start in range(0, len(due), REVIEW_CHUNK):
            rows = db.session.execute(sa.select(Member, Customer).join(Customer, sa.and_(
                Customer.id == Member.customer_id, Customer.store_id == Member.store_id)).where(
                Member.store_id == store_id, Member.id.in_(due[start:start + REVIEW_CHUNK]))).all()
            spend = _spend_of(store_id, [customer.id for _member, customer in rows], now)
            # One flush a chunk (the members' UPDATEs sent together): without it every warning's outbox query
            # flushed the chunk's changes so far, one row at a time.
            kept: list[dict] = []
            with db.session.no_autoflush:
                for member, customer in rows:
                    changed += _review(member, customer, tiers, by_id, spend.get(customer.id, 0), today=today,
                                       now=now, kept=kept)
            db.session.flush()
            if kept:  # most reviews keep the tier: their date in one executemany, not an ORM UPDATE a row
                members = Member.__table__
                db.session.execute(sa.update(members).where(
                    members.c.store_id == store_id, members.c.id == sa.bindparam("member_id"))
                    .values(reviewed_for=sa.bindparam("start")), kept)
        db.session.commit()
    return changed


def _review(member, customer, tiers, by_id, spend_fen: int, *, today: date, now: datetime, kept: list[dict]) -> int:
    """Review one due member; a review that keeps the tier goes into `kept` (written by the caller)."""
    current = by_id.get(member.tier_id)
    start = anniversary_on_or_before(member.joined_on, today)
    coming = next_anniversary(member.joined_on, today)
    due_review = start > member.joined_on and member.reviewed_for != start
    due_warning = (coming - today).days <= WARNING_DAYS and member.downgrade_warned_for != coming
    if current is None or not (due_review or due_warning):
        return 0
    earned = qualifying_tier(tiers, spend_fen)
    if due_review:
        if earned.rank < current.rank:
            member.reviewed_for = start
            member.tier_id = earned.id
            audit.record("member_downgraded", member, actor=_system(), changes={"tier": earned.name})
            return 1
        kept.append({"member_id": member.id, "start": start})
        set_committed_value(member, "reviewed_for", start)
    elif earned.rank < current.rank:
        member.downgrade_warned_for = coming
        outbox.enqueue("member_downgrade_warning", store_id=member.store_id, phone=customer.mobile, customer=customer,
                       now=now, dedupe_key=f"member_downgrade:{member.id}:{coming.isoformat()}",
                       params={"name": customer.name, "tier": current.name, "new_tier": earned.name,
                               "date": coming.isoformat()})
        return 1
    return 0


def _system() -> Actor:
    return Actor(user_id=None, store_id=None, name="system")


def free_items_left(member: Member, tier: MemberTier, today: date) -> int:
    """What is left of this membership year's free items (the tier's allowance when none was used)."""
    allowance = db.session.scalar(sa.select(FreeItemAllowance).where(
        FreeItemAllowance.store_id == member.store_id, FreeItemAllowance.member_id == member.id,
        FreeItemAllowance.year_start == anniversary_on_or_before(member.joined_on, today)))
    if allowance is None:
        return tier.free_items_per_year
    return allowance.allowance - allowance.used


def use_free_item(member_id: int, *, note: str, actor: Actor, now: datetime, order_id: int | None = None,
                  order_number: str = "") -> Member:
    """Use one of this membership year's free items (e.g. a car wash), on the order of that number when given (its
    reversal gives the item back). Raises NoFreeItemsLeft, MembershipError (no such order of the member's)."""
    member = lock_member(member_id, actor=actor)
    if order_number.strip():
        order_id = order_of_customer(member.store_id, member.customer_id, order_number)
    today = store_today(member.store_id, now)
    tier = member.override_tier if member.effective_tier_id(today) != member.tier_id else member.tier
    start = anniversary_on_or_before(member.joined_on, today)
    allowance = db.session.scalar(sa.select(FreeItemAllowance).where(
        FreeItemAllowance.store_id == member.store_id, FreeItemAllowance.member_id == member.id,
        FreeItemAllowance.year_start == start))
    if allowance is None:
        allowance = FreeItemAllowance(store_id=member.store_id, member_id=member.id, year_start=start,
                                      allowance=tier.free_items_per_year, used=0)
        db.session.add(allowance)
        db.session.flush()
    # One conditional UPDATE: two desks using the last item at once cannot both succeed.
    if db.session.execute(sa.update(FreeItemAllowance).where(
            FreeItemAllowance.id == allowance.id, FreeItemAllowance.used < FreeItemAllowance.allowance)
            .values(used=FreeItemAllowance.used + 1)).rowcount != 1:
        raise NoFreeItemsLeft(_l("No free items are left this membership year (%(allowance)s a year).",
                                 allowance=allowance.allowance))
    db.session.add(FreeItemUse(store_id=member.store_id, member_id=member.id, allowance_id=allowance.id,
                               order_id=order_id, note=note.strip()[:200], actor_id=actor.user_id, used_at=now))
    audit.record("member_free_item_used", member, actor=actor, changes={"note": note.strip()})
    db.session.commit()
    return get_member(member_id, actor=actor)
