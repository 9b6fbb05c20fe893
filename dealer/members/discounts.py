"""The tier discount (会员折扣) and the campaign discount (活动折扣) as repair pricing rules: the member's labor and
parts percentages, and those of the running campaign that invited the owner.

Registered with `repair.pricing.discount_rules` when the module is imported; pricing applies the largest
discount per line (member, campaign, manual: never their sum) and does the rounding. The rates of every
customer the session holds (tier and campaign together) are read in one query the first time a rule is asked (a list of orders to
settle prices many orders: one query, not one per order), and forgotten when the transaction ends.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, aliased

from dealer.customers.models import Customer
from dealer.database import utcnow
from dealer.extensions import db
from dealer.members.models import (
    INVITED,
    LAUNCHED,
    Campaign,
    CampaignFreeCheck,
    CampaignTarget,
    Member,
    MemberTier,
)
from dealer.repair import pricing
from dealer.repair.models import LABOR, RepairLine
from dealer.stores.models import Store
from dealer.timezones import local_date

RULE_NAME = "membership"
_CACHE = "member_tier_rates"


@dataclass(frozen=True)
class CampaignOffer:
    """A running campaign's percentages for an owner it invited, on the lines of some catalogue items (labor
    operation codes, part numbers) or labor categories, or on every customer line when it names none."""

    labor_bp: int
    parts_bp: int
    items: frozenset = frozenset()
    categories: frozenset = frozenset()
    campaign_id: int = 0
    free_operations: frozenset = frozenset()  # the free check package's operation codes

    @property
    def scoped(self) -> bool:
        return bool(self.items or self.categories)

    def covers(self, line: RepairLine) -> bool:
        if line.kind == LABOR:
            return (line.operation_code or "").upper() in self.items or line.category in self.categories
        return (line.part_number or "").upper() in self.items


@functools.cache
def _rates_statement() -> sa.Select:
    """The rates of some customers of one store (bound: store_id, ids, today), built once: a row per running
    campaign that invited the customer, with the member's earned and given tiers."""
    earned, given = aliased(MemberTier), aliased(MemberTier)
    store_id, ids, today = sa.bindparam("store_id"), sa.bindparam("ids", expanding=True), sa.bindparam("today")
    running = (sa.select(CampaignTarget.customer_id, Campaign.labor_discount_bp, Campaign.parts_discount_bp,
                         Campaign.offer_items, Campaign.offer_categories, Campaign.id, Campaign.free_operations)
               .join(Campaign, sa.and_(Campaign.store_id == CampaignTarget.store_id,
                                       Campaign.id == CampaignTarget.campaign_id))
               .where(CampaignTarget.store_id == store_id, CampaignTarget.customer_id.in_(ids),
                      CampaignTarget.target_group == INVITED, Campaign.state == LAUNCHED,
                      Campaign.starts_on <= today, Campaign.ends_on >= today)).subquery()
    return (sa.select(Customer.id, Member.id, earned.labor_discount_bp, earned.parts_discount_bp,
                      given.labor_discount_bp, given.parts_discount_bp, Member.override_until,
                      running.c.labor_discount_bp, running.c.parts_discount_bp, running.c.offer_items,
                      running.c.offer_categories, running.c.id, running.c.free_operations)
            .select_from(Customer)
            .outerjoin(Member, sa.and_(Member.store_id == Customer.store_id, Member.customer_id == Customer.id))
            .outerjoin(earned, earned.id == Member.tier_id).outerjoin(given, given.id == Member.override_tier_id)
            .outerjoin(running, running.c.customer_id == Customer.id)
            .where(Customer.store_id == store_id, Customer.id.in_(ids)))


def _rates_of(customers: list[Customer]) -> dict[int, tuple[tuple[int, int] | None, list[CampaignOffer]]]:
    """For each customer: (labor bp, parts bp) of the effective tier when a member, and the offers of the campaigns
    running today that invited them (the held-out group gets none: that is what makes it a control group). One
    query per store (a row per running campaign of the owner)."""
    by_store: dict[int, list[int]] = {}
    for customer in customers:
        by_store.setdefault(customer.store_id, []).append(customer.id)
    rates = {}
    for store_id, ids in by_store.items():
        today = local_date(utcnow(), db.session.get(Store, store_id))
        found: dict[int, tuple] = {}
        for (customer_id, member_id, labor, parts, given_labor, given_parts, until, campaign_labor, campaign_parts,
             items, categories, campaign_id, free) in db.session.execute(
                    _rates_statement(), {"store_id": store_id, "ids": ids, "today": today}):
            member, offers = found.get(customer_id, (None, []))
            if member_id is not None:
                overridden = until is not None and given_labor is not None and today <= until
                member = (given_labor, given_parts) if overridden else (labor, parts)
            if campaign_labor is not None and (campaign_labor or campaign_parts or free):
                offers.append(CampaignOffer(int(campaign_labor), int(campaign_parts), frozenset(items or ()),
                                            frozenset(categories or ()), campaign_id, frozenset(free or ())))
            found[customer_id] = (member, offers)
        rates.update({customer_id: value for customer_id, value in found.items() if value[0] is not None or value[1]})
    return rates


