"""The owner's member view (会员信息) on the public progress and booking pages: balances, points about to expire,
the latest movements; nothing the owner does not know; a fixed number of queries."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy import event

from dealer.extensions import db, limiter
from dealer.members import services
from dealer.members.queries import owner_member_view
from dealer.sms.models import SmsMessage
from tests.factories import CustomerFactory
from tests.helpers import NOW, page_text
from tests.repair.builders import approved_order


def _statements(call):
    seen = []
    listener = lambda _conn, _cursor, statement, *_: seen.append(statement)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        result = call()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return result, len(seen)


def _movements(shop, member, n):
    for index in range(n):
        services.top_up(member.id, paid_fen=100_000, bonus_fen=10_000, method="cash", actor=shop.cashier, now=NOW)
        services.adjust_points(member.id, 100 + index, reason="员工备注-不给车主看", actor=shop.manager,
                               now=NOW - timedelta(days=400))  # lots of 2025: they end on 2026-12-31


def test_the_view_shows_balances_expiring_lots_and_the_latest_movements(shop, member):
    _movements(shop, member, 2)
    view = owner_member_view(shop.store.id, member.customer_id, now=NOW)
    assert (view.number, view.tier_name, view.points_balance) == (member.number, "普卡", 201)
    assert (view.card_paid_fen, view.card_bonus_fen, view.card_balance_fen) == (200_000, 20_000, 220_000)
    assert [(lot.points, lot.expires_on) for lot in view.expiring] == [(100, date(2026, 12, 31)),
                                                                       (101, date(2026, 12, 31))]
    assert sorted((m.ledger, m.kind, m.amount) for m in view.history) == [
        ("card", "top_up", 110_000), ("card", "top_up", 110_000), ("points", "adjust", 100), ("points", "adjust", 101)]


def test_lots_ending_after_the_window_are_not_about_to_expire(shop, member):
    services.adjust_points(member.id, 300, reason="开业赠送", actor=shop.manager, now=NOW)  # ends 2027-12-31
    assert owner_member_view(shop.store.id, member.customer_id, now=NOW).expiring == []


def test_not_a_member_here_has_no_view(shop, member, other_store):
    assert owner_member_view(shop.store.id, None, now=NOW) is None
    assert owner_member_view(shop.store.id, CustomerFactory(store=shop.store).id, now=NOW) is None
    assert owner_member_view(other_store.id, member.customer_id, now=NOW) is None  # a member of another store


def test_the_view_costs_the_same_queries_whatever_the_ledgers_hold(shop, member):
    _movements(shop, member, 1)
    db.session.expire_all()
    _few, few = _statements(lambda: owner_member_view(shop.store.id, member.customer_id, now=NOW))
    _movements(shop, member, 8)
    db.session.expire_all()
    many_view, many = _statements(lambda: owner_member_view(shop.store.id, member.customer_id, now=NOW))
    assert few == many <= 4 and len(many_view.history) == 10  # five of each ledger; the lots and both ledgers in one


def _progress_token(order) -> str:
    link = db.session.scalar(sa.select(SmsMessage.params).where(SmsMessage.dedupe_key == f"progress:{order.id}"))
    return link["link"].rsplit("/", 1)[1]


def test_the_progress_page_shows_a_member_their_view_and_no_staff_note(client, shop, member):
    _movements(shop, member, 1)
    order = approved_order(shop)
    db.session.commit()
    limiter.reset()
    text = page_text(client.get(f"/booking/p/{_progress_token(order)}"))
    assert 'data-testid="member-view"' in text and member.number in text
    assert 'data-testid="member-view-expiring"' in text
    assert "员工备注" not in text and shop.manager.name not in text


def test_the_progress_page_of_an_owner_who_is_not_a_member_has_no_view(client, shop):
    order = approved_order(shop)
    db.session.commit()
    limiter.reset()
    response = client.get(f"/booking/p/{_progress_token(order)}")
    assert response.status_code == 200 and 'data-testid="member-view"' not in page_text(response)
