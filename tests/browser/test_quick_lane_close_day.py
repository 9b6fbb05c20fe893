"""Closing the lane's day in a real browser: the manager sets the close-by time, the reminder (the scheduled
job's service) puts a notice on the manager's home page, the manager carries the cars left over and the notice
goes; the group manager reads the stores side by side."""
import pytest
from playwright.sync_api import expect

from dealer import create_app
from dealer.database import utcnow
from dealer.quicklane.services import remind_to_close_day
from tests.browser.helpers import Device

pytestmark = pytest.mark.browser


def test_the_reminder_to_close_the_day_until_the_manager_closes_it(browser, live_server, live_folder):
    desk = Device(browser, live_server, "tablet", "sz01-advisor1")
    page = desk.page
    page.goto("/customers")
    plate = page.locator("span.plate").nth(-3).inner_text().strip()
    page.goto(f"/quick-lane/open?plate={plate}")
    page.fill("input[name=key_tag]", "D9")
    page.get_by_test_id("lane-agree").click()
    expect(page.locator(f"[data-testid=lane-car][data-plate='{plate}']")).to_have_count(1)

    manager = Device(browser, live_server, "desk", "sz01-manager")
    screen = manager.page
    screen.goto("/quick-lane/settings")
    screen.fill("input[name=close_by]", "00:00")  # any time of day the test runs is past it
    screen.locator("input[name=close_by]").locator("xpath=ancestor::form").locator("[type=submit]").click()
    expect(screen.locator(".alert-success")).to_be_visible()
    expect(screen.locator("input[name=close_by]")).to_have_value("00:00")

    job_app = create_app({"SECRET_KEY": "browser-test", "SQLALCHEMY_DATABASE_URI":
                          f"sqlite:///{live_folder / 'live.sqlite3'}", "SMS_BACKEND": "local",
                          "SMS_LOCAL_LOG": str(live_folder / "sms.jsonl")})
    with job_app.app_context():
        reminded = remind_to_close_day(now=utcnow())
    assert reminded, "SZ01 has a car left in its lane past its close-by time"

    screen.goto("/")
    notice = screen.get_by_test_id("home-lane-close-day")
    expect(notice).to_contain_text("日结")
    notice.get_by_role("link").click()
    while screen.get_by_test_id("close-day-car").filter(
            has_not=screen.locator(".badge")).count():
        row = screen.get_by_test_id("close-day-car").filter(has_not=screen.locator(".badge")).first
        row.locator("input[name=reason]").fill("明早继续")
        row.get_by_test_id("close-day-carry").click()
        expect(screen.locator(".alert-success")).to_be_visible()
    screen.goto("/")
    expect(screen.get_by_test_id("home-quick-lane")).to_be_visible()
    expect(screen.get_by_test_id("home-lane-close-day")).to_have_count(0)
    manager.close("quick-lane-close-day")
    desk.close("quick-lane-close-day-desk")


def test_the_group_manager_reads_the_stores_side_by_side(browser, live_server):
    group = Device(browser, live_server, "desk", "group")
    page = group.page
    page.goto("/quick-lane/figures/stores")
    rows = page.get_by_test_id("lane-stores-row")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 2  # the demo's stores, each in its row
    expect(rows.first.locator("td").first).to_have_text("1")
    rows.first.get_by_role("link").click()
    expect(page.get_by_test_id("lane-figures-days")).to_be_visible()
    group.fits()
    group.close("quick-lane-stores")
