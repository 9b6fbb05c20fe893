"""How membership answers repair and customers: points and the card at settlement and on reversal (红冲), the
tier upgrade at once, the member's panel on the customer file and on the statement. Never commits: each
receiver runs in the transaction of the step it answers, and a receiver that raises refuses the step."""
from __future__ import annotations

import functools
from datetime import timedelta

import sqlalchemy as sa
from flask import render_template
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from dealer import audit
from dealer.actors import CUSTOMER_READERS
from dealer.customers import signals as customer_signals
from dealer.database import sections, utcnow
from dealer.dialect import upsert
from dealer.extensions import db
from dealer.members import discounts as _discounts  # noqa: F401  (registers the tier discount with pricing)
from dealer.members import ledger, queries
from dealer.members.errors import MembershipError, NotAMember, NotEnoughPoints
from dealer.members.models import (
    EARN,
    PAY,
    REDEEM,
    TOP_UP,
    Campaign,
    CampaignFreeCheck,
    FreeItemAllowance,
    FreeItemUse,
    Member,
    MemberTier,
    PointsEntry,
    StoredValueEntry,
)
from dealer.members.services.common import lock_member, member_id_of, settings_for, store_today
from dealer.members.services.membership import upgrade_if_qualified
from dealer.money import yuan
from dealer.repair import signals as repair_signals
from dealer.repair.models import CUSTOMER, LABOR, OTHER_MEANS, Payment
from dealer.repair.pricing import CAMPAIGN as CAMPAIGN_SOURCE
from dealer.signals import Panel
from dealer.timezones import local_date, store_zone


def _card_payments(order) -> int:
    return int(db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Payment.amount_fen), 0)).where(
        Payment.store_id == order.store_id, Payment.order_id == order.id, Payment.method.in_(OTHER_MEANS))))


