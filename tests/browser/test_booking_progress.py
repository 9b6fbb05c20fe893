"""An owner follows the repair from the SMS link on a phone (390x844), approves one extra item and declines another;
the advisor sees on the order page that the owner opened the page and what they decided, without calling.
"""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from playwright.sync_api import expect
from werkzeug.serving import make_server

from dealer import create_app
from dealer.auth.models import User
from dealer.customers.models import Vehicle
from dealer.database import utcnow
from dealer.extensions import db
from dealer.repair import services as repair
from dealer.sms.models import SmsMessage, SmsTemplate
from dealer.sms.outbox import settings_for
from dealer.stores.models import Store
from tests.browser.helpers import Device
from tests.sms.standin import SmsStandin

pytestmark = pytest.mark.browser

PROXIES = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")


@pytest.fixture(scope="module")
def progress_server(tmp_path_factory):
    """The demo app sending SMS through the Alibaba Cloud stand-in, with an SZ01 order in the workshop and two
    extra items waiting for its owner."""
    folder = tmp_path_factory.mktemp("live-progress")
    with pytest.MonkeyPatch.context() as patch:
        for name in PROXIES:  # the SDK sends through a proxy from the environment, even to 127.0.0.1
            patch.delenv(name, raising=False)
        with SmsStandin() as standin:
            app = create_app({"SECRET_KEY": "browser-test", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'live.db'}",
                              "UPLOAD_FOLDER": str(folder / "uploads"), "LOGIN_RATE_LIMIT": "1000 per minute",
                              **standin.config()})
            with app.app_context():
                upgrade()
            result = app.test_cli_runner().invoke(args=["seed-demo", "--vehicles", "20"])
            assert result.exit_code == 0, result.output
            with app.test_request_context():
                order = _order_with_extra_work(db.session.scalar(sa.select(Store).where(Store.code == "SZ01")))
            server = make_server("127.0.0.1", 0, app, threaded=True)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            yield {"url": f"http://127.0.0.1:{server.server_port}", "app": app, "standin": standin, **order}
            server.shutdown()


def _order_with_extra_work(store) -> dict:
    """Open, estimate, approve and dispatch an order of advisor1's, then add two extra items (增项)."""
    settings = settings_for(store.id)
    settings.quiet_start = settings.quiet_end = "00:00"
    db.session.add(settings)
    db.session.add(SmsTemplate(store_id=store.id, kind="order_progress_link", body="${link}",
                               provider_template_code="SMS_97"))
    db.session.commit()
    advisor = db.session.scalar(sa.select(User).where(User.username == "sz01-advisor1")).as_actor()
    technician = db.session.scalar(sa.select(User).where(User.store_id == store.id,
                                                         User.username.like("sz01-tech%")).limit(1))
    vehicle_id = db.session.scalar(sa.select(Vehicle.id).where(Vehicle.store_id == store.id).order_by(Vehicle.id)
                                   .limit(1))
    now = utcnow()
    order = repair.open_order(vehicle_id, repair.OrderInput(concerns=["常规保养"], promised_at=now + timedelta(hours=5),
                                                            despite_open_order=True), actor=advisor, now=now)
    job = order.jobs[0]
    repair.add_line(job.id, repair.LineInput(kind="labor", description="保养工时", hours=100, category="maintenance"),
                    actor=advisor, now=now)
    repair.submit_estimate(order.id, actor=advisor, now=now)
    repair.approve_estimate(order.id, repair.ApprovalInput(method="phone", approver_name="车主", phone="13800000000"),
                            actor=advisor, now=now)
    repair.assign_job(job.id, [technician.id], actor=advisor, now=now)
    repair.dispatch(order.id, actor=advisor, now=now)
    items = {}
    for concern, hours in (("更换前刹车片", 150), ("清洗节气门", 80)):
        extra = repair.add_job(order.id, concern=concern, actor=advisor, now=now)
        repair.add_line(extra.id, repair.LineInput(kind="labor", description=concern, hours=hours,
                                                   category="mechanical"), actor=advisor, now=now)
        items[concern] = extra.id
    return {"order_id": order.id, "brakes": items["更换前刹车片"], "throttle": items["清洗节气门"]}


def test_an_owner_follows_and_decides_extra_work_and_the_advisor_sees_it(browser, progress_server):
    server = progress_server
    sent = server["app"].test_cli_runner().invoke(args=["sms", "send"])  # what the scheduler does every 15 s
    assert "sent=" in sent.output, sent.output
    with server["app"].app_context():
        out_id = db.session.scalar(sa.select(SmsMessage.out_id).where(
            SmsMessage.dedupe_key == f"progress:{server['order_id']}"))
    link = next(m for m in server["standin"].messages if m.out_id == out_id).params["link"]  # as the owner got it
    path = "/booking/p/" + link.rsplit("/booking/p/", 1)[1]

    owner = Device(browser, server["url"], "phone")
    page = owner.page
    page.goto(path)
    expect(page.get_by_test_id("progress-state")).to_have_text("维修中")
    expect(page.get_by_test_id("stage-in_progress")).to_have_class("current done")
    expect(page.get_by_test_id("extra-work")).to_contain_text("待您确认的增项")
    owner.fits()
    brakes, throttle = page.get_by_test_id(f"item-{server['brakes']}"), page.get_by_test_id(f"item-{server['throttle']}")
    expect(brakes.get_by_test_id("item-price")).to_contain_text("¥")
    page.get_by_test_id(f"approve-{server['brakes']}").click()
    expect(page.get_by_test_id("flash")).to_contain_text("此项目已确认")
    page.get_by_test_id(f"decline-{server['throttle']}").click()
    expect(page.get_by_test_id("flash")).to_contain_text("将不会施工")
    expect(page.get_by_test_id(f"decided-{server['brakes']}")).to_contain_text("已确认")
    expect(page.get_by_test_id(f"decided-{server['throttle']}")).to_contain_text("已拒绝")
    expect(throttle).to_have_count(0)
    owner.fits()
    owner.close("progress-owner")

    advisor = Device(browser, server["url"], "desk", "sz01-advisor1")
    advisor.page.goto(f"/repair/orders/{server['order_id']}")
    events = advisor.page.get_by_test_id("events")
    expect(events).to_contain_text("车主查看了进度页面")
    expect(events).to_contain_text("更换前刹车片")
    expect(events).to_contain_text("车主（线上）")
    advisor.close("progress-advisor")
