"""A repair from key hand-over to the printed statement, in a real browser, by the four people who do it.

The advisor opens an order from a vehicle, adds a labor operation and a part (searched as she types),
presents the estimate and has the owner sign it on the screen, assigns a technician and dispatches; the
parts clerk issues the part; the technician clocks on, marks the job done and sends the car to quality check,
which the advisor signs (the final inspection is not the technician's own);
the cashier settles with two payments and prints the statement with the total in capital numerals.
"""
from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from playwright.sync_api import expect
from werkzeug.serving import make_server

from dealer import create_app, money
from dealer.customers.models import Vehicle
from dealer.extensions import db
from dealer.parts.models import Part
from dealer.repair.models import LABOR_CATEGORIES, LaborOperation, LaborRate, RepairOrder
from dealer.repair.services.orders import OPEN_STATES
from dealer.stores.models import Store
from tests.browser.helpers import open_desks

pytestmark = pytest.mark.browser

RATE_FEN = 12800  # 128.00 yuan an hour, every category
OPERATION = {"code": "MAINT-OIL", "name": "更换机油机滤", "category": "maintenance", "hours": 150}  # 1.5 h
OIL = {"part_number": "G052195M4", "name": "大众原厂机油 5W-40", "unit": "升", "price_fen": 5680}  # 56.80 a litre
# 1.5 h x 128.00 = 192.00; 4.5 l x 56.80 = 255.60; the owner pays 447.60.
LABOR_FEN, PARTS_FEN = 19200, 25560
TOTAL_FEN = LABOR_FEN + PARTS_FEN


