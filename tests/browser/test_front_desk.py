"""The front desk in a real browser: sign in, open a customer file with a vehicle, find it, see errors."""
import random
import re

import pytest
from playwright.sync_api import expect

from dealer.demo import data
from tests.browser.helpers import sign_in

pytestmark = pytest.mark.browser


def test_sign_in_shows_the_front_desk_in_chinese(page):
    sign_in(page, "sz01-advisor1")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_test_id("search-input")).to_be_visible()
    expect(page.get_by_test_id("user-menu")).to_contain_text("SZ01")


def test_wrong_password_is_refused_with_a_message(page):
    page.goto("/login")
    page.fill("input[name=username]", "sz01-advisor1")
    page.fill("input[name=password]", "not-the-password")
    page.click("input[type=submit], button[type=submit]")
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.locator(".invalid-feedback, .alert-danger").first).to_be_visible()


def test_create_customer_with_vehicle_then_find_it_by_last_four_of_plate(page):
    rng = random.Random()
    mobile = data.mobile(rng)
    plate = data.plate(rng, "粤", "B")
    vin = data.vin(rng)
    sign_in(page, "sz01-advisor1")

    page.get_by_test_id("new-customer").click()
    page.fill("input[name=name]", "欧阳测试")
    page.fill("input[name=mobile]", mobile)
    page.check("input[name=marketing_consent]")
    page.click("form[data-testid=customer-form] [type=submit]")

    expect(page.locator("form[data-testid=vehicle-form]")).to_be_visible()
    page.fill("input[name=plate]", plate)
    page.fill("input[name=vin]", vin)
    page.fill("input[name=model]", "迈腾 Magotan")
    page.fill("input[name=odometer_km]", "12345")
    page.click("form[data-testid=vehicle-form] [type=submit]")

    expect(page.get_by_test_id("customer-name")).to_contain_text("欧阳测试")
    expect(page.get_by_test_id("customer-vehicles")).to_contain_text(plate)
    expect(page.get_by_test_id("customer-mobile")).to_have_text(mobile)  # an advisor calls customers

    page.goto("/desk")
    page.get_by_test_id("search-input").fill(plate[-4:])  # htmx searches as the advisor types
    results = page.get_by_test_id("search-results")
    expect(results).to_contain_text(plate)
    expect(results).to_contain_text(mobile[:3] + "****" + mobile[-4:])  # masked in lists
    results.get_by_role("link", name="欧阳测试").click()
    expect(page.get_by_test_id("customer-name")).to_contain_text("欧阳测试")


def test_wrong_vin_shows_a_field_error_and_saves_nothing(page):
    sign_in(page, "sz01-advisor1")
    page.goto("/customers")
    page.locator("table a[href^='/customers/']").first.click()
    page.get_by_test_id("add-vehicle").click()
    good_vin = data.vin(__import__("random").Random(7))
    wrong_vin = good_vin[:8] + ("0" if good_vin[8] != "0" else "1") + good_vin[9:]  # a typo in the check digit
    page.fill("input[name=plate]", "粤B9X7Z3")
    page.fill("input[name=vin]", wrong_vin)
    page.click("form[data-testid=vehicle-form] [type=submit]")

    vin_input = page.locator("input[name=vin]")
    expect(vin_input).to_have_class(re.compile(r"is-invalid"))
    feedback = page.locator("input[name=vin] ~ .invalid-feedback")
    expect(feedback).to_contain_text("VIN")
    expect(feedback).not_to_contain_text("check digit")  # shown in Chinese, not English

    page.goto("/desk?q=9X7Z3")
    expect(page.get_by_test_id("no-results")).to_be_visible()
