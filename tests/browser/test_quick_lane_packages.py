"""The manager's package page in a real browser: its rows offer the store's catalogue (rendered once for all rows),
each row keeps its own item, and a refused field shows its message beside it."""
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import Device

pytestmark = pytest.mark.browser


def test_the_manager_defines_a_package_and_finds_its_rows_as_saved(browser, live_server):
    desk = Device(browser, live_server, "desk", "sz01-manager")
    page = desk.page
    page.goto("/quick-lane/packages")
    page.get_by_test_id("new-package").click()
    rows = page.get_by_test_id("package-item")
    expect(rows).to_have_count(6)
    first, second = rows.nth(0).locator("select"), rows.nth(1).locator("select")
    labor = first.locator("option[value^='o']").first.get_attribute("value")
    part = first.locator("option[value^='p']").first.get_attribute("value")
    page.fill("input[name=code]", "q5k")  # the demo's package has it: refused beside its field
    page.fill("input[name=name]", "浏览器测试套餐")
    page.fill("input[name=price]", "199")
    page.fill("input[name=bay_minutes]", "20")
    page.uncheck("input[name=active]")  # not offered: the desk's choices stay as they were
    first.select_option(labor)
    rows.nth(0).locator("input[name$=hours]").fill("0.5")
    second.select_option(part)
    rows.nth(1).locator("input[name$=quantity]").fill("1")
    page.get_by_test_id("package-form").locator("[type=submit]").click()
    expect(page.locator("input[name=code]")).to_have_class("form-control is-invalid")
    expect(page.locator(".invalid-feedback")).to_have_count(1)
    # the rows as typed, each its own item
    expect(first).to_have_value(labor)
    expect(second).to_have_value(part)
    expect(rows.nth(2).locator("select")).to_have_value("")

    page.fill("input[name=code]", "BRW1")
    page.get_by_test_id("package-form").locator("[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("浏览器测试套餐")
    page.get_by_role("link", name="浏览器测试套餐").click()
    rows = page.get_by_test_id("package-item")
    expect(rows.nth(0).locator("select")).to_have_value(labor)
    expect(rows.nth(0).locator("input[name$=hours]")).to_have_value("0.5")
    expect(rows.nth(1).locator("select")).to_have_value(part)
    expect(rows.nth(1).locator("input[name$=quantity]")).to_have_value("1")
    for index in range(2, 6):
        expect(rows.nth(index).locator("select")).to_have_value("")
    expect(page.locator("input[name=active]")).not_to_be_checked()
    desk.close("quick-lane-package")
