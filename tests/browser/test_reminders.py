"""Reminders and SMS in a real browser: the advisor's call list, the outbox, a manager's template."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import sign_in

pytestmark = pytest.mark.browser


def test_advisor_marks_a_reminder_called_with_a_note(page):
    sign_in(page, "sz01-advisor1")
    page.get_by_role("link", name="提醒").first.click()
    page.goto("/reminders/?all=1")
    rows = page.get_by_test_id("reminders").locator("tbody tr")
    expect(rows.first).to_be_visible()
    first = rows.first
    plate = first.locator("a.plate").inner_text()
    first.locator("input[name=note]").fill("车主说下周来")
    first.get_by_role("button", name="已致电").click()
    expect(page.locator(".alert-success")).to_be_visible()
    row = page.get_by_test_id("reminders").locator("tbody tr", has_text=plate).first
    expect(row).to_contain_text("车主说下周来")


def test_outbox_shows_sent_reminders_with_masked_phones_for_cs(page):
    sign_in(page, "sz01-cs")
    page.goto("/sms/?state=sent")
    outbox = page.get_by_test_id("outbox")
    expect(outbox.locator("tbody tr").first).to_be_visible()
    expect(outbox).to_contain_text("【")  # the store's signature opens every message
    expect(outbox.locator("tbody tr td").nth(1)).to_have_text(re.compile(r"^\d{3}\*{4}\d{4}$"))


def test_manager_template_with_unknown_variable_is_refused_in_the_form(page):
    sign_in(page, "sz01-manager")
    page.goto("/sms/templates")
    page.get_by_role("row", name=re.compile("保养提醒")).get_by_role("link").click()
    page.fill("textarea[name=body]", "${name}您好，${mileage}公里了，该保养啦")
    page.click("form:has(textarea[name=body]) [type=submit]")
    feedback = page.locator("textarea[name=body] ~ .invalid-feedback")
    expect(feedback).to_contain_text("${mileage}")
