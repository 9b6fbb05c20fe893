"""Tiers (会员等级): joining, the tier discount through repair's pricing rule (the largest per line, never a sum),
upgrades at once on settlement, downgrades only at the anniversary with an SMS 30 days before, a manual
override with a reason and an end date, free items counted against the allowance."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from dealer.extensions import db
from dealer.members import services
from dealer.members.errors import AlreadyMember, MembershipError, NoFreeItemsLeft
from dealer.members.models import Member, MemberTier
from dealer.members.services import membership
from dealer.repair import services as repair
from dealer.repair.queries import display_totals
from dealer.sms.models import SmsMessage
from tests.factories import CustomerFactory
from tests.helpers import NOW
from tests.repair.builders import add_labor, add_part, finished_order, open_order, pay

BILL = 36600


def tier_names(shop):
    return {tier.id: tier.name for tier in services.tiers_of(shop.store.id)}


def tier_of(shop, member) -> str:
    return tier_names(shop)[db.session.scalar(sa.select(Member.tier_id).where(Member.id == member.id))]


def by_name(shop, name) -> MemberTier:
    return next(tier for tier in services.tiers_of(shop.store.id) if tier.name == name)


def test_join_gives_a_group_wide_number_and_the_entry_tier_once(shop, member):
    assert member.number == f"VIP{shop.vehicle.owner_id:08d}"
    assert member.tier.name == "普卡" and member.joined_on == date(2026, 11, 23)
    with pytest.raises(AlreadyMember):
        services.join(shop.vehicle.owner_id, actor=shop.advisor, now=NOW)


def test_the_tier_discount_is_the_largest_per_line_never_added_to_a_manual_one(shop, member):
    gold = by_name(shop, "金卡")  # 10% labor, 5% parts
    services.override_tier(member.id, gold.id, reason="大客户", until=date(2027, 6, 30), actor=shop.manager, now=NOW)
    order = open_order(shop, "保养")
    labor = add_labor(shop, order.jobs[0])
    oil = add_part(shop, order.jobs[0], manual_discount_bp=800)  # the advisor's 8% beats the tier's 5% on parts
    totals = repair.price(order, repair.QUOTED)
    assert totals.line_by_key[labor.id].discount_fen == 600 and totals.line_by_key[labor.id].discount_source == "member"
    assert totals.line_by_key[oil.id].discount_fen == 2448 and totals.line_by_key[oil.id].discount_source == "manual"
    assert totals.total_fen == BILL - 600 - 2448


def test_an_override_needs_a_reason_and_ends_on_its_date(shop, member):
    gold = by_name(shop, "金卡")
    with pytest.raises(MembershipError) as refused:
        services.override_tier(member.id, gold.id, reason=" ", until=date(2027, 1, 1), actor=shop.manager, now=NOW)
    assert refused.value.field == "reason"
    services.override_tier(member.id, gold.id, reason="大客户", until=date(2026, 11, 30), actor=shop.manager, now=NOW)
    member = services.get_member(member.id, actor=shop.manager)
    assert member.effective_tier_id(date(2026, 11, 30)) == gold.id
    assert member.effective_tier_id(date(2026, 12, 1)) == member.tier_id


def test_settlement_upgrades_at_once_when_the_years_spend_reaches_a_tier(shop, member):
    by_name(shop, "银卡").qualifying_spend_fen = BILL  # one order reaches silver
    order = finished_order(shop)
    repair.settle(order.id, pay(order, (BILL, "cash")), actor=shop.cashier, now=NOW)
    assert tier_of(shop, member) == "银卡"
    # the next order is priced with silver's rates (5% labor, 3% parts)
    assert display_totals(finished_order(shop)).total_fen == BILL - 300 - 918


def test_a_reversal_never_lowers_the_tier_before_the_anniversary(shop, member):
    by_name(shop, "银卡").qualifying_spend_fen = BILL
    order = finished_order(shop)
    repair.settle(order.id, pay(order, (BILL, "cash")), actor=shop.cashier, now=NOW)
    repair.reverse(order.id, reason="开错", refunds=pay(order, (BILL, "cash")), actor=shop.manager, now=NOW)
    assert tier_of(shop, member) == "银卡"


def _silver_member(shop, member):
    silver = by_name(shop, "银卡")
    db.session.execute(sa.update(Member).where(Member.id == member.id).values(tier_id=silver.id))
    db.session.expire_all()


def test_downgrade_warns_30_days_before_the_anniversary_then_lowers_the_tier(shop, member):
    _silver_member(shop, member)
    anniversary = date(2027, 11, 23)
    warned = anniversary - timedelta(days=30)
    assert services.review_tiers(now=NOW, day=warned - timedelta(days=1), store_ids=[shop.store.id]) == 0
    assert services.review_tiers(now=NOW, day=warned, store_ids=[shop.store.id]) == 1
    message = db.session.scalar(sa.select(SmsMessage).where(SmsMessage.kind == "member_downgrade_warning"))
    assert message.params["tier"] == "银卡" and message.params["new_tier"] == "普卡"
    assert services.review_tiers(now=NOW, day=warned + timedelta(days=1), store_ids=[shop.store.id]) == 0
    assert tier_of(shop, member) == "银卡"
    assert services.review_tiers(now=NOW, day=anniversary, store_ids=[shop.store.id]) == 1
    assert tier_of(shop, member) == "普卡"
    assert services.review_tiers(now=NOW, day=anniversary, store_ids=[shop.store.id]) == 0


def test_a_member_whose_spend_keeps_the_tier_is_neither_warned_nor_lowered(shop, member):
    _silver_member(shop, member)
    by_name(shop, "银卡").qualifying_spend_fen = 0
    by_name(shop, "普卡").qualifying_spend_fen = 0
    for day in (date(2027, 10, 24), date(2027, 11, 23)):
        services.review_tiers(now=NOW, day=day, store_ids=[shop.store.id])
    assert tier_of(shop, member) == "银卡"
    assert not db.session.scalar(sa.select(SmsMessage.id).where(SmsMessage.kind == "member_downgrade_warning"))


def test_free_items_cannot_be_used_beyond_the_allowance(shop, member):
    _silver_member(shop, member)  # two car washes a year
    for _ in range(2):
        services.use_free_item(member.id, note="洗车", actor=shop.advisor, now=NOW)
    with pytest.raises(NoFreeItemsLeft):
        services.use_free_item(member.id, note="洗车", actor=shop.advisor, now=NOW)
    # a new membership year brings a new allowance
    services.use_free_item(member.id, note="洗车", actor=shop.advisor, now=NOW + timedelta(days=366))


def test_the_review_loads_only_the_due_members_a_chunk_at_a_time(shop, member, monkeypatch):
    """Several due members over several chunks: each is reviewed once, with its own spend (one sum per chunk)."""
    monkeypatch.setattr(membership, "REVIEW_CHUNK", 2)
    silver = by_name(shop, "银卡")
    others = []
    for _ in range(4):
        customer = CustomerFactory(store=shop.store)
        db.session.flush()
        others.append(services.join(customer.id, actor=shop.advisor, now=NOW))
    db.session.execute(sa.update(Member).where(Member.store_id == shop.store.id).values(tier_id=silver.id))
    silver.qualifying_spend_fen = 30_000  # the shop's owner keeps silver with one paid bill; the others do not
    order = finished_order(shop)
    # silver's 5% off the 60 yuan of labor and 3% off the 306 yuan of oil
    repair.settle(order.id, pay(order, (BILL - 300 - 918, "cash")), actor=shop.cashier, now=NOW)
    db.session.expire_all()
    assert services.review_tiers(now=NOW, day=date(2027, 11, 23), store_ids=[shop.store.id]) == 4
    assert tier_of(shop, member) == "银卡"
    assert {db.session.get(Member, other.id).tier_id for other in others} == {by_name(shop, "普卡").id}


def test_after_an_import_the_reviews_are_spread_over_nights_warnings_then_oldest_anniversaries(shop, member):
    """Every member's past anniversary unreviewed (an import): at most `members_per_night` a night, the warnings
    first, then the reviews of the oldest anniversaries."""
    silver = by_name(shop, "银卡")
    joined = {}
    for joined_on in (date(2025, 3, 1), date(2024, 6, 1), date(2025, 1, 10)):  # reviews due: 2026-03-01, 06-01, 01-10
        customer = CustomerFactory(store=shop.store)
        db.session.flush()
        joined[joined_on] = services.join(customer.id, actor=shop.advisor, now=NOW).id
    warned = services.join(CustomerFactory(store=shop.store).id, actor=shop.advisor, now=NOW).id
    db.session.execute(sa.update(Member).where(Member.store_id == shop.store.id).values(tier_id=silver.id))
    for joined_on, member_id in joined.items():
        db.session.execute(sa.update(Member).where(Member.id == member_id).values(joined_on=joined_on))
    db.session.execute(sa.update(Member).where(Member.id.in_((warned, member.id))).values(joined_on=date(2025, 12, 20)))
    db.session.expire_all()
    night = date(2026, 11, 23)  # the two joined on 2025-12-20: a warning due (the anniversary in 27 days)

    def lowered():
        return {member_id for member_id in joined.values() if db.session.get(Member, member_id).tier_id != silver.id}

    assert services.review_tiers(now=NOW, day=night, store_ids=[shop.store.id], members_per_night=4) == 4
    assert lowered() == {joined[date(2025, 1, 10)], joined[date(2025, 3, 1)]}  # anniversaries 2026-01-10, 03-01
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SmsMessage).where(
        SmsMessage.kind == "member_downgrade_warning")) == 2
    next_night = night + timedelta(days=1)
    assert services.review_tiers(now=NOW, day=next_night, store_ids=[shop.store.id], members_per_night=4) == 1
    assert lowered() == set(joined.values())
    assert services.review_tiers(now=NOW, day=next_night, store_ids=[shop.store.id], members_per_night=4) == 0