@pytest.fixture(scope="module")
def repair_server(tmp_path_factory):
    """The app with demo data (as conftest's live_server), SZ01's labor rates, an operation and oil in stock."""
    folder = tmp_path_factory.mktemp("live-repair")
    app = create_app({"SECRET_KEY": "browser-test",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'live.sqlite3'}",
                      "UPLOAD_FOLDER": str(folder / "uploads"), "LOGIN_RATE_LIMIT": "1000 per minute",
                      "SMS_BACKEND": "local", "SMS_LOCAL_LOG": str(folder / "sms.jsonl")})
    with app.app_context():
        upgrade()
    result = app.test_cli_runner().invoke(args=["seed-demo", "--vehicles", "40"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        store = db.session.scalar(sa.select(Store).where(Store.code == "SZ01"))
        for category in LABOR_CATEGORIES:
            db.session.merge(LaborRate(store_id=store.id, category=category, rate_fen=RATE_FEN))
        db.session.add(LaborOperation(store_id=store.id, **OPERATION))
        db.session.add(Part(store_id=store.id, cost_fen=3000, on_hand=20_000, reserved=0, reorder_level=0,
                            bin_location="A-01-03", **OIL))
        open_orders = sa.select(RepairOrder.vehicle_id).where(RepairOrder.store_id == store.id,
                                                              RepairOrder.state.in_(OPEN_STATES))
        vehicle = db.session.scalars(sa.select(Vehicle).where(Vehicle.store_id == store.id,
                                                              Vehicle.id.not_in(open_orders))
                                     .order_by(Vehicle.id)).first()  # a car at the store has no open order
        seeded = {"plate": vehicle.plate, "vehicle_id": vehicle.id,
                  "odometer": (vehicle.odometer_km or 0) + 800}
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", **seeded}
    server.shutdown()


@pytest.fixture()
def desks(browser, repair_server, request):
    """Open a browser context per person (own cookies), each failing the test on a console error."""
    yield from open_desks(browser, repair_server["url"], request.node.name)


def test_a_repair_from_key_handover_to_the_printed_statement(desks, repair_server):
    advisor = desks("sz01-advisor1")

    # The front desk finds the car; the advisor opens a repair order from the vehicle page.
    advisor.goto(f"/desk?q={repair_server['plate']}")
    advisor.get_by_test_id("search-results").get_by_role("link", name=repair_server["plate"]).click()
    advisor.get_by_test_id("new-repair-order").click()
    advisor.fill("textarea[name=concerns]", "做保养\n发动机有异响")
    advisor.select_option("select[name=kind]", "maintenance")
    advisor.fill("input[name=odometer_km]", str(repair_server["odometer"]))
    advisor.select_option("select[name=fuel_eighths]", "4")
    advisor.fill("input[name=valuables]", "行车记录仪")
    advisor.click("form[data-testid=order-form] [type=submit]")
    expect(advisor.get_by_test_id("order-state")).to_have_attribute("data-state", "open")
    number = advisor.get_by_test_id("order-number").inner_text()
    assert re.fullmatch(r"RO-\d{8}-\d{4}", number)
    add = advisor.get_by_test_id("add-line")  # one add-line form for the order: choose the job first

    # A labor operation from the catalogue, searched as she types; the totals follow.
    add.locator("select[name=add-job_id]").select_option(label="1. 做保养")
    add.get_by_test_id("operation-search").fill("MAINT")
    expect(add.get_by_test_id("operation-choice")).to_contain_text(OPERATION["name"])
    add.get_by_test_id("operation-choice").locator("input").check()
    add.get_by_test_id("add-labor").click()
    expect(advisor.get_by_test_id("customer-total")).to_have_text(f"¥{money.yuan(LABOR_FEN)}")
    expect(advisor.get_by_test_id("job-1").get_by_test_id("job-lines")).to_contain_text(OPERATION["name"])
    expect(add.locator("select[name=add-job_id]")).to_have_value(str(advisor.get_by_test_id("job-1").get_attribute(
        "id").removeprefix("job-")))  # the same job stays chosen for the next line

    # A part for the same job: 4.5 litres of genuine oil.
    add.get_by_test_id("part-tab").click()
    add.get_by_test_id("part-search").fill("G052")
    expect(add.get_by_test_id("part-choice")).to_contain_text(OIL["name"])
    add.get_by_test_id("part-choice").locator("input").check()
    add.locator("input[name=add-quantity]").fill("4.5")
    add.get_by_test_id("add-part").click()
    expect(advisor.get_by_test_id("customer-total")).to_have_text(f"¥{money.yuan(TOTAL_FEN)}")
    expect(advisor.get_by_test_id("job-1").get_by_test_id("job-lines")).to_contain_text(OIL["name"])

    # The second concern turns out to need nothing today: it goes off the estimate.
    advisor.get_by_test_id("job-2").get_by_test_id("remove-job").click()
    expect(advisor.get_by_test_id("job-2")).to_have_count(0)

    # The estimate is presented, and the owner signs it on the advisor's screen.
    advisor.get_by_test_id("submit-estimate").click()
    expect(advisor.get_by_test_id("order-state")).to_have_attribute("data-state", "estimated")
    advisor.get_by_test_id("approve-estimate").click()
    expect(advisor.get_by_test_id("approval-amount")).to_have_text(f"¥{money.yuan(TOTAL_FEN)}")
    advisor.click("form[data-testid=approval-form] [type=submit]")  # sent before the owner signed: refused
    expect(advisor.get_by_test_id("signature-error")).to_be_visible()
    pad = advisor.get_by_test_id("signature-pad")
    expect(pad).to_be_visible()
    box = pad.bounding_box()
    left, middle = box["x"] + 30, box["y"] + box["height"] / 2
    advisor.mouse.move(left, middle)
    advisor.mouse.down()
    for step in range(1, 12):  # a zigzag, as a hurried signature
        advisor.mouse.move(left + step * 25, middle + (-1) ** step * 30, steps=3)
    advisor.mouse.up()
    expect(advisor.get_by_test_id("signature-error")).to_have_count(0)  # signed: the old error goes away
    advisor.click("form[data-testid=approval-form] [type=submit]")
    expect(advisor.get_by_test_id("order-state")).to_have_attribute("data-state", "approved")
    expect(advisor.get_by_test_id("approvals").locator("img.signature-thumb")).to_be_visible()
    expect(advisor.get_by_test_id("approved-limit")).to_contain_text(money.yuan(TOTAL_FEN))

    # Dispatch (派工): a technician for the job, then the workshop.
    job = advisor.get_by_test_id("job-1")
    job.get_by_test_id("assign-form").get_by_label("张技师").check()
    job.get_by_test_id("assign").click()
    expect(advisor.get_by_test_id("job-1")).to_contain_text("张技师")
    advisor.get_by_test_id("dispatch").click()
    expect(advisor.get_by_test_id("order-state")).to_have_attribute("data-state", "in_progress")

    # The parts counter hands out the oil for the approved job.
    clerk = desks("sz01-parts")
    clerk.goto("/parts/issue-queue")
    row = clerk.get_by_test_id("issue-queue").locator("tr", has_text=number)
    row.locator("button[type=submit]").click()
    expect(clerk.locator(".alert-success")).to_be_visible()
    expect(clerk.get_by_test_id("issue-queue").locator("tr", has_text=number)).to_have_count(0)

    # The technician clocks on from "my jobs", marks it done and signs the quality check.
    technician = desks("sz01-tech1")
    technician.goto("/repair/my-jobs")
    mine = technician.get_by_test_id("my-jobs").get_by_test_id("my-job").filter(has_text=number)
    expect(mine.get_by_test_id("job-parts")).to_contain_text("4.5")  # the oil, handed out
    mine.get_by_test_id("clock-on").click()
    expect(mine.get_by_test_id("clock-off")).to_be_visible()
    mine.get_by_test_id("mark-done").click()
    expect(mine.get_by_test_id("mark-done")).to_have_count(0)
    mine.get_by_role("link", name=number).click()
    technician.get_by_test_id("request-qc").click()
    expect(technician.get_by_test_id("order-state")).to_have_attribute("data-state", "quality_check")
    # The final inspection (终检) is someone else's: the technician is offered no verdict (the service refuses
    # one too: tests/repair/test_workshop_rules.py).
    expect(technician.get_by_test_id("quality-check")).to_have_count(0)

    # The advisor signs the final inspection.
    advisor.goto(technician.url)
    advisor.get_by_test_id("quality-check").click()
    for box in advisor.locator("input[name=checklist]").all():
        box.check()
    advisor.check("input[name=result][value=pass]")
    advisor.click("form[data-testid=qc-form] [type=submit]")
    expect(advisor.get_by_test_id("order-state")).to_have_attribute("data-state", "ready")

    # The cashier takes two payments, WeChat Pay with its transaction number and cash, and prints.
    cashier = desks("sz01-cashier")
    cashier.goto("/repair/cashier")
    cashier.get_by_test_id("to-settle").locator("tr", has_text=number).locator("a.btn-success").click()
    cashier.select_option("select[name=payments-0-method]", "wechat_pay")
    cashier.fill("input[name=payments-0-amount]", "400")
    cashier.fill("input[name=payments-0-reference]", "4200001234202611")
    cashier.select_option("select[name=payments-1-method]", "cash")
    cashier.fill("input[name=payments-1-amount]", money.yuan(TOTAL_FEN - 40000))
    cashier.click("form[data-testid=settle-form] [type=submit]")

    expect(cashier.get_by_test_id("doc-number")).to_have_text(number)
    expect(cashier.get_by_test_id("total")).to_have_text(f"¥{money.yuan(TOTAL_FEN)}")
    expect(cashier.get_by_test_id("total-in-words")).to_have_text(money.capital_numerals(TOTAL_FEN))
    assert money.capital_numerals(TOTAL_FEN) == "肆佰肆拾柒元陆角"
    expect(cashier.get_by_test_id("statement-payments")).to_contain_text("4200001234202611")
    expect(cashier.get_by_test_id("warranty-terms")).to_be_visible()
    expect(cashier.locator("link[href^='/static/repair/print-']")).to_have_attribute(
        "href", re.compile(r"/static/repair/print-[0-9a-f]{32}\.css$"))  # make assets gave it its hashed name
