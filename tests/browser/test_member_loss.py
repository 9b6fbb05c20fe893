"""Customer loss (客户流失) in a real browser, from the night's counts.

The demo's owners of SZ01 (cars maintained and files made over past years) are counted as the store's night counts
them; the manager opens the lost owners and the at-risk ones (the page says when they were counted), and makes the
win-back campaign from the at-risk tab: its preview counts exactly the owners the live definition lists.
"""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from werkzeug.serving import make_server

from dealer.database import utcnow
from dealer.extensions import db
from dealer.members import services
from dealer.sms.outbox import zone_of_store
from dealer.stores.models import Store
from tests.browser.helpers import demo_app, open_desks
from tests.members.helpers import every_listed

pytestmark = pytest.mark.browser


def _listed(store_id: int, status: str) -> list[int]:
    return every_listed(store_id, status, today=services.store_today(store_id, utcnow()), zone=zone_of_store(store_id))


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    app = demo_app(tmp_path_factory.mktemp("live-loss"), vehicles=80)
    with app.app_context():
        store_id = db.session.scalar(sa.select(Store.id).where(Store.code == "SZ01"))
        expected = {status: _listed(store_id, status) for status in ("lost", "at_risk")}  # live: no night yet
        services.roll_up_loss(now=utcnow(), store_ids=[store_id])  # the store's night
        counted = {status: _listed(store_id, status) for status in ("lost", "at_risk")}
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", "expected": expected, "counted": counted}
    server.shutdown()


@pytest.fixture()
def desks(browser, live, request):
    yield from open_desks(browser, live["url"], request.node.name)


def test_the_manager_lists_lost_and_at_risk_owners_from_the_nights_counts_and_wins_them_back(desks, live):
    expected, counted = live["expected"], live["counted"]
    assert {s: set(ids) for s, ids in counted.items()} == {s: set(ids) for s, ids in expected.items()}
    assert expected["at_risk"], "the demo has owners at risk"
    manager = desks("sz01-manager")
    manager.goto("/members/loss?status=lost")
    expect(manager.get_by_test_id("loss-counted-at")).to_be_visible()
    expect(manager.get_by_test_id("loss-months-as-of")).to_be_visible()
    expect(manager.get_by_test_id("loss-owner")).to_have_count(min(len(expected["lost"]), 50))
    manager.get_by_test_id("loss-at-risk").click()
    expect(manager.get_by_test_id("loss-owner")).to_have_count(min(len(expected["at_risk"]), 50))
    manager.get_by_test_id("win-back-form").locator("[type=submit]").click()
    expect(manager.get_by_test_id("preview-matched")).to_have_text(str(len(expected["at_risk"])))
