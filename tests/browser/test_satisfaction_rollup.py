"""The five assurances' monthly roll-up in a real browser: after the night rolled last month up, an owner's late
form from the SMS link (on a phone) shows on the group manager's assurance page at once, and again after the next
night rewrote the month."""
from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from werkzeug.serving import make_server

from dealer.database import utcnow
from dealer.extensions import db
from dealer.satisfaction.models import FollowUp, RollupMonth
from dealer.satisfaction.services.rollup import roll_up
from dealer.sms.models import SmsMessage
from dealer.stores.models import Store
from tests.browser.helpers import Device, demo_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def rollup_server(tmp_path_factory):
    """The demo, with GZ01's delivered order's follow-up moved to last month, and the night's roll-up run."""
    app = demo_app(tmp_path_factory.mktemp("live-rollup"), vehicles=20)
    with app.app_context():
        store = db.session.scalar(sa.select(Store).where(Store.code == "GZ01"))
        last_month = (store.local_date(utcnow()).replace(day=1) - timedelta(days=1)).replace(day=1)
        follow_up = db.session.scalar(sa.select(FollowUp).where(FollowUp.store_id == store.id).limit(1))
        follow_up.service_month = last_month  # served last month, answered only now: a late form
        body = db.session.scalar(sa.select(SmsMessage.body).where(
            SmsMessage.dedupe_key == f"feedback_link:{follow_up.id}"))
        db.session.commit()
        roll_up(now=utcnow())
        facts = {"store_id": store.id, "month": last_month, "link": re.search(r"/f/[A-Za-z0-9_-]+", body).group(0)}
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", "app": app, **facts}
    server.shutdown()


def _fresh(server) -> bool:
    with server["app"].app_context():
        return db.session.scalar(sa.select(RollupMonth.stale).where(
            RollupMonth.store_id == server["store_id"], RollupMonth.month == server["month"])) is False


def test_a_late_form_shows_on_the_rolled_up_month_at_once_and_after_the_next_night(browser, rollup_server):
    assert _fresh(rollup_server)
    manager = Device(browser, rollup_server["url"], "desk", "group")
    page = manager.page
    path = f"/satisfaction/assurance?store={rollup_server['store_id']}&month={rollup_server['month']:%Y-%m}"
    page.goto(path)
    expect(page.get_by_test_id("score-n")).to_contain_text("0")  # no form yet, as rolled up
    expect(page.get_by_test_id("in-time-n")).to_contain_text("1")
    expect(page.get_by_test_id("rank-GZ01")).to_contain_text("n=0")

    owner = Device(browser, rollup_server["url"], "phone")
    owner.page.goto(rollup_server["link"])
    for item in ("timeliness", "quality", "attitude"):
        owner.page.get_by_test_id(f"item-{item}").locator("label.grade-option").nth(0).click()  # A
    owner.page.get_by_role("button", name="提交").click()
    expect(owner.page.get_by_test_id("feedback-thanks")).to_be_visible()
    owner.close("rollup-late-form")

    assert not _fresh(rollup_server)  # the late form marked the closed month stale: it is computed live
    page.reload()
    expect(page.get_by_test_id("score-n")).to_contain_text("1")
    expect(page.get_by_test_id("score")).to_have_text("6.0")
    expect(page.get_by_test_id("rank-GZ01")).to_contain_text("n=1")

    with rollup_server["app"].app_context():
        roll_up(now=utcnow())  # the next night rewrites the month
    assert _fresh(rollup_server)
    page.reload()
    expect(page.get_by_test_id("score-n")).to_contain_text("1")
    expect(page.get_by_test_id("rank-GZ01")).to_contain_text("n=1")
    manager.close("rollup-assurances")
