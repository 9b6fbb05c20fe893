"""Each role signs in and finds its day's work on its home page, on the devices it uses: the desk's monitor,
the workshop's tablet, the phone. No console error, nothing wider than the screen, touch targets of 44 px on
the technician's pages. One test per role, on the demo data of the shared live server."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import TOUCH_MIN, Device, box

pytestmark = pytest.mark.browser


@pytest.fixture()
def on(browser, live_server, request):
    """Open a device signed in as someone: on("tablet", "sz01-tech1"); closed (and its console checked) after."""
    opened = []

    def open_device(device: str, username: str | None = None) -> Device:
        opened.append(Device(browser, live_server, device, username))
        return opened[-1]

    yield open_device
    for device in opened:
        device.close(request.node.name)


def test_advisor_finds_the_day_at_the_desk_and_the_order_and_inspection_on_a_tablet(on):
    desk = on("desk", "sz01-advisor1")
    home = desk.page
    for panel in ("home-search", "home-workshop", "home-approval", "home-hand-over", "home-calls"):
        expect(home.get_by_test_id(panel)).to_be_visible()
    assert box(home.get_by_test_id("home-search"))["y"] < box(home.get_by_test_id("home-workshop"))["y"]
    expect(home.get_by_test_id("home-in-workshop").get_by_test_id("home-order").first).to_be_visible()
    expect(home.get_by_test_id("nav-board")).to_be_visible()
    desk.fits()

    tablet = on("tablet", "sz01-advisor1")
    tablet.fits()
    tablet.page.get_by_test_id("home-in-workshop").get_by_test_id("home-order").first.click()
    expect(tablet.page.get_by_test_id("order-number")).to_be_visible()
    tablet.fits()
    tablet.page.get_by_test_id("order-inspection").click()
    expect(tablet.page.get_by_test_id("all-normal")).to_be_visible()
    assert box(tablet.page.get_by_test_id("all-normal"))["height"] >= TOUCH_MIN
    status = tablet.page.locator(".inspection-status label").first
    assert box(status)["height"] >= TOUCH_MIN
    tablet.fits()

    # An order still on the estimate: one add-line form for the whole order, its job chosen in a list.
    tablet.page.goto("/repair/?state=open")
    tablet.page.locator("table a[href*='/repair/orders/']").first.click()
    expect(tablet.page.get_by_test_id("add-line-form")).to_have_count(1)
    expect(tablet.page.locator("[data-testid=labor-form]")).to_have_count(1)
    tablet.fits()


def test_technician_works_from_job_cards_with_big_buttons_on_a_tablet_and_a_phone(on):
    for device in ("tablet", "phone"):
        screen = on(device, "sz01-tech1")
        page = screen.page
        expect(page.get_by_test_id("home-my-jobs")).to_be_visible()
        card = page.get_by_test_id("my-job").first
        expect(card).to_be_visible()
        expect(card.get_by_test_id("job-parts")).to_be_visible()
        assert "¥" not in page.get_by_test_id("home-my-jobs").inner_text()  # no prices in the workshop
        clock = card.locator("[data-testid=clock-on], [data-testid=clock-off]").first
        done = card.get_by_test_id("mark-done")
        for button in (clock, done, card.get_by_test_id("findings")):
            size = box(button)
            assert size["height"] >= TOUCH_MIN and size["width"] >= TOUCH_MIN, (device, size)
        clock_box, done_box = box(clock), box(done)
        apart = max(done_box["x"] - (clock_box["x"] + clock_box["width"]),
                    done_box["y"] - (clock_box["y"] + clock_box["height"]))
        assert apart >= 40, f"{device}: clock and done are {apart} px apart"  # no 'done' by a slip of the thumb
        expect(page.locator("[data-testid=nav-my-jobs]")).to_have_count(1)
        screen.fits()

        page.get_by_test_id("my-job").first.get_by_test_id("findings").click()
        expect(page.get_by_test_id("inspection-summary")).to_be_visible()
        screen.fits()
        page.goto("/repair/my-jobs")
        expect(page.get_by_test_id("my-job").first).to_be_visible()
        screen.fits()
        page.get_by_test_id("my-job").first.get_by_test_id("my-job-order").click()  # the order's summary
        expect(page.get_by_test_id("order-number")).to_be_visible()
        screen.fits()

    # The clock with a thumb: tapped off and on again (or on and off), the card says which.
    page = on("tablet", "sz01-tech1").page
    card = page.get_by_test_id("my-job").first
    number = card.get_by_test_id("my-job-order").inner_text()
    states = ("clock-off", "clock-on") if card.get_by_test_id("clock-off").count() else ("clock-on", "clock-off")
    for tap, then in (states, states[::-1]):
        page.get_by_test_id("my-job").filter(has_text=number).first.get_by_test_id(tap).tap()
        expect(page.get_by_test_id("my-job").filter(has_text=number).first.get_by_test_id(then)).to_be_visible()


def test_parts_clerk_finds_the_issue_queue_and_low_stock(on):
    desk = on("desk", "sz01-parts")
    page = desk.page
    queue = page.get_by_test_id("home-issue-queue")
    expect(queue).to_be_visible()
    expect(queue.get_by_test_id("home-issue-line").first).to_be_visible()
    expect(queue.get_by_test_id("home-issue-line").first.locator("a[href*='/repair/orders/']")).to_be_visible()
    expect(page.get_by_test_id("home-low-stock").get_by_test_id("home-low-part").first).to_be_visible()
    page.get_by_test_id("nav-issue-queue").click()
    expect(page.get_by_test_id("issue-queue")).to_be_visible()
    desk.fits()


def test_cashier_settles_from_home_with_a_running_still_to_pay(on):
    desk = on("desk", "sz01-cashier")
    page = desk.page
    expect(page.get_by_test_id("home-to-settle")).to_be_visible()
    expect(page.get_by_test_id("nav-to-settle")).to_be_visible()
    desk.fits()
    page.get_by_test_id("home-settle").first.click()
    left = page.get_by_test_id("still-to-pay")
    expect(left).to_have_text("¥0.00")
    total = page.locator("input[name=payments-0-amount]").input_value()
    page.fill("input[name=payments-0-amount]", "100")
    owed = _fen(total) - 10000
    expect(left).to_have_text(f"¥{owed // 100:,}.{owed % 100:02d}")
    page.fill("input[name=payments-1-amount]", f"{owed // 100}.{owed % 100:02d}")
    expect(left).to_have_text("¥0.00")
    page.fill("input[name=payments-1-amount]", "abc")
    expect(left).to_have_text("?")
    desk.fits()


def _fen(yuan: str) -> int:
    whole, _, cents = yuan.replace(",", "").partition(".")
    return int(whole) * 100 + int((cents + "00")[:2])


def test_manager_sees_the_day_at_a_glance_on_the_desk_and_the_phone(on):
    for device in ("desk", "phone"):
        screen = on(device, "sz01-manager")
        figures = screen.page.get_by_test_id("day-figures")
        expect(figures).to_have_count(1)
        for figure in ("cars-in", "on-time", "waiting-approval", "revenue"):
            expect(figures.get_by_test_id(figure)).to_be_visible()
        expect(screen.page.locator("a[href='/repair/figures']")).to_be_visible()
        screen.fits()


def test_group_manager_sees_the_stores_side_by_side(on):
    desk = on("desk", "group")
    stores = desk.page.get_by_test_id("day-figures")
    expect(stores).to_have_count(2)
    first, second = box(stores.nth(0)), box(stores.nth(1))
    assert first["y"] == second["y"] and first["x"] < second["x"]  # side by side, not one under the other
    desk.fits()


def test_rescue_dispatcher_finds_the_rescue_board_on_the_desk_and_the_phone(on):
    for device in ("desk", "phone"):
        screen = on(device, "sz01-rescue")
        expect(screen.page.get_by_test_id("home-rescue")).to_be_visible()
        screen.fits()
    desk = on("desk", "sz01-rescue")
    desk.page.get_by_test_id("nav-rescue").click()
    expect(desk.page.get_by_test_id("rescue-board")).to_be_visible()
    desk.fits()


def test_cs_finds_the_follow_up_calls_on_the_desk_and_a_phone(on):
    for device in ("desk", "phone"):
        screen = on(device, "sz01-cs")
        expect(screen.page.get_by_test_id("home-follow-ups")).to_be_visible()
        screen.fits()
    desk = on("desk", "sz01-cs")
    desk.page.get_by_test_id("nav-follow-ups").click()
    expect(desk.page.get_by_test_id("calls")).to_be_visible()
    desk.fits()


def test_the_sign_in_page_fits_a_phone(on):
    phone = on("phone")
    phone.page.goto("/login")
    expect(phone.page.locator("input[name=username]")).to_be_visible()
    assert re.search(r"MicroMessenger", phone.page.evaluate("navigator.userAgent"))
    phone.fits()
