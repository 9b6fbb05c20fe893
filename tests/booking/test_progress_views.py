"""The owner's progress page from the SMS link: what it shows, the decisions, privacy and the rate limit."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from dealer.booking.models import OnlineDecision, ProgressLink
from dealer.extensions import db, limiter
from dealer.repair.models import JOB_APPROVED, JOB_DECLINED, RepairJob
from dealer.sms.models import SmsMessage
from tests.helpers import count, fresh, page_text
from tests.repair.builders import approved_order, build_shop, extra_work_order


@pytest.fixture()
def shop(ctx, store, staff):
    built = build_shop(store, staff)
    db.session.commit()
    limiter.reset()  # the counters of earlier tests (memory storage, one app per session)
    return built


def token_of(order) -> str:
    link = db.session.scalar(sa.select(SmsMessage.params).where(SmsMessage.dedupe_key == f"progress:{order.id}"))
    return link["link"].rsplit("/", 1)[1]


def test_the_sms_link_opens_the_page_with_stages_promise_and_estimate(client, shop):
    order = approved_order(shop)
    message = db.session.scalar(sa.select(SmsMessage).where(SmsMessage.kind == "order_progress_link"))
    assert message.phone == shop.vehicle.owner.mobile and "/booking/p/" in message.body
    text = page_text(client.get(f"/booking/p/{token_of(order)}"))
    assert shop.vehicle.plate in text and 'data-testid="stage-approved"' in text
    assert shop.vehicle.owner.mobile not in text and shop.vehicle.owner.name not in text  # nothing to leak
    assert fresh(ProgressLink, db.session.scalar(sa.select(ProgressLink.id))).opens == 1


def test_a_wrong_token_is_a_plain_not_found(client, shop):
    order = approved_order(shop)
    for token in ("nothing-here", token_of(order)[:-2] + "xx", str(order.id), order.number):
        response = client.get(f"/booking/p/{token}")
        assert response.status_code == 404 and 'data-testid="progress-missing"' in response.get_data(as_text=True)


def test_the_owner_approves_one_item_and_declines_another_from_the_page(client, shop):
    order, brakes, cabin_filter = extra_work_order(shop)
    token = token_of(order)
    text = page_text(client.get(f"/booking/p/{token}"))
    assert f'data-testid="approve-{brakes.id}"' in text and f'data-testid="decline-{cabin_filter.id}"' in text
    assert client.post(f"/booking/p/{token}/items/{brakes.id}/approved").status_code == 302
    assert client.post(f"/booking/p/{token}/items/{brakes.id}/approved").status_code == 302  # a double tap
    client.post(f"/booking/p/{token}/items/{cabin_filter.id}/declined")
    assert fresh(RepairJob, brakes.id).approval == JOB_APPROVED
    assert fresh(RepairJob, cabin_filter.id).approval == JOB_DECLINED
    assert count(OnlineDecision) == 2
    text = page_text(client.get(f"/booking/p/{token}"))
    assert f'data-testid="decided-{brakes.id}"' in text and f'data-testid="approve-{brakes.id}"' not in text


def test_another_orders_item_cannot_be_decided_with_this_link(client, shop):
    first = approved_order(shop)
    _, brakes, _ = extra_work_order(shop)
    response = client.post(f"/booking/p/{token_of(first)}/items/{brakes.id}/approved")
    assert response.status_code == 404
    assert count(OnlineDecision) == 0


def test_guessing_tokens_is_rate_limited_with_the_owners_message(app, client, shop, monkeypatch):
    monkeypatch.setitem(app.config, "BOOKING_PROGRESS_RATE_LIMIT", "3 per minute")
    assert [client.get(f"/booking/p/guess-{n}").status_code for n in range(3)] == [404, 404, 404]
    refused = client.get("/booking/p/guess-4")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 429 and "登录尝试次数过多" not in text and "请求过于频繁" in text
    limiter.reset()


def test_the_booking_pages_answer_429_with_a_booking_message_not_a_sign_in_one(app, client, shop, monkeypatch):
    monkeypatch.setitem(app.config, "BOOKING_PAGE_RATE_LIMIT", "2 per minute")
    assert [client.get("/booking/book").status_code for _ in range(2)] == [200, 200]
    refused = client.get("/booking/book")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 429 and "登录尝试次数过多" not in text and "请求过于频繁" in text
    limiter.reset()
