"""Booking's part of the operations dashboard (repair.signals.month_panels): the month's bookings by service kind
and state, and the no-show share, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from dealer.booking.models import Booking, CheckInQuarter, SlotBucket
from dealer.extensions import db
from dealer.repair import signals as repair_signals
from dealer.satisfaction.services.month import month_bounds
from dealer.signals import collect_panels
from tests.helpers import actor, login, page_text, persist

ZONE = ZoneInfo("Asia/Shanghai")
NOVEMBER = date(2026, 11, 1)


def _bookings(store, rows: list[tuple[str, str, datetime]]) -> None:
    bucket = SlotBucket(store_id=store.id, day=date(2026, 11, 2), day_part="morning", service_kind="maintenance",
                        capacity_minutes=6000, bays=100)
    quarter = CheckInQuarter(store_id=store.id, starts_at=datetime(2026, 11, 2, 1, tzinfo=timezone.utc), cap=100)
    db.session.add_all([bucket, quarter])
    db.session.flush()
    db.session.add_all([Booking(store_id=store.id, code=f"M{store.id:03d}{i:04d}", name="车主", phone="13812345678",
                                plate="粤B12345", service_kind=kind, state=state, bucket_id=bucket.id,
                                quarter_id=quarter.id, starts_at=at, minutes=60, idempotency_key=f"month-{i}")
                        for i, (kind, state, at) in enumerate(rows)])
    db.session.flush()


def _panel_html(store, staff) -> str:
    start, end = month_bounds(store, NOVEMBER)
    panels = collect_panels(repair_signals.month_panels, store, actor=actor(staff["manager"]), start=start, end=end)
    [html] = [str(panel.html) for panel in panels if 'data-testid="month-bookings"' in panel.html]
    return " ".join(html.split())


def test_the_month_counts_bookings_by_kind_and_state_with_the_no_show_share(ctx, store, other_store, staff):
    first = datetime.combine(NOVEMBER, time(0, 30), ZONE)  # 1 November 00:30 in Shenzhen: still October in UTC
    _bookings(store, [
        ("maintenance", "checked_in", first), ("maintenance", "checked_in", first + timedelta(days=3)),
        ("maintenance", "no_show", first + timedelta(days=4)), ("maintenance", "cancelled", first),
        ("repair", "no_show", first + timedelta(days=5)), ("repair", "booked", first + timedelta(days=29)),
        ("repair", "checked_in", first - timedelta(hours=1)),  # 31 October, local time: not counted
        ("maintenance", "checked_in", datetime(2026, 12, 1, 0, 0, tzinfo=ZONE)),  # December: not counted
    ])
    _bookings(other_store, [("maintenance", "no_show", first + timedelta(days=1))])

    html = _panel_html(store, staff)

    # booked, checked in, cancelled, no-show per kind; 2 no-shows of 4 that came to their time (checked in or not)
    assert _cells(html, "保养") == [0, 2, 1, 1] and _cells(html, "维修") == [1, 0, 0, 1]
    assert _cells(html, "合计") == [1, 2, 1, 2]
    assert "50.0%" in html


def test_a_month_without_bookings_says_so(ctx, store, staff):
    html = _panel_html(store, staff)
    assert "本月没有预约" in html and "爽约占比: -" in html


def test_the_dashboard_shows_the_bookings(client, store, staff):
    first = datetime.combine(NOVEMBER, time(10), ZONE)
    _bookings(store, [("maintenance", "no_show", first)])
    persist()
    login(client, staff["manager"])
    page = page_text(client.get("/satisfaction/operations?month=2026-11"))
    assert "预约与爽约" in page and "100.0%" in page


def _cells(html: str, label: str) -> list[int]:
    row = html.split(f"<td>{label}</td>", 1)[1].split("</tr>", 1)[0]
    return [int(cell.split(">", 1)[1]) for cell in row.split("</td>") if ">" in cell]
