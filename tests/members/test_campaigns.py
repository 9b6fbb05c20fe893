"""Campaigns (季节性活动) with a control group: the target in SQL sets, the random holdout, the invitations
through the outbox (consent, quiet hours, once per campaign, the monthly cap), the results and the discount."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from dealer.customers.models import Customer, Vehicle
from dealer.extensions import db
from dealer.members import queries, services, uplift
from dealer.members.errors import CampaignError, CampaignLaunched, EmptyTarget, MembershipError
from dealer.members.models import (
    HOLDOUT,
    INVITED,
    LAUNCHED,
    CampaignFreeCheck,
    CampaignTarget,
    MemberSettings,
)
from dealer.repair import services as repair
from dealer.sms.models import QUEUED, SmsMessage
from dealer.sms.outbox import enqueue
from tests.factories import CustomerFactory, VehicleFactory
from tests.helpers import NOW, audit_entries, count
from tests.repair.builders import by_phone, extra_work_order, finished_order, pay

BILL = 36600  # the builders' order (oil service), before any discount
SPRING = dict(name="春季关爱活动", season="spring", starts_on=date(2026, 11, 20), ends_on=date(2027, 1, 31))


def owners(store, n, *, consent=True, **vehicle):
    """n owners of one car each (flushed)."""
    made = []
    for _ in range(n):
        customer = CustomerFactory(store=store, marketing_consent=consent)
        VehicleFactory(owner=customer, store=store, **vehicle)
        made.append(customer)
    db.session.flush()
    return made


def campaign(shop, **rules):
    return services.create_campaign(shop.store.id, services.CampaignInput(**{**SPRING, **rules}), actor=shop.manager,
                                    now=NOW)


def groups(campaign_id) -> dict[int, str]:
    return dict(db.session.execute(sa.select(CampaignTarget.customer_id, CampaignTarget.target_group)
                                   .where(CampaignTarget.campaign_id == campaign_id)).all())


def invitations(campaign_id) -> list[SmsMessage]:
    return list(db.session.scalars(sa.select(SmsMessage).where(
        SmsMessage.dedupe_key.like(f"campaign:{campaign_id}:%")).order_by(SmsMessage.customer_id)))


def test_launch_holds_out_the_share_at_random_and_invites_the_rest_once(shop):
    consenting = owners(shop.store, 40)
    refused = owners(shop.store, 5, consent=False)
    spring = campaign(shop)
    launched = services.launch_campaign(spring.id, actor=shop.manager, now=NOW, seed=20260301)
    assert launched.state == LAUNCHED and launched.seed == 20260301
    # the shop's own car owner (no consent) is matched too: 46 match, 6 without consent, 40 eligible
    assert (launched.matched, launched.no_consent, launched.capped) == (46, 6, 0)
    assert (launched.invited, launched.held_out) == (36, 4)
    split = groups(spring.id)
    assert set(split) == {c.id for c in consenting}
    assert not set(split) & {c.id for c in refused}
    held = sorted(i for i, g in split.items() if g == HOLDOUT)
    assert held == sorted(services.draw_holdout([c.id for c in consenting], 1000, 20260301))
    messages = invitations(spring.id)
    assert [m.customer_id for m in messages] == sorted(i for i, g in split.items() if g == INVITED)
    first = messages[0]
    assert (first.kind, first.category, first.state) == ("campaign_invitation", "marketing", QUEUED)
    assert first.params["campaign"] == "春季关爱活动" and first.params["period"] == "11月20日-1月31日"
    # the end of the campaign's last day in Shanghai
    assert first.expires_at == datetime(2027, 1, 31, 16, 0, tzinfo=timezone.utc)
    assert [e.changes for e in audit_entries("member_campaign_launched")] == [{"invited": 36, "held_out": 4}]


def test_a_campaign_is_launched_once(shop):
    owners(shop.store, 3)
    spring = campaign(shop)
    services.launch_campaign(spring.id, actor=shop.manager, now=NOW, seed=1)
    with pytest.raises(CampaignLaunched):
        services.launch_campaign(spring.id, actor=shop.manager, now=NOW, seed=2)
    db.session.rollback()
    assert count(SmsMessage, SmsMessage.kind == "campaign_invitation") == 3


def test_invitations_launched_at_night_wait_for_the_morning(shop):
    owners(shop.store, 3)
    spring = campaign(shop)
    night = datetime(2026, 11, 23, 14, 30, tzinfo=timezone.utc)  # 22:30 in Shanghai: quiet hours (21:00-08:00)
    services.launch_campaign(spring.id, actor=shop.manager, now=night, seed=1)
    assert {m.next_attempt_at for m in invitations(spring.id)} == {datetime(2026, 11, 24, 0, 0, tzinfo=timezone.utc)}


def test_an_owner_at_the_monthly_limit_of_marketing_messages_is_left_out(shop):
    busy, calm = owners(shop.store, 2)
    for holiday in ("a", "b"):  # the store's default: at most 2 marketing messages a month
        enqueue("greeting_birthday", store_id=shop.store.id, phone=busy.mobile, customer=busy, params={"name": "x"},
                now=NOW - timedelta(days=1), dedupe_key=holiday)
    spring = campaign(shop)
    launched = services.launch_campaign(spring.id, actor=shop.manager, now=NOW, seed=1)
    assert launched.capped == 1
    assert set(groups(spring.id)) == {calm.id}


def test_an_empty_target_says_why_and_changes_nothing(shop):
    owners(shop.store, 2, consent=False)
    spring = campaign(shop)
    with pytest.raises(EmptyTarget) as raised:
        services.launch_campaign(spring.id, actor=shop.manager, now=NOW)
    assert "3" in str(raised.value.message)  # the shop's owner and the two: 3 match, 3 without consent
    db.session.rollback()
    assert count(CampaignTarget) == 0 and count(SmsMessage) == 0
    assert services.get_campaign(spring.id, actor=shop.manager).state == "draft"


def test_the_rules_select_the_owners_in_sql(shop):
    store = shop.store
    # each launch below invites: a monthly limit high enough that none of them reaches it
    db.session.add(MemberSettings(store_id=store.id, points_per_yuan=100, max_points_share_bp=5000, holdout_bp=0,
                                  marketing_per_month=50, at_risk_months=6, lost_months=12))
    compact = owners(store, 1, model_family="compact")[0]
    suv = owners(store, 1, model_family="suv")[0]
    old = owners(store, 1, registration_date=date(2018, 6, 1))[0]
    new = owners(store, 1, registration_date=date(2025, 6, 1))[0]
    due = owners(store, 1, next_maintenance_due=date(2027, 1, 10))[0]
    later = owners(store, 1, next_maintenance_due=date(2027, 3, 10))[0]
    member = owners(store, 1)[0]
    gold = services.tiers_of(store.id)[2]
    joined = services.join(member.id, actor=shop.advisor, now=NOW)
    services.override_tier(joined.id, gold.id, reason="VIP", until=date(2027, 6, 1), actor=shop.manager, now=NOW)
    seen = owners(store, 1)[0]
    shop.vehicle = db.session.scalar(sa.select(Vehicle).where(
        Vehicle.owner_id == seen.id))
    order = finished_order(shop)
    repair.settle(order.id, pay(order, (BILL, "cash")), actor=shop.cashier, now=NOW - timedelta(days=30))
    # files made long ago (a file younger than the months is nobody's loss)
    db.session.execute(sa.update(Customer).where(Customer.store_id == store.id)
                       .values(created_at=datetime(2024, 1, 1, tzinfo=timezone.utc)))

    def matched(**rules):
        return set(groups(services.launch_campaign(campaign(shop, **rules).id, actor=shop.manager, now=NOW,
                                                   seed=1).id))

    assert matched(model_families=["suv"]) == {suv.id}
    assert compact.id in matched(model_families=["compact"])
    assert matched(min_vehicle_age=5) == {old.id}
    assert matched(max_vehicle_age=2) == {new.id}
    assert matched(maintenance_due=True) == {due.id}
    assert later.id not in matched(maintenance_due=True)
    assert matched(tier_ranks=[3]) == {member.id}
    assert matched(members_only=True) == {member.id}
    assert seen.id not in matched(not_seen_months=6)
    assert seen.id in matched()
    assert len(matched(not_seen_months=6)) == 7  # the eight consenting owners but the one seen a month ago


def test_the_owners_who_declined_recommended_work_within_the_months_are_the_target(shop):
    """未做的建议项目: an owner who declined an extra item (增项) on an order opened within the months is matched; one
    who declined longer ago, or approved every item, is not."""
    store = shop.store
    db.session.add(MemberSettings(store_id=store.id, points_per_yuan=100, max_points_share_bp=5000, holdout_bp=0,
                                  marketing_per_month=50, at_risk_months=6, lost_months=12))
    recent, long_ago, approved = owners(store, 3)

    def extra_items(owner, now, decline: bool):
        shop.vehicle = db.session.scalar(sa.select(Vehicle).where(Vehicle.owner_id == owner.id))
        order, _brakes, cabin_filter = extra_work_order(shop, now=now)
        if decline:
            repair.decline_extra_work(order.id, [cabin_filter.id], reason="车主拒绝", actor=shop.advisor, now=now)
        else:
            repair.approve_extra_work(order.id, [cabin_filter.id], by_phone(), actor=shop.advisor, now=now)

    extra_items(recent, NOW - timedelta(days=40), decline=True)
    extra_items(long_ago, NOW - timedelta(days=300), decline=True)
    extra_items(approved, NOW - timedelta(days=20), decline=False)
    launched = services.launch_campaign(campaign(shop, declined_within_months=6).id, actor=shop.manager, now=NOW,
                                        seed=1)
    assert set(groups(launched.id)) == {recent.id}
    wider = services.launch_campaign(campaign(shop, declined_within_months=12).id, actor=shop.manager, now=NOW,
                                     seed=1)
    assert set(groups(wider.id)) == {recent.id, long_ago.id}


def test_a_campaign_needs_sane_dates_rates_and_tiers(shop):
    with pytest.raises(CampaignError) as raised:
        campaign(shop, ends_on=date(2026, 11, 1))
    assert raised.value.field == "ends_on"
    with pytest.raises(CampaignError) as raised:
        campaign(shop, tier_ranks=[9])
    assert raised.value.field == "tier_ranks"
    with pytest.raises(CampaignError) as raised:
        campaign(shop, min_vehicle_age=5, max_vehicle_age=2)
    assert raised.value.field == "max_vehicle_age"


def test_the_holdout_draw_is_fixed_by_its_seed_and_holds_the_share():
    ids = list(range(1, 20_001))
    first = services.draw_holdout(ids, 1000, 7)
    assert first == services.draw_holdout(list(reversed(ids)), 1000, 7)
    assert first != services.draw_holdout(ids, 1000, 8)
    assert len(first) == 2000 and len(set(first)) == 2000
    # spread over the ids, not a block of them: each quarter holds a quarter of the draw, within tolerance
    for quarter in range(4):
        inside = sum(1 for i in first if quarter * 5000 < i <= (quarter + 1) * 5000)
        assert 400 < inside < 600
    assert services.holdout_count(15, 1000) == 2  # 1.5 rounds up
    assert services.holdout_count(14, 1000) == 1


def test_the_holdout_share_is_the_store_setting(shop):
    db.session.add(MemberSettings(store_id=shop.store.id, points_per_yuan=100, max_points_share_bp=5000,
                                  holdout_bp=2500, marketing_per_month=2, at_risk_months=6, lost_months=12))
    owners(shop.store, 8)
    launched = services.launch_campaign(campaign(shop).id, actor=shop.manager, now=NOW, seed=3)
    assert (launched.invited, launched.held_out) == (6, 2)


def test_results_compare_the_invited_with_the_held_out(shop):
    people = owners(shop.store, 10)
    spring = campaign(shop, labor_discount_bp=2000)
    services.launch_campaign(spring.id, actor=shop.manager, now=NOW, seed=11)
    split = groups(spring.id)
    invited = [c for c in people if split[c.id] == INVITED]
    held = [c for c in people if split[c.id] == HOLDOUT]
    assert (len(invited), len(held)) == (9, 1)
    for customer in invited[:3] + held:
        shop.vehicle = db.session.scalar(sa.select(Vehicle).where(
            Vehicle.owner_id == customer.id))
        order = finished_order(shop)
        # the invited get the campaign's 20% off labor (60 yuan: 12 yuan off); the held-out owner pays the full bill
        due = BILL - 1200 if split[customer.id] == INVITED else BILL
        repair.settle(order.id, pay(order, (due, "cash")), actor=shop.cashier, now=NOW)
    results = queries.campaign_results(services.get_campaign(spring.id, actor=shop.manager))
    invited_total, held_total = 3 * (BILL - 1200), BILL
    assert (results.invited.owners, results.invited.came, results.invited.revenue_fen) == (9, 3, invited_total)
    assert (results.held_out.owners, results.held_out.came, results.held_out.revenue_fen) == (1, 1, held_total)
    assert results.visit_uplift == uplift.proportion_uplift(3, 9, 1, 1)
    assert results.discounts_fen == 3 * 1200
    assert results.by_advisor[0][1:] == (3, invited_total, 1, held_total)


def test_a_line_gets_the_larger_of_the_tier_and_the_campaign_discount_never_both(shop, member):
    gold = services.tiers_of(shop.store.id)[2]  # 10% off labor
    services.override_tier(member.id, gold.id, reason="VIP", until=date(2027, 6, 1), actor=shop.manager, now=NOW)
    db.session.execute(sa.update(Customer).where(Customer.id == member.customer_id).values(marketing_consent=True))
    small = campaign(shop, labor_discount_bp=500)
    services.launch_campaign(small.id, actor=shop.manager, now=NOW, seed=1)
    order = finished_order(shop)
    # gold: 10% of the 60 yuan labor (6 yuan), 5% of the 306 yuan of oil (15.30 yuan); the campaign's 5% on labor
    # is smaller and adds nothing
    settled = repair.settle(order.id, pay(order, (BILL - 600 - 1530, "cash")), actor=shop.cashier, now=NOW)
    assert settled.customer_total_fen == BILL - 600 - 1530
    large = campaign(shop, labor_discount_bp=3000)
    db.session.add(MemberSettings(store_id=shop.store.id, points_per_yuan=100, max_points_share_bp=5000, holdout_bp=0,
                                  marketing_per_month=9, at_risk_months=6, lost_months=12))
    services.launch_campaign(large.id, actor=shop.manager, now=NOW, seed=1)
    order = finished_order(shop)
    # labor: the campaign's 30% (18 yuan), not 30% + 10%; parts keep the tier's 5%
    settled = repair.settle(order.id, pay(order, (BILL - 1800 - 1530, "cash")), actor=shop.cashier, now=NOW)
    assert settled.customer_total_fen == BILL - 1800 - 1530
    # the member's part of the statement says what each gave: the tier's 15.30 on parts, the campaign's 18 on labor
    summary = queries.statement_summary(settled)
    assert (summary.tier_discount_fen, summary.campaign_discount_fen) == (1530, 1800)


def test_the_manager_sets_the_control_group_the_monthly_limit_and_the_loss_months(shop):
    services.save_settings(shop.store.id, points_per_yuan=100, max_points_share_bp=5000, holdout_bp=2000,
                           marketing_per_month=4, at_risk_months=3, lost_months=9, actor=shop.manager, now=NOW)
    settings = services.settings_for(shop.store.id)
    assert (settings.holdout_bp, settings.marketing_per_month, settings.at_risk_months, settings.lost_months) == (
        2000, 4, 3, 9)
    assert campaign(shop).holdout_bp == 2000  # a new campaign takes the store's share
    for wrong, field in (({"holdout_bp": 6000}, "holdout_bp"), ({"marketing_per_month": 0}, "marketing_per_month"),
                         ({"at_risk_months": 9, "lost_months": 9}, "lost_months")):
        with pytest.raises(MembershipError) as raised:
            services.save_settings(shop.store.id, points_per_yuan=100, max_points_share_bp=5000, actor=shop.manager,
                                   now=NOW, **wrong)
        assert raised.value.field == field
        db.session.rollback()


def _invited_owner(shop, **offer):
    """The shop's car owner invited to a campaign with this offer (nobody held out)."""
    db.session.merge(MemberSettings(store_id=shop.store.id, points_per_yuan=100, max_points_share_bp=5000,
                                    holdout_bp=0, marketing_per_month=9, at_risk_months=6, lost_months=12))
    db.session.execute(sa.update(Customer).where(Customer.id == shop.vehicle.owner_id).values(marketing_consent=True))
    services.launch_campaign(campaign(shop, **offer).id, actor=shop.manager, now=NOW, seed=1)


