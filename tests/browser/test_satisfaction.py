"""Customer satisfaction in a real browser: an owner fills the feedback form from the SMS link on a phone (WeChat's
browser), then CS sees it on the month sheet and exports the sheet to Excel."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from io import BytesIO
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.helpers import TOUCH_MIN, Device, box

pytestmark = pytest.mark.browser

SZ01 = "深圳宝安一汽-大众4S店"


def _feedback_links(live_folder) -> list[str]:
    """The links of the feedback SMS the owners got, as the SMS stand-in (the local gateway) recorded them."""
    lines = (live_folder / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    links = [json.loads(line)["params"].get("link", "") for line in lines]
    return [link for link in links if urlsplit(link).path.startswith("/f/")]  # not the progress links


def test_owner_fills_the_form_from_the_sms_link_on_a_phone_and_cs_sees_and_exports_it(browser, live_server,
                                                                                       live_folder, tmp_path):
    links = _feedback_links(live_folder)
    assert links, "the demo's delivered orders texted their owners a feedback link"
    owner = Device(browser, live_server, "phone")
    page = owner.page
    for link in links:  # the SZ01 owner's link (the demo delivered one order in each store)
        page.goto(urlsplit(link).path)
        if SZ01 in page.content():
            break
    expect(page.get_by_test_id("feedback")).to_be_visible()
    owner.fits()
    for item, letter in (("timeliness", "A"), ("quality", "B"), ("attitude", "A")):
        choice = page.get_by_test_id(f"item-{item}").locator("label.grade-option").nth("ABCDE".index(letter))
        assert box(choice)["height"] >= TOUCH_MIN  # a thumb's target
        choice.click()
    page.get_by_label("还有什么想告诉我们的吗？").fill("顾问讲解很清楚")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_test_id("feedback-thanks")).to_be_visible()
    expect(page.get_by_test_id("feedback-answers")).to_contain_text("非常满意")
    page.reload()  # the same link again: the answers already given, not a second form
    expect(page.get_by_test_id("feedback")).to_have_count(0)
    owner.close("feedback-phone")

    # The demo handed the car back 2 days ago (less 40 minutes): the form counts in that month at the store.
    served = datetime.now(ZoneInfo("Asia/Shanghai")) - timedelta(days=2) + timedelta(minutes=40)
    cs = Device(browser, live_server, "desk", "sz01-cs")
    cs.page.goto(f"/satisfaction/month?month={served:%Y-%m}")
    sheet = cs.page.get_by_test_id("month-forms")
    expect(sheet).to_contain_text("顾问讲解很清楚")
    expect(cs.page.get_by_test_id("n")).not_to_have_text("0")
    cs.page.emulate_media(media="print")  # on A4: the sheet without the menu and the buttons
    expect(cs.page.get_by_test_id("assessment")).to_be_visible()
    expect(cs.page.get_by_test_id("export-xlsx")).to_be_hidden()
    expect(cs.page.get_by_test_id("nav-follow-ups")).to_be_hidden()
    cs.page.emulate_media(media="screen")
    with cs.page.expect_download() as download_info:
        cs.page.get_by_test_id("export-xlsx").click()
    download = download_info.value
    assert download.suggested_filename == f"assessment-SZ01-{served:%Y-%m}.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    comments = [row[7] for row in load_workbook(saved).worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert "顾问讲解很清楚" in comments
    cs.close("month-sheet")


def test_group_manager_reads_the_five_assurances_with_drawn_trends_ranks_stores_and_drills_down(browser, live_server):
    manager = Device(browser, live_server, "desk", "group")
    page = manager.page
    page.goto("/satisfaction/assurance")
    for section in ("time", "cost", "quality", "after-repair", "emergency"):
        expect(page.get_by_test_id(f"assurance-{section}")).to_be_visible()
    # ECharts, served by this site under the CSP, drew every card's 12-month trend (a canvas each).
    expect(page.locator('.assurance-chart[data-drawn="1"] canvas')).to_have_count(5)
    ranking = page.get_by_test_id("ranking")
    expect(ranking).to_contain_text("SZ01")
    expect(ranking.locator("tbody tr")).not_to_have_count(0)
    # Another store's name in the ranking opens that store's month.
    shown = page.get_by_role("heading", level=1).inner_text()
    links = ranking.locator("tbody tr a")
    other = next(name for name in (links.nth(i).inner_text().split(" ", 1)[1] for i in range(links.count()))
                 if name not in shown)
    ranking.get_by_role("link", name=other).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(other)
    page.get_by_test_id("drill-time").click()
    expect(page.get_by_test_id("assurance-records")).to_be_visible()
    expect(page.get_by_role("heading")).to_contain_text("时间安心")
    manager.close("assurances")


def test_cs_names_the_technician_of_a_complaint_and_the_list_counts_them_then_the_manager_reads_the_month(
        browser, live_server):
    cs = Device(browser, live_server, "desk", "sz01-cs")
    page = cs.page
    page.goto("/satisfaction/complaints/new")
    page.get_by_label("涉及技师").select_option(label="刘技师")
    page.locator('[data-testid="complaint-form"] [name="description"]').fill("换完机油后漏油")
    page.locator('[data-testid="complaint-form"] [type="submit"]').click()
    expect(page.get_by_test_id("complaint-technician")).to_have_text("刘技师")
    # named after intake too: cleared, then named again, each change audited
    naming = page.get_by_test_id("name-technician")
    naming.get_by_label("涉及技师").select_option(label="-")
    naming.get_by_role("button", name="保存涉及技师").click()
    expect(page.get_by_test_id("complaint-technician")).to_have_text("-")
    page.get_by_test_id("name-technician").get_by_label("涉及技师").select_option(label="刘技师")
    page.get_by_test_id("name-technician").get_by_role("button", name="保存涉及技师").click()
    expect(page.get_by_test_id("complaint-technician")).to_have_text("刘技师")

    page.goto("/satisfaction/complaints")
    menu = page.get_by_test_id("technician-filter")
    expect(menu.locator("option", has_text="刘技师 (")).to_have_count(1)
    menu.select_option(label=menu.locator("option", has_text="刘技师 (").inner_text())
    page.get_by_role("button", name="筛选").click()
    rows = page.get_by_test_id("complaints").locator("tbody tr")
    expect(rows).not_to_have_count(0)
    for i in range(rows.count()):
        expect(rows.nth(i).locator("td").last).to_have_text("刘技师")
    cs.close("complaint-technician")

    manager = Device(browser, live_server, "desk", "sz01-manager")
    manager.page.goto("/satisfaction/operations")
    expect(manager.page.get_by_test_id("month-bookings")).to_contain_text("预约与爽约")
    expect(manager.page.get_by_test_id("month-members")).to_contain_text("月末会员数")
    expect(manager.page.get_by_test_id("month-campaigns")).to_contain_text("营销活动效果")
    with manager.page.expect_download() as download:
        manager.page.get_by_test_id("export-operations").click()
    book = load_workbook(BytesIO(download.value.path().read_bytes()))
    assert {"预约与爽约", "会员", "营销活动效果"} <= set(book.sheetnames)
    manager.close("operations-sections")
