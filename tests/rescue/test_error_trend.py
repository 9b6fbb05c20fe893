"""The estimate's error over time (figures): median and 90th percentile per month, in SQL, on the page and in Excel."""
from datetime import date, datetime, timedelta, timezone
from io import BytesIO

from openpyxl import load_workbook

from dealer.extensions import db
from dealer.rescue import queries
from tests.helpers import login, persist, text
from tests.rescue.builders import take_call

NOV = datetime(2026, 11, 10, 2, 0, tzinfo=timezone.utc)


def _leg(store, who, *, received, error_minutes, estimate=20.0, phone="13812345678"):
    """A call whose crew arrived `error_minutes` later than the estimate (negative: earlier)."""
    call = take_call(store, who, now=received, phone=phone)
    call.leg_dispatched_at = received + timedelta(minutes=2)
    call.estimate_minutes = estimate
    call.arrived_at = call.leg_dispatched_at + timedelta(minutes=estimate + error_minutes)
    db.session.flush()
    return call


def test_estimate_error_trend_median_and_p90_per_month_at_the_store(ctx, store, dispatcher):
    # November (Shenzhen): errors 1..10 minutes, half of them early; nearest rank: median the 5th, p90 the 9th.
    for minutes in range(1, 11):
        _leg(store, dispatcher, received=NOV + timedelta(hours=minutes), error_minutes=minutes * (-1) ** minutes)
    # 1 November 01:00 in Shenzhen is still 31 October in UTC: it counts in November (11 legs: median the 6th).
    _leg(store, dispatcher, received=datetime(2026, 10, 31, 17, 0, tzinfo=timezone.utc), error_minutes=30)
    _leg(store, dispatcher, received=datetime(2026, 10, 5, 2, 0, tzinfo=timezone.utc), error_minutes=12)
    _leg(store, dispatcher, received=datetime(2025, 11, 5, 2, 0, tzinfo=timezone.utc), error_minutes=50)  # 13 months
    no_estimate = take_call(store, dispatcher, now=NOV)
    no_estimate.arrived_at = NOV + timedelta(minutes=30)
    db.session.flush()
    trend = queries.estimate_error_trend(store.id, date(2026, 11, 1))
    assert [point.month for point in trend][:2] == [date(2025, 12, 1), date(2026, 1, 1)] and len(trend) == 12
    assert (trend[-1].month, trend[-1].median, trend[-1].p90, trend[-1].estimates) == (date(2026, 11, 1), 6.0, 10.0,
                                                                                         11)
    assert (trend[-2].median, trend[-2].p90, trend[-2].estimates) == (12.0, 12.0, 1)
    assert (trend[0].median, trend[0].estimates) == (None, 0)


def test_figures_page_and_excel_show_the_trend(client, ctx, store, staff, dispatcher):
    _leg(store, dispatcher, received=NOV, error_minutes=4)
    _leg(store, dispatcher, received=NOV + timedelta(hours=1), error_minutes=-8)
    persist()
    login(client, staff["rescue_dispatcher"])
    page = text(client.get("/rescue/figures?month=2026-11"))
    assert 'data-testid="error-trend-chart"' in page and "vendor/echarts/echarts.min" in page
    row = page.split('data-testid="error-trend-2026-11"')[1].split("</tr>")[0]
    assert "<td>4.0</td><td>8.0</td><td>2</td>" in row
    book = load_workbook(BytesIO(client.get("/rescue/figures.xlsx?month=2026-11").data))
    sheet = book["每月预计到达误差"]
    assert list(sheet.iter_rows(values_only=True))[-1] == ("2026-11", 4.0, 8.0, 2)
