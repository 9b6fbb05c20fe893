"""A member settles an order in a real browser, paying partly from the stored-value card and with points.

The advisor enrols the owner from the customer file; the manager gives the gold tier (金卡) for a promotion and
some welcome points; the cashier tops up the card, then settles the owner's finished order with points off, part
from the card and the rest in cash, and the statement shows the tier discount, the points redeemed and earned and
the card's payment; on the phone, the owner's progress page shows the member view (tier, points, card, history).
"""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from werkzeug.serving import make_server

from dealer import money
from dealer.extensions import db
from dealer.repair.models import READY, RepairOrder
from dealer.sms.models import SmsMessage
from dealer.stores.models import Store
from tests.browser.helpers import demo_app, open_desks

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def members_server(tmp_path_factory):
    """The app with demo data; SZ01's first order ready to settle, and its owner."""
    folder = tmp_path_factory.mktemp("live-members")
    app = demo_app(folder, vehicles=40)
    with app.app_context():
        store_id = db.session.scalar(sa.select(Store.id).where(Store.code == "SZ01"))
        order = db.session.scalars(sa.select(RepairOrder).where(RepairOrder.store_id == store_id,
                                                                RepairOrder.state == READY)
                                   .order_by(RepairOrder.id)).first()
        link = db.session.scalar(sa.select(SmsMessage.params).where(  # the owner's progress link (booking's SMS)
            SmsMessage.store_id == store_id, SmsMessage.dedupe_key == f"progress:{order.id}"))
        seeded = {"order_id": order.id, "customer_id": order.customer_id,
                  "progress_path": "/booking/p/" + link["link"].rsplit("/booking/p/", 1)[1]}
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", **seeded}
    server.shutdown()


@pytest.fixture()
def desks(browser, members_server, request):
    yield from open_desks(browser, members_server["url"], request.node.name)


def test_a_member_pays_with_points_and_the_card_and_sees_it_on_the_statement(desks, members_server, browser):
    advisor = desks("sz01-advisor1")
    advisor.goto(f"/customers/{members_server['customer_id']}")
    advisor.get_by_test_id("member-join").get_by_role("button").click()
    expect(advisor.get_by_test_id("member-tier")).to_have_text("普卡")
    member_url = advisor.url

    manager = desks("sz01-manager")
    manager.goto(member_url)
    override = manager.get_by_test_id("override-form")
    override.locator("select[name=override-tier_id]").select_option(label="金卡")
    override.locator("input[name=override-reason]").fill("店庆活动")
    override.locator("input[name=override-until]").fill("2099-12-31")
    override.locator("[type=submit]").click()
    expect(manager.get_by_test_id("member-tier")).to_contain_text("金卡")
    points = manager.get_by_test_id("points-form")
    points.locator("input[name=points-points]").fill("2000")
    points.locator("input[name=points-reason]").fill("入会礼")
    points.locator("[type=submit]").click()
    expect(manager.get_by_test_id("member-points")).to_have_text("2000")

    cashier = desks("sz01-cashier")
    cashier.goto(member_url)
    top_up = cashier.get_by_test_id("top-up-form")
    top_up.locator("input[name=top_up-paid_fen]").fill("500")
    top_up.locator("input[name=top_up-bonus_fen]").fill("50")
    top_up.locator("[type=submit]").click()
    expect(cashier.get_by_test_id("member-card")).to_have_text("¥550.00")

    # The bill is priced with the gold tier's discount; 10 yuan off in points, 100 from the card, cash the rest.
    cashier.goto(f"/repair/orders/{members_server['order_id']}/settle")
    total = int(cashier.get_by_test_id("still-to-pay").get_attribute("data-total-fen"))
    form = cashier.get_by_test_id("settle-form")
    form.locator("input[name=points]").fill("10")
    form.locator("select[name=payments-0-method]").select_option("stored_value")
    form.locator("input[name=payments-0-amount]").fill("100")
    form.locator("select[name=payments-1-method]").select_option("cash")
    form.locator("input[name=payments-1-amount]").fill(money.yuan(total - 1000 - 10_000).replace(",", ""))
    expect(cashier.get_by_test_id("still-to-pay")).to_have_text("¥0.00")
    form.locator("[type=submit]").click()

    statement = cashier.get_by_test_id("statement-member")
    expect(statement).to_contain_text("金卡")
    expect(cashier.get_by_test_id("statement-tier-discount")).to_contain_text("-")
    expect(cashier.get_by_test_id("statement-points-redeemed")).to_contain_text("1000")
    expect(cashier.get_by_test_id("statement-card-paid")).to_have_text("100.00")
    earned = (total - 1000) * 15_000 // 1_000_000  # 1.5 points a yuan paid
    expect(cashier.get_by_test_id("statement-points-earned")).to_have_text(str(earned))
    expect(cashier.get_by_test_id("total")).to_have_text(f"¥{money.yuan(total - 1000)}")

    # The owner's phone (no sign-in, the SMS link): the progress page shows the member view after the settlement.
    phone = browser.new_context(base_url=members_server["url"], locale="zh-CN", viewport={"width": 390, "height": 844})
    owner = phone.new_page()
    owner.goto(members_server["progress_path"])
    view = owner.get_by_test_id("member-view")
    expect(view).to_contain_text("金卡")
    expect(owner.get_by_test_id("member-view-points")).to_have_text(str(2000 - 1000 + earned))
    expect(owner.get_by_test_id("member-view-card")).to_contain_text("¥450.00")
    expect(owner.get_by_test_id("member-view-history")).to_contain_text("+2000")
    assert "店庆活动" not in view.inner_text()  # the manager's reason is not the owner's to read
    phone.close()