def _cached_rates(customer: Customer | None):
    """(tier rates, campaign rates) of a customer, from the one query for every customer the session holds."""
    if customer is None:
        return None, []
    cache = db.session.info.setdefault(_CACHE, {})
    if customer.id not in cache:
        held = [obj for obj in db.session.identity_map.values()
                if isinstance(obj, Customer) and obj.id not in cache] or [customer]
        if customer not in held:
            held.append(customer)
        found = _rates_of(held)
        for other in held:
            cache[other.id] = found.get(other.id, (None, []))
    return cache[customer.id]


def member_rates(customer: Customer | None) -> tuple[int, int] | None:
    """The tier discount (labor bp, parts bp) of a customer, or None for a non-member."""
    return _cached_rates(customer)[0]


def campaign_offers(customer: Customer | None) -> list[CampaignOffer]:
    """The offers of the campaigns running today that invited the owner (none for a held-out owner)."""
    return _cached_rates(customer)[1]


def tier_discount(lines, *, customer, vehicle):
    """The member's tier rates off every customer labor and parts line."""
    rates = member_rates(customer)
    if rates is None:
        return ()
    labor, parts = rates
    offered = []
    if labor:
        offered.append(pricing.Discount(pricing.MEMBER, labor, kind=pricing.LABOR))
    if parts:
        offered.append(pricing.Discount(pricing.MEMBER, parts, kind=pricing.PARTS))
    return offered


@event.listens_for(Session, "after_transaction_end")
def _forget(session, _transaction):
    session.info.pop(_CACHE, None)


pricing.discount_rules.register(RULE_NAME, tier_discount)


# -- the campaign discount (活动折扣): invited owners, during the campaign's days ------------------------------

CAMPAIGN_RULE_NAME = "member_campaign"


def campaign_discount(lines, *, customer, vehicle):
    """The invited owner's campaign rates: off every customer labor and parts line, or for a campaign naming
    catalogue items or categories off the matching lines only (the larger of this and the tier discount applies per
    line, never both: pricing picks)."""
    offered = []
    for offer in campaign_offers(customer):
        offered += _free_checks(offer, lines, vehicle)
        if not offer.scoped:
            offered += [pricing.Discount(pricing.CAMPAIGN, rate, kind=kind)
                        for rate, kind in ((offer.labor_bp, pricing.LABOR), (offer.parts_bp, pricing.PARTS)) if rate]
            continue
        for line in lines:
            repair_line = _repair_line(line.key)
            if repair_line is None or not offer.covers(repair_line):
                continue
            rate = offer.labor_bp if line.kind == pricing.LABOR else offer.parts_bp
            if rate:
                offered.append(pricing.Discount(pricing.CAMPAIGN, rate, line_key=line.key, kind=line.kind))
    return offered


def free_check_lines(offer: CampaignOffer, lines):
    """(priced line, repair line) of the lines of the offer's free check package (customer labor lines of its
    operations)."""
    if not offer.free_operations:
        return
    for line in lines:
        repair_line = _repair_line(line.key) if line.kind == pricing.LABOR else None
        if repair_line is not None and (repair_line.operation_code or "").upper() in offer.free_operations:
            yield line, repair_line


def _free_checks(offer: CampaignOffer, lines, vehicle) -> list[pricing.Discount]:
    """The free check package: its lines cost nothing, unless the car had it free on another order already (one
    query, only when the order holds such a line)."""
    found = list(free_check_lines(offer, lines))
    if not found or vehicle is None:
        return []
    used_on = db.session.scalar(sa.select(CampaignFreeCheck.order_id).where(
        CampaignFreeCheck.store_id == vehicle.store_id, CampaignFreeCheck.campaign_id == offer.campaign_id,
        CampaignFreeCheck.vehicle_id == vehicle.id))
    return [pricing.Discount(pricing.CAMPAIGN, 10_000, line_key=line.key, kind=pricing.LABOR)
            for line, repair_line in found if used_on in (None, repair_line.order_id)]


def _repair_line(key) -> RepairLine | None:
    """The repair line a priced line stands for: from the session (the order was loaded with its lines), else by
    its primary key. None for a key that is no repair line (a package's items priced before they are lines)."""
    if not isinstance(key, int) or isinstance(key, bool):
        return None
    return db.session.get(RepairLine, key)


pricing.discount_rules.register(CAMPAIGN_RULE_NAME, campaign_discount)
