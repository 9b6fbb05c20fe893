"""Membership's part of the operations dashboard (repair.signals.month_panels): members at the month's end by
tier, new members, points earned and redeemed, stored value topped up and paid, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa

from dealer.extensions import db
from dealer.members import ledger, services
from dealer.members.models import ADJUST, EARN, PAY, REDEEM, TOP_UP, Member, MemberTier
from dealer.repair import signals as repair_signals
from dealer.satisfaction.services.month import month_bounds
from dealer.signals import collect_panels
from tests.factories import CustomerFactory, UserFactory
from tests.helpers import NOW, actor, login, page_text, persist

NOVEMBER = date(2026, 11, 1)
OCTOBER = datetime(2026, 10, 10, 2, tzinfo=timezone.utc)
DECEMBER = datetime(2026, 12, 1, 2, tzinfo=timezone.utc)  # 1 December 10:00 in Shenzhen


def _tier(store, name: str) -> int:
    services.tiers_of(store.id)
    return db.session.scalar(sa.select(MemberTier.id).where(MemberTier.store_id.is_(None), MemberTier.name == name))


def _member(store, manager, now) -> Member:
    customer = CustomerFactory(store=store)
    member = services.join(customer.id, actor=actor(manager), now=now)
    return db.session.get(Member, member.id)


def _panel_html(store, manager) -> str:
    start, end = month_bounds(store, NOVEMBER)
    panels = collect_panels(repair_signals.month_panels, store, actor=actor(manager), start=start, end=end)
    [html] = [str(panel.html) for panel in panels if 'data-testid="month-members"' in panel.html]
    return " ".join(html.split())


def _cells(html: str, label: str) -> list[str]:
    row = html.split(f"<td>{label}</td>", 1)[1].split("</tr>", 1)[0]
    return [cell.split(">", 1)[1] for cell in row.split("</td>") if ">" in cell]


def test_the_month_counts_members_by_tier_and_the_ledgers(ctx, store, other_store, staff):
    manager = staff["manager"]
    old = _member(store, manager, OCTOBER)
    new, overridden, lapsed = (_member(store, manager, NOW) for _ in range(3))
    _member(store, manager, DECEMBER)  # joined after the month: not counted
    _member(other_store, UserFactory(roles=["manager"], store=other_store), NOW)  # another store's
    silver, gold = _tier(store, "银卡"), _tier(store, "金卡")
    old.tier_id = silver
    overridden.override_tier_id, overridden.override_until = gold, date(2026, 11, 30)  # in force on the last day
    lapsed.override_tier_id, lapsed.override_until = gold, date(2026, 11, 29)  # over before the month ended
    ledger.open_lot(new, EARN, 300, today=NOVEMBER, actor_id=None, now=NOW)
    ledger.open_lot(old, EARN, 200, today=NOVEMBER, actor_id=None, now=OCTOBER)  # October's
    ledger.open_lot(old, ADJUST, 50, today=NOVEMBER, actor_id=None, now=NOW)  # a correction: neither
    ledger.take(new, REDEEM, 120, actor_id=None, now=NOW)
    ledger.card_entry(new, TOP_UP, 100_000, 10_000, actor_id=None, now=NOW, method="cash")
    ledger.card_entry(old, TOP_UP, 50_000, 0, actor_id=None, now=OCTOBER, method="cash")  # October's
    ledger.card_entry(new, PAY, -30_000, -5_000, actor_id=None, now=NOW)
    db.session.flush()

    html = _panel_html(store, manager)

    assert _cells(html, "金卡") == ["1", "1"]
    assert _cells(html, "银卡") == ["1", "0"]
    assert _cells(html, "普卡") == ["2", "2"]
    assert _cells(html, "合计") == ["4", "3"]
    assert "本月发放积分</th><td class=\"text-end\">300<" in html.replace("</th> <td", "</th><td")
    assert "本月抵扣积分</th><td class=\"text-end\">120<" in html.replace("</th> <td", "</th><td")
    assert "1,000.00 + 100.00" in html and "300.00 + 50.00" in html


def test_a_store_without_members_says_so(ctx, store, staff):
    html = _panel_html(store, staff["manager"])
    assert "暂无会员" in html and "本月发放积分</th><td class=\"text-end\">0<" in html


def test_the_dashboard_shows_the_members(client, store, staff):
    _member(store, staff["manager"], NOW)
    persist()
    login(client, staff["manager"])
    page = page_text(client.get("/satisfaction/operations?month=2026-11"))
    assert "月末会员数" in page and "本月入会" in page


def test_members_joined_on_the_months_last_local_day_count(ctx, store, staff):
    last_evening = datetime(2026, 11, 30, 15, 30, tzinfo=timezone.utc)  # 30 November 23:30 in Shenzhen
    _member(store, staff["manager"], last_evening)
    _member(store, staff["manager"], last_evening + timedelta(hours=1))  # 1 December in Shenzhen
    assert _cells(_panel_html(store, staff["manager"]), "普卡") == ["1", "1"]
