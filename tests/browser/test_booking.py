"""An owner books a service from a phone (WeChat's browser, 390x844) with the code the SMS stand-in received; the
advisor finds the booking on her home page, her own first.
"""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from playwright.sync_api import expect
from werkzeug.serving import make_server

from dealer import create_app
from dealer.auth.models import User
from dealer.booking.models import OpeningHours
from dealer.customers.models import Customer, Vehicle
from dealer.extensions import db
from dealer.sms.models import SmsTemplate
from dealer.sms.outbox import settings_for
from dealer.stores.models import Store
from tests.browser.helpers import Device
from tests.sms.standin import SmsStandin

pytestmark = pytest.mark.browser

PROXIES = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")


@pytest.fixture(scope="module")
def booking_server(tmp_path_factory):
    """The app with demo data, sending SMS through the Alibaba Cloud stand-in; SZ01 takes bookings all day."""
    folder = tmp_path_factory.mktemp("live-booking")
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
            with app.app_context():
                owner = _prepare(db.session.scalar(sa.select(Store).where(Store.code == "SZ01")))
            server = make_server("127.0.0.1", 0, app, threaded=True)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            yield {"url": f"http://127.0.0.1:{server.server_port}", "app": app, "standin": standin, **owner}
            server.shutdown()


def _prepare(store) -> dict:
    """Open every day part of SZ01 around the clock (whatever hour the test runs, today has free times), turn
    the quiet hours off, give the two booking kinds their provider template, and pick an owner of advisor1's."""
    day = 24 * 60
    for row in db.session.scalars(sa.select(OpeningHours).where(OpeningHours.store_id == store.id)):
        row.opens_minute, row.closes_minute = {"morning": (0, 480), "afternoon": (480, 960),
                                               "evening": (960, day)}[row.day_part]
    for weekday in range(5, 7):  # the weekend's evening too
        db.session.add(OpeningHours(store_id=store.id, weekday=weekday, day_part="evening", opens_minute=960,
                                    closes_minute=day))
    settings = settings_for(store.id)
    settings.quiet_start = settings.quiet_end = "00:00"
    db.session.add(settings)
    for number, kind in enumerate(("booking_verification", "booking_code")):
        db.session.add(SmsTemplate(store_id=store.id, kind=kind, body="${code}", provider_template_code=f"SMS_9{number}"))
    advisor = db.session.scalar(sa.select(User).where(User.username == "sz01-advisor1"))
    row = db.session.execute(sa.select(Customer.mobile, Vehicle.plate).join(Vehicle, sa.and_(
        Vehicle.owner_id == Customer.id, Vehicle.store_id == Customer.store_id))
        .where(Customer.store_id == store.id, Customer.advisor_id == advisor.id).limit(1)).one()
    db.session.commit()
    return {"store_id": store.id, "mobile": row.mobile, "plate": row.plate}


def test_an_owner_books_from_a_phone_and_the_advisor_sees_it_at_home(browser, booking_server):
    server = booking_server
    owner = Device(browser, server["url"], "phone")
    page = owner.page
    page.goto(f"/booking/book?store={server['store_id']}&service=maintenance")
    owner.fits()
    page.get_by_test_id("times").get_by_role("button").first.click()
    page.wait_for_url("**/booking/book/details")
    page.get_by_label("您的姓名").fill("王先生")
    page.get_by_label("手机号").fill(server["mobile"])
    page.get_by_label("车牌").fill(server["plate"])
    page.get_by_label("需要我们检查什么？").fill("刹车有异响")
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_test_id("flash")).to_contain_text("验证码已通过短信发送")

    sent = server["app"].test_cli_runner().invoke(args=["sms", "send"])  # what the scheduler does every 15 s
    assert "sent=1" in sent.output, sent.output
    code = next(m for m in server["standin"].messages if m.phone.endswith(server["mobile"])).params["code"]
    page.get_by_label("短信验证码").fill(code)
    page.get_by_role("button", name="确认预约").click()
    expect(page.get_by_test_id("done")).to_contain_text("预约成功")
    booking_code = page.get_by_test_id("booking-code").inner_text()
    owner.fits()
    owner.close("booking-owner")

    advisor = Device(browser, server["url"], "desk", "sz01-advisor1")
    advisor.page.goto("/")
    panel = advisor.page.get_by_test_id("home-bookings")
    expect(panel.get_by_test_id("home-booking").first).to_contain_text(server["plate"])
    expect(panel.get_by_test_id("home-booking").first).to_contain_text("我的")
    advisor.page.goto("/booking/")
    expect(advisor.page.get_by_test_id("bookings")).to_contain_text("刹车有异响")
    advisor.close("booking-advisor")
    assert len(booking_code) == 8
