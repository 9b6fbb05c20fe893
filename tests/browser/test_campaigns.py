"""The manager runs a spring campaign in a real browser: from the target's preview to the results and their chart.

The manager opens Campaigns from the menu, saves a new spring campaign (20% off labor), reads the target's preview
(owners matching, left out, held out as the control group), launches it, and sees the invited and held-out groups
with the response-rate chart (ECharts, served locally) and the Excel export's link.
"""
from __future__ import annotations

import os
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from werkzeug.serving import make_server

from dealer.database import utcnow
from dealer.extensions import db
from dealer.members.models import Campaign, CampaignTarget
from dealer.sms.models import SmsMessage
from dealer.stores.models import Store
from tests.browser.helpers import ARTIFACTS, demo_app, sign_in, watch_console

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def campaign_server(tmp_path_factory):
    """The app with demo data (its own database: the launch writes invitations into the outbox)."""
    folder = tmp_path_factory.mktemp("live-campaigns")
    app = demo_app(folder, vehicles=40)
    with app.app_context():
        today = db.session.scalar(sa.select(Store).where(Store.code == "SZ01")).local_date(utcnow())
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", "app": app, "today": today}
    server.shutdown()


def test_the_manager_runs_a_spring_campaign_to_its_results(browser, campaign_server, request):
    context = browser.new_context(base_url=campaign_server["url"], locale="zh-CN", viewport={"width": 1280, "height": 900},
                                  accept_downloads=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    watch_console(page, errors, "sz01-manager")
    try:
        sign_in(page, "sz01-manager")
        page.get_by_test_id("nav-campaigns").click()
        page.get_by_test_id("new-campaign").click()
        form = page.get_by_test_id("campaign-form")
        today = campaign_server["today"]
        form.locator("input[name=name]").fill("春季空调检测")
        form.locator("select[name=season]").select_option("spring")
        form.locator("input[name=starts_on]").fill(today.isoformat())
        form.locator("input[name=ends_on]").fill((today + timedelta(days=45)).isoformat())
        form.locator("input[name=labor_discount_bp]").fill("20")
        form.locator("input[name=offer]").fill("免费空调检测")
        form.locator("[type=submit]").click()

        preview = page.get_by_test_id("campaign-preview")
        expect(preview).to_be_visible()
        matched = int(page.get_by_test_id("preview-matched").inner_text())
        held_out = int(page.get_by_test_id("preview-held-out").inner_text())
        to_invite = int(page.get_by_test_id("preview-invited").inner_text())
        assert matched > 0 and to_invite > held_out > 0
        page.get_by_test_id("launch-form").locator("[type=submit]").click()

        expect(page.get_by_test_id("invited-owners")).to_have_text(str(to_invite))
        expect(page.get_by_test_id("held-out-owners")).to_have_text(str(held_out))
        expect(page.locator("#campaign-chart svg")).to_be_visible()  # ECharts drew the chart
        with page.expect_download() as download:
            page.get_by_test_id("campaign-export").click()
        assert download.value.suggested_filename.endswith(".xlsx")
        with campaign_server["app"].app_context():
            campaign = db.session.scalar(sa.select(Campaign).where(Campaign.name == "春季空调检测"))
            assert db.session.scalar(sa.select(sa.func.count()).select_from(CampaignTarget).where(
                CampaignTarget.campaign_id == campaign.id)) == to_invite + held_out
            assert db.session.scalar(sa.select(sa.func.count()).select_from(SmsMessage).where(
                SmsMessage.kind == "campaign_invitation")) == to_invite
    finally:
        os.makedirs(ARTIFACTS, exist_ok=True)
        page.screenshot(path=os.path.join(ARTIFACTS, f"{request.node.name}.png"), full_page=True)
        context.close()
    assert not errors, f"errors in the browser console: {errors}"