def points_for(points_fen: int, points_per_yuan: int) -> int:
    """The points worth `points_fen` off at the store's rate. Raises NotEnoughPoints when they are not whole."""
    points, rest = divmod(points_fen * points_per_yuan, 100)
    if rest:
        raise NotEnoughPoints(_l("At %(rate)s points a yuan, points pay whole multiples of %(step)s yuan.",
                                 rate=points_per_yuan, step=yuan(100 // _gcd(100, points_per_yuan))),
                              field="points_fen")
    return points


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


@repair_signals.order_settled.connect
def _settled(order, *, actor, now, **_):
    """Spend the points and the card's value the bill used, earn the order's points, raise the tier."""
    card = _card_payments(order)
    member_id = member_id_of(order.store_id, order.customer_id)
    if member_id is None:
        if order.points_fen or card:
            raise NotAMember(_l("Only a member pays with points or the stored-value card."),
                             field="points_fen" if order.points_fen else "payments")
        return
    member = lock_member(member_id)
    today = local_date(now, order.store)
    if order.points_fen:
        settings = settings_for(order.store_id)
        owed = order.customer_total_fen + order.points_fen
        limit = owed * settings.max_points_share_bp // 10_000
        if order.points_fen > limit:
            raise NotEnoughPoints(_l("Points may pay at most %(limit)s yuan of this bill.", limit=yuan(limit)),
                                  field="points_fen")
        ledger.redeem(member, points_for(order.points_fen, settings.points_per_yuan), order_id=order.id,
                      today=today, actor_id=actor.user_id, now=now)
    if card:
        ledger.pay(member, card, order_id=order.id, actor_id=actor.user_id, now=now)
    tier = member.override_tier if member.effective_tier_id(today) != member.tier_id else member.tier
    earned = ledger.points_earned(order.customer_total_fen, tier.points_rate_bp)
    if earned > 0:
        ledger.open_lot(member, EARN, earned, today=today, actor_id=actor.user_id, now=now, order_id=order.id)
    upgrade_if_qualified(member, now=now, actor=actor)


@repair_signals.order_settled.connect
def _free_checks_used(order, **_):
    """Record the free check packages the order had free (once per car: the next order of the car pays)."""
    lines = [line for job in order.jobs for line in job.lines if line.payer == CUSTOMER
             and line.discount_source == CAMPAIGN_SOURCE and line.discount_fen == line.amount_fen > 0]
    if not lines:
        return
    for offer in _discounts.campaign_offers(order.customer):
        codes = {(line.operation_code or "").upper() for line in lines if line.kind == LABOR}
        if codes & offer.free_operations:
            db.session.execute(upsert(CampaignFreeCheck).values(
                store_id=order.store_id, campaign_id=offer.campaign_id, vehicle_id=order.vehicle_id,
                order_id=order.id, used_at=order.settled_at).on_conflict_do_nothing())


@repair_signals.order_reversed.connect
def _reversed(original, *, reversal, actor, now, **_):
    """Write the reversing entries: earned points off, redeemed points back, the card's payment back on it."""
    to_card = -_card_payments(reversal)
    member_id = member_id_of(original.store_id, original.customer_id)
    if member_id is None:
        if to_card:
            raise NotAMember(_l("Only a member's card takes a refund."), field="payments")
        return
    member = lock_member(member_id)
    ledger.reverse_order(member, order_id=original.id, order_number=original.number, actor_id=actor.user_id,
                         now=now)
    back = ledger.reverse_payment(member, order_id=original.id, reversal_id=reversal.id, actor_id=actor.user_id,
                                  now=now)
    if back != to_card:
        raise MembershipError(_l("Refund %(amount)s yuan to the stored-value card: what the card paid.",
                            amount=yuan(back)), field="payments")


@repair_signals.order_reversed.connect
def _free_uses_given_back(original, *, reversal, actor, now, **_):
    """Give back what the reversed order used for free: the members' free items (to their year's allowance) and
    the cars' free check packages (the car may have the check free again)."""
    give_back_free_uses(original.store_id, original.id, reversal_id=reversal.id, order_number=original.number,
                        actor=actor)


def give_back_free_uses(store_id: int, order_id: int, *, reversal_id: int, order_number: str, actor) -> tuple[int, int]:
    """(free items, free checks) given back for a reversed order; once: a use given back is marked with the
    reversal (a conditional UPDATE), a free check's row is gone, so a second call gives back nothing."""
    items = 0
    for use_id, allowance_id, member_id in db.session.execute(sa.select(
            FreeItemUse.id, FreeItemUse.allowance_id, FreeItemUse.member_id).where(
            FreeItemUse.store_id == store_id, FreeItemUse.order_id == order_id, FreeItemUse.given_back_by_id.is_(None))
            .order_by(FreeItemUse.id)).all():
        if db.session.execute(sa.update(FreeItemUse).where(
                FreeItemUse.store_id == store_id, FreeItemUse.id == use_id, FreeItemUse.given_back_by_id.is_(None))
                .values(given_back_by_id=reversal_id).execution_options(synchronize_session=False)).rowcount != 1:
            continue
        db.session.execute(sa.update(FreeItemAllowance).where(
            FreeItemAllowance.store_id == store_id, FreeItemAllowance.id == allowance_id, FreeItemAllowance.used > 0)
            .values(used=FreeItemAllowance.used - 1).execution_options(synchronize_session=False))
        audit.record("member_free_item_given_back", db.session.get(Member, member_id), actor=actor,
                     store_id=store_id, changes={"order": order_number})
        items += 1
    checks = db.session.execute(sa.delete(CampaignFreeCheck).where(
        CampaignFreeCheck.store_id == store_id, CampaignFreeCheck.order_id == order_id)
        .returning(CampaignFreeCheck.campaign_id).execution_options(synchronize_session=False)).scalars().all()
    for campaign_id in checks:
        audit.record("member_free_check_given_back", db.session.get(Campaign, campaign_id), actor=actor, store_id=store_id,
                     entity_type="member_campaigns", changes={"order": order_number})
    return items, len(checks)


@customer_signals.customer_file_panels.connect
def _member_panel(customer, *, actor, **_):
    """The customer's membership on their file: tier, points, card balance, free items left, or a join button."""
    if not actor.has_any(CUSTOMER_READERS):
        return None
    gifts = queries.gift_offers(customer.store_id, customer.id, store_today(customer.store_id, utcnow()))
    return Panel(15, Markup(render_template("members/_customer_panel.html", customer=customer,
                                            summary=queries.summary_of_customer(customer), gifts=gifts)))


@repair_signals.statement_panels.connect
def _statement_panel(order, *, actor, **_):
    """The member's part of the statement: tier discount, points redeemed and earned, card payment and balance."""
    summary = queries.statement_summary(order)
    if summary is None:
        return None
    return Panel(10, Markup(render_template("members/_statement.html", summary=summary)))


# --- The month's members on the operations dashboard (repair.signals.month_panels) ----------------------------
# Also the month's campaigns (营销活动效果), through membership's own results query; and every table as rows too
# (Panel.sheets), for the dashboard's workbook.
from dealer.actors import MANAGER  # noqa: E402  (kept in this block: the dashboard's part)
from dealer.members.models import LAUNCHED  # noqa: E402

MONTH_CAMPAIGNS = 5  # the launched campaigns a month shows at most (each is three grouped queries)


@repair_signals.month_panels.connect
def _month_members(store, *, actor, start, end, sheets=False, **_):
    """Members at the month's end by tier (the tier in force on its last day, a manager's override included),
    those who joined in the month, points earned and redeemed, stored value topped up and paid: one statement of
    three grouped sections whatever the rows, and the month's campaigns (each built once, its values as
    parameters)."""
    zone = store_zone(store)
    first, last = start.astimezone(zone).date(), (end.astimezone(zone) - timedelta(days=1)).date()
    values = {"store_id": store.id, "first": first, "last": last, "start": start, "end": end}
    figures_statement, campaigns_statement = _month_statements()
    ranked, points, card = [], {}, {}
    for section, name, a, b, c in db.session.execute(figures_statement, values):
        if section == 0:  # a tier: its rank, members, joined in the month
            ranked.append((-int(a), name, int(b), int(c or 0)))
        elif section == 1:  # points by kind
            points[name] = a
        else:  # stored value by kind: paid, bonus
            card[name] = (int(a or 0), int(b or 0))
    tiers = [(name, n, new) for _rank, name, n, new in sorted(ranked)]  # the highest tier first
    figures = {"earned": int(points.get(EARN) or 0), "redeemed": -int(points.get(REDEEM) or 0),
               "topped_up": card.get(TOP_UP, (0, 0)), "paid": tuple(-v for v in card.get(PAY, (0, 0)))}
    campaigns = [queries.campaign_results(campaign, with_last_year=False)
                 for campaign in db.session.scalars(campaigns_statement, values)]
    if sheets:
        return Panel(30, Markup(), sheets=_month_sheets(tiers, figures, campaigns))
    return Panel(30, Markup(render_template("members/_month_panel.html", tiers=tiers, figures=figures)
                            + render_template("members/_month_campaigns.html", campaigns=campaigns,
                                              limit=MONTH_CAMPAIGNS, linked=MANAGER in actor.roles)))


@functools.cache
def _month_statements():
    """The panel's statements: its figures (tiers, points, stored value: three sections of one statement, one round
    trip) and the launched campaigns whose days meet the month (the first MONTH_CAMPAIGNS by start; each then with
    its results, `queries.campaign_results`). Parameters: store_id, first and last (the month's days), start and
    end (its UTC bounds)."""
    store_id, first, last = sa.bindparam("store_id"), sa.bindparam("first", type_=sa.Date()), sa.bindparam(
        "last", type_=sa.Date())
    start, end = sa.bindparam("start", type_=PointsEntry.created_at.type), sa.bindparam(
        "end", type_=PointsEntry.created_at.type)
    in_force = sa.case((sa.and_(Member.override_tier_id.is_not(None), Member.override_until >= last),
                        Member.override_tier_id), else_=Member.tier_id)
    # (name or kind, then the figures): the same types in each column across the sections
    tiers = (sa.select(MemberTier.name, MemberTier.rank, sa.func.count(),
                       sa.func.sum(sa.case((Member.joined_on >= first, 1), else_=0)))
             .join(MemberTier, MemberTier.id == in_force)
             .where(Member.store_id == store_id, Member.joined_on <= last)
             .group_by(MemberTier.rank, MemberTier.name))
    points = (sa.select(PointsEntry.kind, sa.func.sum(PointsEntry.points))
              .where(PointsEntry.store_id == store_id, PointsEntry.created_at >= start, PointsEntry.created_at < end,
                     PointsEntry.kind.in_((EARN, REDEEM)))
              .group_by(PointsEntry.kind))
    card = (sa.select(StoredValueEntry.kind, sa.func.sum(StoredValueEntry.paid_fen),
                      sa.func.sum(StoredValueEntry.bonus_fen))
            .where(StoredValueEntry.store_id == store_id, StoredValueEntry.created_at >= start,
                   StoredValueEntry.created_at < end, StoredValueEntry.kind.in_((TOP_UP, PAY)))
            .group_by(StoredValueEntry.kind))
    campaigns = (sa.select(Campaign).where(Campaign.store_id == store_id, Campaign.state == LAUNCHED,
                                           Campaign.starts_on <= last, Campaign.ends_on >= first)
                 .order_by(Campaign.starts_on, Campaign.id).limit(MONTH_CAMPAIGNS))
    return sections(tiers, points, card), campaigns


def _month_sheets(tiers, figures, campaigns) -> tuple:
    """The panel's tables as rows, (title, header, rows) each, for the dashboard's workbook; money as yuan text."""
    def rate(value: float) -> str:
        return f"{value * 100:.1f}%"

    members = (
        *((name, n, new) for name, n, new in tiers),
        (_l("Total"), sum(row[1] for row in tiers), sum(row[2] for row in tiers)),
        (_l("Points earned in the month"), figures["earned"], ""),
        (_l("Points redeemed in the month"), figures["redeemed"], ""),
        (_l("Stored value topped up (paid + bonus, yuan)"), yuan(figures["topped_up"][0]),
         yuan(figures["topped_up"][1])),
        (_l("Stored value paid on orders (paid + bonus, yuan)"), yuan(figures["paid"][0]), yuan(figures["paid"][1])))
    invited, held = _l("Invited"), _l("Held out")
    header = (_l("Campaign"), _l("Days"), invited, held, f"{_l('Came in')}: {invited}", f"{_l('Came in')}: {held}",
              f"{_l('Visit rate')}: {invited}", f"{_l('Visit rate')}: {held}",
              _l("Uplift in response rate (%(level)s interval)", level="95%"), f"{_l('Revenue (yuan)')}: {invited}",
              f"{_l('Revenue (yuan)')}: {held}", _l("Extra revenue"), _l("Discounts given"))
    rows = tuple((r.campaign.name, f"{r.campaign.starts_on.isoformat()} ~ {r.campaign.ends_on.isoformat()}",
                  r.invited.owners, r.held_out.owners, r.invited.came, r.held_out.came, rate(r.invited.rate),
                  rate(r.held_out.rate),
                  f"{rate(r.visit_uplift.difference)} ({rate(r.visit_uplift.low)} ~ {rate(r.visit_uplift.high)})"
                  if r.visit_uplift else "-",
                  yuan(r.invited.revenue_fen), yuan(r.held_out.revenue_fen), yuan(r.extra_revenue_fen),
                  yuan(r.discounts_fen)) for r in campaigns)
    return ((_l("Members"), (_l("Tier"), _l("Members at month end"), _l("Joined this month")), members),
            (_l("Campaign results"), header, rows))
