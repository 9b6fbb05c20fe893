"""A whole rescue call in a real browser: intake by the caller's phone (autosaved, also when interrupted),
dispatch, the crew's page on a phone marking arrival with a photo, completion with the tow-in order opened,
and the dispatcher's board following along without a reload."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import TOUCH_MIN, Device, box
from tests.repair.builders import TINY_PNG

pytestmark = pytest.mark.browser
BOARD_REFRESH_MS = 12_000  # the board polls every 5 s


@pytest.fixture()
def on(browser, live_server, request):
    opened = []

    def open_device(device: str, username: str | None = None) -> Device:
        opened.append(Device(browser, live_server, device, username))
        return opened[-1]

    yield open_device
    for device in opened:
        device.close(request.node.name)


def _a_customer_with_a_car(page) -> str:
    """The mobile of a demo customer of SZ01 who has a car (the dispatcher sees phone numbers whole)."""
    page.goto("/desk?q=粤B")  # the front desk's search by plate: owners of cars
    page.locator("a[href^='/customers/']").first.click()
    return page.get_by_test_id("customer-mobile").inner_text().strip()


def test_dispatcher_takes_a_call_sends_help_and_the_crew_tows_the_car_in(on):
    board = on("desk", "sz01-rescue")
    board.page.goto("/rescue/")
    expect(board.page.get_by_test_id("rescue-board")).to_be_visible()

    desk = on("desk", "sz01-rescue")
    page = desk.page
    expect(page.get_by_test_id("nav-rescue")).to_be_visible()
    mobile = _a_customer_with_a_car(page)
    page.goto("/rescue/")
    page.get_by_test_id("new-call").click()

    # The phone number alone saves the call and finds the caller and their cars.
    page.fill("input[name=caller_phone]", mobile)
    expect(page.get_by_test_id("saved")).to_be_visible()
    expect(page.get_by_test_id("caller-customer")).to_be_visible()
    page.get_by_test_id("caller-customer").locator("input[type=radio]").first.check()
    page.select_option("select[name=fault_type]", "accident")
    page.check("input[name=tow_needed]")
    page.fill("input[name=latitude]", "22.552496")   # as AMap shows 宝安 (GCJ-02)
    page.fill("input[name=longitude]", "113.888679")
    expect(page.get_by_test_id("proposal").locator("form").first).to_be_visible()
    call_url = page.get_by_test_id("call-link").get_attribute("href")
    # Interrupted: the address typed and the page left at once; nothing is lost.
    page.fill("input[name=address]", "宝安大道与创业一路交叉口")
    page.goto("/rescue/")
    for _ in range(10):  # what was typed went by beacon as the page was left: it lands within moments
        page.goto(call_url)
        if page.locator("input[name=address]").input_value():
            break
        page.wait_for_timeout(300)
    expect(page.locator("input[name=address]")).to_have_value("宝安大道与创业一路交叉口")
    expect(page.locator("input[name=latitude]")).not_to_have_value("")
    expect(page.get_by_test_id("priority")).to_contain_text("事故")

    # The board shows the new call without a reload.
    call_id = call_url.rsplit("/", 1)[-1]
    row = board.page.get_by_test_id(f"call-{call_id}")
    expect(row).to_be_visible(timeout=BOARD_REFRESH_MS)
    expect(row.get_by_test_id("call-state")).to_have_text("已接警")

    # Dispatch the first proposal (the flatbed waiting nearby); the crew's link is shown once.
    first = page.get_by_test_id("proposal").locator("form").first
    expect(first).to_contain_text("救援1号平板车")
    first.locator("button[type=submit]").click()
    flash = page.locator(".alert-success").first
    expect(flash).to_contain_text("/rescue/crew/")
    link = re.search(r"/rescue/crew/[\w-]+", flash.inner_text()).group(0)
    expect(row.get_by_test_id("call-state")).to_have_text("已派车", timeout=BOARD_REFRESH_MS)
    expect(row.get_by_test_id("eta")).to_contain_text("分钟")

    # The crew's phone: no account, the link alone; big buttons; arrival with a photo.
    phone = on("phone")
    crew = phone.page
    crew.goto(link)
    expect(crew.get_by_test_id("crew-call-phone")).to_have_text(mobile)
    phone.fits()
    assert box(crew.get_by_test_id("crew-step-on_scene"))["height"] >= TOUCH_MIN
    crew.get_by_test_id("crew-step-en_route").click()
    expect(crew.get_by_test_id("crew-state")).to_have_text("已出发")
    crew.get_by_test_id("photo-on_scene").set_input_files(
        {"name": "arrival.png", "mimeType": "image/png", "buffer": TINY_PNG})
    crew.get_by_test_id("crew-step-on_scene").click()
    expect(crew.get_by_test_id("crew-state")).to_have_text("已到达")
    expect(row.get_by_test_id("call-state")).to_have_text("已到达", timeout=BOARD_REFRESH_MS)
    crew.get_by_test_id("photo-towing").set_input_files(
        {"name": "pickup.png", "mimeType": "image/png", "buffer": TINY_PNG})
    crew.get_by_test_id("crew-step-towing").click()
    expect(crew.get_by_test_id("crew-state")).to_have_text("拖车")
    # Done needs the owner's signature at hand-over: drawn with a finger (the mouse) on the phone's canvas.
    crew.get_by_test_id("crew-step-completed").click()
    expect(crew.locator(".alert-danger")).to_contain_text("签字")
    pad = crew.get_by_test_id("crew-signature")
    pad.scroll_into_view_if_needed()
    area = box(pad)
    crew.mouse.move(area["x"] + 20, area["y"] + area["height"] / 2)
    crew.mouse.down()
    for step in range(1, 12):
        crew.mouse.move(area["x"] + 20 + step * 25, area["y"] + area["height"] / 2 + (-1) ** step * 30, steps=3)
    crew.mouse.up()
    crew.get_by_test_id("crew-step-completed").click()
    expect(crew.get_by_test_id("crew-done")).to_be_visible()
    assert crew.request.get(link).status == 410  # the job is over, and the link with it

    # Completed: off the board, and the tow-in repair order is open, linked from the call.
    expect(row).to_have_count(0, timeout=BOARD_REFRESH_MS)
    page.goto(call_url)
    expect(page.get_by_test_id("tow-in-order")).to_be_visible()
    timeline = page.get_by_test_id("timeline")
    for kind in ("received", "dispatched", "en_route", "on_scene", "towing", "completed", "tow_in_opened"):
        expect(timeline.get_by_test_id(f"event-{kind}")).to_have_count(1)
    expect(timeline.get_by_test_id("photo")).to_have_count(2)
    signature = page.get_by_test_id("call-signature").locator("img")
    expect(signature).to_be_visible()
    assert signature.evaluate("image => image.complete && image.naturalWidth > 100")  # the PNG the owner drew

    # Accident help (代办理赔): the dispatcher reports the claim on the call; the tow-in order's advisor follows it.
    claim = page.get_by_test_id("claim")
    claim.locator("input[name=insurer]").fill("中国人保财险")
    claim.locator("input[name=report_number]").fill("RDAA2026440300009876")
    claim.get_by_test_id("claim-save").click()
    expect(page.get_by_test_id("claim-state")).to_have_text("已报案")
    advisor = on("desk", "sz01-advisor1")
    advisor.page.goto(call_url + "/claim")
    advisor.page.get_by_role("link", name="拖车进店工单").click()
    panel = advisor.page.get_by_test_id("order-claim")
    expect(panel).to_contain_text("RDAA2026440300009876")
    expect(panel.get_by_test_id("order-claim-state")).to_have_text("已报案")
    panel.get_by_test_id("order-claim-link").click()
    advisor.page.get_by_test_id("claim-move-surveyed").locator("button").click()
    expect(advisor.page.get_by_test_id("claim-state")).to_have_text("已查勘")
    advisor.page.get_by_test_id("claim-move-approved").locator("input[name=amount]").fill("3200.50")
    advisor.page.get_by_test_id("claim-move-approved").locator("button").click()
    expect(advisor.page.get_by_test_id("claim-step-approved")).to_contain_text("3,200.50")


def test_an_autosave_landing_while_the_dispatcher_types_a_reason_keeps_the_reason(on):
    desk = on("desk", "sz01-rescue")
    page = desk.page
    page.goto("/rescue/calls/new")
    page.fill("input[name=caller_phone]", "13700001234")
    page.select_option("select[name=fault_type]", "no_start")
    page.fill("input[name=latitude]", "22.552496")
    page.fill("input[name=longitude]", "113.888679")
    proposal = page.get_by_test_id("proposal")
    expect(proposal.locator("form").nth(1)).to_be_visible()
    reason = proposal.locator("form").nth(1).locator("input[name=override_reason]")
    # A change to the call goes out; before its answer lands the dispatcher is typing why not the first.
    page.wait_for_timeout(1000)  # the saves of the facts typed so far have landed
    with page.expect_response(lambda answer: "/rescue/intake" in answer.url
                              and "concern=%E8" in (answer.request.post_data or "")) as saved:
        page.fill("textarea[name=concern]", "车在路边打不着火")
        reason.click()
        reason.press_sequentially("车主要求这家")
    assert saved.value.ok
    page.wait_for_timeout(300)  # the answer's panels are swapped in
    expect(reason).to_have_value("车主要求这家")
    expect(reason).to_be_focused()
    reason.press_sequentially("，离家近")
    expect(reason).to_have_value("车主要求这家，离家近")


def test_the_board_map_shows_calls_and_units_on_the_stores_own_tiles(on, live_server):
    """The map appears once the manager sets a tile source (here the test server's own address, answered by the
    browser itself: no request leaves the machine); a new call with a position is drawn without a reload."""
    desk = on("desk", "sz01-manager")
    page = desk.page
    tiles = []

    def tile(route):
        tiles.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=TINY_PNG)

    desk.context.route(re.compile(r".*/map-tiles/\d+/\d+/\d+\.png$"), tile)
    page.goto("/rescue/")
    expect(page.get_by_test_id("rescue-board")).to_be_visible()
    expect(page.get_by_test_id("board-map")).to_have_count(0)  # no tiles set: no map, the board works all the same
    page.goto("/rescue/settings")
    page.get_by_test_id("tile-url").fill(live_server.rstrip("/") + "/map-tiles/{z}/{x}/{y}.png")
    page.get_by_test_id("tile-system").select_option("gcj02")
    page.get_by_test_id("save-map").click()
    expect(page.locator(".alert-success").first).to_be_visible()

    page.goto("/rescue/")
    board_map = page.get_by_test_id("board-map")
    expect(board_map).to_be_visible()
    expect(board_map.locator(".leaflet-tile-loaded").first).to_be_attached()
    assert tiles and all("/map-tiles/" in url for url in tiles)
    before = int(board_map.get_attribute("data-markers") or "0")

    intake = desk.context.new_page()
    intake.goto("/rescue/calls/new")
    intake.fill("input[name=caller_phone]", "13700005678")
    intake.fill("input[name=address]", "<img src=x onerror=alert(1)>宝安")  # shown as text on the map
    intake.select_option("select[name=coordinate_system]", "wgs84")
    intake.fill("input[name=latitude]", "22.5553")
    intake.fill("input[name=longitude]", "113.8838")
    intake.select_option("select[name=fault_type]", "flat_tyre")
    expect(intake.get_by_test_id("proposal")).to_be_visible()
    intake.close()
    expect(board_map).to_have_attribute("data-markers", str(before + 1), timeout=BOARD_REFRESH_MS)
    expect(board_map.locator(".leaflet-interactive")).to_have_count(before + 1)
    for marker in board_map.locator(".leaflet-interactive").all():  # every label shown (the other tests' calls too)
        marker.dispatch_event("mouseover")
    expect(board_map.locator(".leaflet-tooltip", has_text="<img src=x onerror=alert(1)>宝安")).to_have_count(1)
    expect(board_map.locator(".leaflet-tooltip img")).to_have_count(0)

    page.goto("/rescue/figures")  # the estimate's error by month, drawn by the shared line chart
    expect(page.locator('.rescue-chart[data-drawn="1"] canvas')).to_have_count(1)

    page.goto("/rescue/settings")  # the map off again: the other tests' board has none
    page.get_by_test_id("tile-url").fill("")
    page.get_by_test_id("save-map").click()
    expect(page.locator(".alert-success").first).to_be_visible()
