"""The quick lane in a real browser: the desk takes a key on a tablet, the car goes through every stage with
one tap each, and the lounge screen (public, on the lounge's monitor) follows without a reload."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import TOUCH_MIN, Device, box

pytestmark = pytest.mark.browser

STAGES = (("in_bay", "工位作业"), ("washing", "洗车中"), ("ready", "完工"))


def test_a_quick_lane_car_from_key_to_hand_over_with_the_lounge_following(browser, live_server):
    tablet = Device(browser, live_server, "tablet", "sz01-advisor1")
    lounge = Device(browser, live_server, "desk")
    page, screen = tablet.page, lounge.page
    # A car with no open order: an older customer's (the demo's orders are on the newest cars).
    page.goto("/customers")
    plate = page.locator("span.plate").last.inner_text().strip()
    masked = f"{plate[:2]}·***{plate[-2:]}"

    screen.goto("/quick-lane/lounge/SZ01")
    screen.evaluate("window.notReloaded = true")
    expect(screen.get_by_test_id("lounge-car").filter(has_text=masked)).to_have_count(0)

    page.goto("/quick-lane/")
    page.get_by_test_id("open-lane-order").click()
    page.get_by_test_id("lane-plate").fill(plate)
    page.get_by_test_id("lane-plate").press("Enter")
    expect(page.get_by_test_id("lane-quote-time")).to_have_text(re.compile(r"^\d{2}:\d{2}$"))
    # Another package: the quote follows without a reload (its price and its promise).
    page.select_option("select[name=package_id]", label="10000公里保养（含洗车） · ¥499.00")
    expect(page.get_by_test_id("lane-quote")).to_contain_text("499.00")
    promised = page.get_by_test_id("lane-quote-time").inner_text()
    page.fill("input[name=key_tag]", "B42")
    page.get_by_test_id("lane-agree").click()
    expect(page.locator(".alert-success")).to_contain_text(promised)

    car = page.locator(f"[data-testid=lane-car][data-plate='{plate}']")
    expect(car).to_have_attribute("data-stage", "waiting")
    expect(car.get_by_test_id("lane-promise")).to_have_text(promised)
    row = screen.get_by_test_id("lounge-car").filter(has_text=masked)
    expect(row).to_have_count(1, timeout=15_000)  # the lounge polls: no reload
    assert plate not in screen.content()

    next_button = car.get_by_test_id("lane-next")
    assert box(next_button)["height"] >= TOUCH_MIN
    tablet.fits()
    for stage, label in STAGES:
        car = page.locator(f"[data-testid=lane-car][data-plate='{plate}']")
        car.get_by_test_id("lane-next").click()
        car = page.locator(f"[data-testid=lane-car][data-plate='{plate}']")
        expect(car).to_have_attribute("data-stage", stage)
        expect(screen.get_by_test_id("lounge-car").filter(has_text=masked).get_by_test_id("lounge-stage")) \
            .to_have_text(label, timeout=15_000)
    # Handing over waits for the cashier: the normal settlement, at the package price to the fen.
    car = page.locator(f"[data-testid=lane-car][data-plate='{plate}']")
    car.get_by_test_id("lane-next").click()
    expect(page.locator(".alert-danger")).to_contain_text("结算")
    order_url = page.locator(f"[data-testid=lane-car][data-plate='{plate}']").get_by_test_id("lane-order") \
        .get_attribute("href")
    cashier = Device(browser, live_server, "desk", "sz01-cashier")
    cashier.page.goto(f"{order_url}/settle")
    expect(cashier.page.get_by_test_id("still-to-pay")).to_have_attribute("data-total-fen", "49900")
    cashier.page.get_by_test_id("settle-form").locator("[type=submit]").click()
    expect(cashier.page).to_have_url(re.compile(r"/statement$"))  # settled: the statement to print
    page.locator(f"[data-testid=lane-car][data-plate='{plate}']").get_by_test_id("lane-next").click()
    expect(page.locator(f"[data-testid=lane-car][data-plate='{plate}']")).to_have_count(0)
    expect(screen.get_by_test_id("lounge-car").filter(has_text=masked)).to_have_count(0, timeout=15_000)
    assert screen.evaluate("window.notReloaded") is True
    cashier.close("quick-lane-settle")
    lounge.close("quick-lane-lounge")
    tablet.close("quick-lane-board")


def test_extra_work_found_in_the_bay_with_the_owners_consent_takes_the_car_out_of_the_lane(browser, live_server):
    tablet = Device(browser, live_server, "tablet", "sz01-advisor1")
    page = tablet.page
    page.goto("/customers")
    plate = page.locator("span.plate").nth(-2).inner_text().strip()
    page.goto(f"/quick-lane/open?plate={plate}")
    expect(page.get_by_test_id("lane-quote-time")).to_have_text(re.compile(r"^\d{2}:\d{2}$"))
    page.fill("input[name=key_tag]", "C7")
    page.get_by_test_id("lane-agree").click()
    car = page.locator(f"[data-testid=lane-car][data-plate='{plate}']")
    car.get_by_test_id("lane-next").click()
    car = page.locator(f"[data-testid=lane-car][data-plate='{plate}']")
    expect(car).to_have_attribute("data-stage", "in_bay")
    car.get_by_test_id("lane-extra").click()

    form = page.get_by_test_id("lane-extra-form")
    form.locator("input[name=concern]").fill("前刹车片磨损到限")
    form.locator("select[name=item]").select_option(index=1)
    form.locator("input[name=minutes]").fill("40")
    page.get_by_test_id("lane-extra-submit").click()
    expect(page.get_by_test_id("lane-extra-price")).to_have_text(re.compile(r"^¥[\d,]+\.\d{2}$"))
    expect(page.get_by_test_id("lane-extra-ready")).to_have_text(re.compile(r"^\d{2}:\d{2}$"))
    new_time = page.get_by_test_id("lane-extra-ready").inner_text()
    tablet.fits()

    approve = page.get_by_test_id("lane-extra-approve")
    approve.locator("select[name=method]").select_option("in_person")
    approve.locator("input[name=approver_name]").fill("王先生")
    approve.locator("[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text(new_time)
    expect(page.locator(f"[data-testid=lane-car][data-plate='{plate}']")).to_have_count(0)
    tablet.close("quick-lane-extra-work")