def _settle_paying(shop, due_fen):
    order = finished_order(shop)
    return repair.settle(order.id, pay(order, (due_fen, "cash")), actor=shop.cashier, now=NOW)


def test_an_offer_on_given_catalogue_items_discounts_their_lines_only(shop):
    # 20% off labor and 10% off parts, but only on the oil (part number G052195M4): the oil's 306 yuan gets 30.60
    # yuan off; the oil service's labor (MAINT-OIL, not named) keeps its 60 yuan
    _invited_owner(shop, labor_discount_bp=2000, parts_discount_bp=1000, offer_items=[" g052195m4 "])
    assert _settle_paying(shop, BILL - 3060).customer_total_fen == BILL - 3060


def test_an_offer_on_a_labor_category_discounts_that_labor_only(shop):
    # 20% off labor of the maintenance category (the oil service: 12 yuan off its 60); the 10% on parts names no
    # part, so the oil pays in full
    _invited_owner(shop, labor_discount_bp=2000, parts_discount_bp=1000, offer_categories=["maintenance"])
    assert _settle_paying(shop, BILL - 1200).customer_total_fen == BILL - 1200


def test_a_line_gets_the_larger_of_the_tier_and_an_item_offer_never_both(shop, member):
    gold = services.tiers_of(shop.store.id)[2]  # 10% off labor, 5% off parts
    services.override_tier(member.id, gold.id, reason="VIP", until=date(2027, 6, 1), actor=shop.manager, now=NOW)
    # 30% on the oil service's labor (MAINT-OIL) beats the tier's 10% (18 yuan off, not 24); the 5% on brakes
    # (BRK-FRONT, not on this order) gives nothing; the oil keeps the tier's 5% (15.30 yuan)
    _invited_owner(shop, labor_discount_bp=3000, offer_items=["MAINT-OIL"])
    _invited_owner(shop, labor_discount_bp=500, parts_discount_bp=500, offer_items=["BRK-FRONT"])
    assert _settle_paying(shop, BILL - 1800 - 1530).customer_total_fen == BILL - 1800 - 1530


def test_an_offer_names_known_labor_categories(shop):
    with pytest.raises(CampaignError) as refused:
        campaign(shop, labor_discount_bp=1000, offer_categories=["tyres"])
    assert refused.value.field == "offer_categories"


def test_a_free_check_package_is_free_once_per_invited_car(shop):
    # the package: the oil service's labor (MAINT-OIL, 60 yuan) free; the car's next order pays it; another invited
    # car gets it free too; the parts are not in it
    other = owners(shop.store, 1)[0]
    _invited_owner(shop, free_operations=[" maint-oil"])
    first = _settle_paying(shop, BILL - 6000)
    assert first.customer_total_fen == BILL - 6000
    used = db.session.execute(sa.select(CampaignFreeCheck.vehicle_id, CampaignFreeCheck.order_id)).all()
    assert used == [(shop.vehicle.id, first.id)]
    assert _settle_paying(shop, BILL).customer_total_fen == BILL  # once per car
    shop.vehicle = db.session.scalar(sa.select(Vehicle).where(Vehicle.owner_id == other.id))
    assert _settle_paying(shop, BILL - 6000).customer_total_fen == BILL - 6000
    assert count(CampaignFreeCheck) == 2
