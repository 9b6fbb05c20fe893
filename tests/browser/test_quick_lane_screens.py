"""The quick lane's screens at a busy morning in a real browser: the staff board on the workshop's wall screen
with sixty cars in the lane, and the lounge screen on an owner's phone; both follow the lane without a reload,
stay readable and leave the console clean. The lane is a store of its own (bench.lane_board's, the benchmark's
lane), so the demo stores' lanes of the other browser tests stay as they are."""
import os

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from bench.lane_board import AT_WASH, DONE, IN_BAYS, PASSWORD, Lane
from dealer import create_app
from dealer.database import utcnow
from dealer.extensions import db
from dealer.quicklane.models import READY, WASHING, LaneOrder
from tests.browser.helpers import ARTIFACTS, Device, sign_in, watch_console

pytestmark = pytest.mark.browser

CARS = 60
WALL = {"viewport": {"width": 1920, "height": 1080}}  # a 1080p screen on the workshop's wall


@pytest.fixture(scope="module")
def busy_lane(live_server, live_folder):
    """A store whose lane holds sixty cars: four in the bays, three at the wash, three ready, the rest waiting."""
    app = create_app({"SECRET_KEY": "browser-test", "SQLALCHEMY_DATABASE_URI":
                      f"sqlite:///{live_folder / 'live.sqlite3'}", "SMS_BACKEND": "local",
                      "SMS_LOCAL_LOG": str(live_folder / "sms.jsonl")})
    with app.app_context():
        lane = Lane(utcnow())
        lane.fill(CARS)
    return app, lane


def _to_ready(app, lane) -> str:
    """A car at the wash is signed ready (as the advisor's tablet would); return its plate."""
    with app.app_context():
        car = db.session.scalars(sa.select(LaneOrder).where(LaneOrder.store_id == lane.store_id,
                                                            LaneOrder.stage == WASHING)
                                 .order_by(LaneOrder.id)).first()
        lane._move(car.id, READY, actor=lane.advisor)
        return car.plate


def test_the_board_on_a_wall_screen_with_sixty_cars(browser, live_server, busy_lane):
    app, lane = busy_lane
    context = browser.new_context(base_url=live_server, locale="zh-CN", **WALL)
    context.set_default_timeout(15_000)
    page, errors = context.new_page(), []
    watch_console(page, errors, "wall")
    sign_in(page, f"{lane.code.lower()}-advisor", PASSWORD)
    page.goto("/quick-lane/")
    cars = page.get_by_test_id("lane-car")
    expect(cars).to_have_count(CARS)
    stages = [cars.nth(i).get_attribute("data-stage") for i in range(CARS)]
    assert (stages.count("in_bay"), stages.count("washing"), stages.count("ready")) == (IN_BAYS, AT_WASH, DONE)
    # Readable from across the workshop: three cards a row, the plate large, nothing wider than the screen.
    first, second, fourth = (cars.nth(i).bounding_box() for i in (0, 1, 3))
    assert first["y"] == second["y"] and fourth["y"] > first["y"]
    assert page.evaluate("parseFloat(getComputedStyle(document.querySelector('[data-testid=lane-car] h2'))"
                         ".fontSize)") >= 24
    width, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width <= client
    # Every waiting car offers the free bays only (the four taken are disabled) and the technicians on shift.
    waiting = page.locator("[data-testid=lane-car][data-stage=waiting]")
    expect(waiting).to_have_count(CARS - IN_BAYS - AT_WASH - DONE)
    assert waiting.first.locator("[data-testid=lane-bay] option:not([disabled])").count() == 0
    assert waiting.last.get_by_test_id("lane-technician").locator("option").count() == 4

    # The board refreshes itself: a car signed ready elsewhere shows as ready without a reload.
    page.evaluate("window.notReloaded = true")
    plate = _to_ready(app, lane)
    expect(page.locator(f"[data-testid=lane-car][data-plate='{plate}']")).to_have_attribute("data-stage", READY)
    assert page.evaluate("window.notReloaded") is True
    # A tap from the wall screen still works: the next ready car's hand-over is refused until settled, clearly.
    ready = page.locator("[data-testid=lane-car][data-stage=ready]").first
    ready.get_by_test_id("lane-next").click()
    expect(page.locator(".alert-danger")).to_contain_text("结算")
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, "quick-lane-board-wall.png"), full_page=True)
    context.close()
    assert not errors, f"errors in the browser console: {errors}"


def test_the_lounge_screen_on_a_phone(browser, live_server, busy_lane):
    app, lane = busy_lane
    phone = Device(browser, live_server, "phone")
    page = phone.page
    page.goto(f"/quick-lane/lounge/{lane.code}")
    rows = page.get_by_test_id("lounge-car")
    expect(rows).to_have_count(CARS)
    with app.app_context():
        plates = list(db.session.scalars(sa.select(LaneOrder.plate).where(LaneOrder.store_id == lane.store_id)))
    content = page.content()
    assert not any(plate in content for plate in plates)  # masked: 粤B·***45
    assert rows.first.locator("td").first.inner_text().startswith(plates[0][:2] + "·***")
    phone.fits()
    page.evaluate("window.notReloaded = true")
    assert page.locator("[data-testid=lounge-car][data-stage=washing]").count()
    before = page.locator("[data-testid=lounge-car][data-stage=ready]").count()
    _to_ready(app, lane)
    expect(page.locator("[data-testid=lounge-car][data-stage=ready]")).to_have_count(before + 1, timeout=15_000)
    assert page.evaluate("window.notReloaded") is True
    phone.close("quick-lane-lounge-phone")
