"""The month's campaigns (营销活动效果) on the operations dashboard, from membership's own results query: invited
against held out, came in, uplift, revenue and discounts; the panel's tables as rows for the dashboard's Excel."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from dealer.customers.models import Vehicle
from dealer.extensions import db
from dealer.members import queries, services
from dealer.members.models import HOLDOUT, INVITED, CampaignTarget
from dealer.repair import services as repair
from dealer.repair import signals as repair_signals
from dealer.satisfaction.services.month import month_bounds
from dealer.signals import collect_panels
from tests.factories import CustomerFactory, VehicleFactory
from tests.helpers import NOW
from tests.repair.builders import finished_order, pay

NOVEMBER = date(2026, 11, 1)
BILL = 36600  # the builders' order (oil service), before any discount
SPRING = dict(name="春季关爱活动", season="spring", starts_on=date(2026, 11, 20), ends_on=date(2027, 1, 31))


def _campaign(shop, **fields):
    return services.create_campaign(shop.store.id, services.CampaignInput(**{**SPRING, **fields}),
                                    actor=shop.manager, now=NOW)


def _members_panel(shop, sheets=False):
    """Membership's panel of the dashboard's page (its HTML), or of its Excel (its sheets: the same tables)."""
    start, end = month_bounds(shop.store, NOVEMBER)
    panels = collect_panels(repair_signals.month_panels, shop.store, actor=shop.manager, start=start, end=end,
                            sheets=sheets)
    if sheets:
        [panel] = [panel for panel in panels if "会员" in {str(sheet[0]) for sheet in panel.sheets}]
        assert not panel.html
    else:
        [panel] = [panel for panel in panels if 'data-testid="month-members"' in panel.html]
    return panel


def test_the_months_campaigns_show_their_results_on_the_dashboard_and_in_its_sheets(ctx, shop):
    people = []
    for _ in range(10):
        customer = CustomerFactory(store=shop.store, marketing_consent=True)
        VehicleFactory(owner=customer, store=shop.store)
        people.append(customer)
    db.session.flush()
    spring = _campaign(shop, labor_discount_bp=2000)
    services.launch_campaign(spring.id, actor=shop.manager, now=NOW, seed=11)
    _campaign(shop, name="草稿活动")  # a draft: not shown
    march = _campaign(shop, name="明年三月", starts_on=date(2027, 3, 1), ends_on=date(2027, 3, 31))
    services.launch_campaign(march.id, actor=shop.manager, now=NOW, seed=2)  # not this month's
    split = dict(db.session.execute(sa.select(CampaignTarget.customer_id, CampaignTarget.target_group)
                                    .where(CampaignTarget.campaign_id == spring.id)).all())
    came = [c for c in people if split.get(c.id) == INVITED][:3] + [c for c in people if split.get(c.id) == HOLDOUT]
    for customer in came:
        shop.vehicle = db.session.scalar(sa.select(Vehicle).where(Vehicle.owner_id == customer.id))
        order = finished_order(shop)
        due = BILL - 1200 if split[customer.id] == INVITED else BILL
        repair.settle(order.id, pay(order, (due, "cash")), actor=shop.manager, now=NOW)

    panel = _members_panel(shop)
    results = queries.campaign_results(services.get_campaign(spring.id, actor=shop.manager), with_last_year=False)

    html = " ".join(str(panel.html).split())
    assert html.count('data-testid="month-campaign"') == 1 and "春季关爱活动" in html
    assert "草稿活动" not in html and "明年三月" not in html
    sheets = {str(title): (header, rows) for title, header, rows in _members_panel(shop, sheets=True).sheets}
    assert set(sheets) == {"会员", "营销活动效果"}
    header, [row] = sheets["营销活动效果"]
    assert [str(cell) for cell in header[:4]] == ["活动", "活动日期", "邀请组", "对照组"]
    assert row[:6] == ("春季关爱活动", "2026-11-20 ~ 2027-01-31", results.invited.owners, results.held_out.owners,
                       3, 1)
    assert (results.invited.owners, results.held_out.owners) == (9, 1)
    assert row[6:8] == (f"{3 / 9 * 100:.1f}%", "100.0%")
    assert row[9:] == ("1,062.00", "366.00", f"{results.extra_revenue_fen / 100:,.2f}", "36.00")
    assert results.discounts_fen == 3 * 1200


def test_a_month_without_campaigns_says_so_and_its_sheet_is_empty(ctx, shop):
    panel = _members_panel(shop)
    assert "本月没有营销活动" in str(panel.html)
    [(_title, _header, rows)] = [sheet for sheet in _members_panel(shop, sheets=True).sheets
                                 if str(sheet[0]) == "营销活动效果"]
    assert rows == ()
