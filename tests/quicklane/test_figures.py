"""The lane's month figures: key to ready (median, 90th percentile), promises kept, how early the at-risk flag
warned; per day, package, technician and advisor; the Excel export. A worked example of three ready cars."""
from __future__ import annotations

from datetime import date
from io import BytesIO

from openpyxl import load_workbook

from dealer.extensions import db
from dealer.quicklane import figures
from tests.helpers import NOW, login, persist
from tests.isolation import isolated_client
from tests.quicklane.builders import minutes, take_key

NOVEMBER = date(2026, 11, 1)


def _ready(shop, package, tag, *, promised, ready, technician=True, key=NOW):
    lane = take_key(shop, package, key_tag=tag, now=key)
    lane.promised_at, lane.ready_at, lane.stage = minutes(promised), minutes(ready), "ready"
    lane.technician_id = shop.technician_user.id if technician else None
    return lane


def _three_cars(shop, package):
    shop.oil.on_hand, shop.filter.on_hand = 50_000, 10_000  # four keys reserve four packages' parts
    _ready(shop, package, "A", promised=45, ready=40)  # 40 min, kept
    _ready(shop, package, "B", promised=75, ready=90)  # 90 min, late: the flag rose at 60, 15 min before 75
    _ready(shop, package, "C", promised=60, ready=60, technician=False)  # 60 min, kept (on the minute)
    take_key(shop, package, key_tag="D")  # still waiting: not counted
    db.session.flush()


def test_month_figures_of_three_ready_cars(shop, package):
    _three_cars(shop, package)
    month = figures.month_figures(shop.store.id, NOVEMBER, actor=shop.manager)
    total = month.total
    assert (total.cars, total.median_minutes, total.p90_minutes, total.kept_pct, total.late,
            total.warned_minutes) == (3, 60, 90, 67, 1, 15)
    assert [(row.label, row.cars) for row in month.by_day] == [("2026-11-23", 3)]
    assert [(row.label, row.cars, row.kept_pct) for row in month.by_package] == [("5000公里保养", 3, 67)]
    technicians = {row.label: (row.cars, row.median_minutes, row.late) for row in month.by_technician}
    assert technicians == {shop.technician_user.full_name: (2, 65, 1), "-": (1, 60, 0)}
    assert [(row.label, row.cars) for row in month.by_advisor] == [(shop.advisor.name, 3)]


def test_a_month_without_ready_cars_has_no_figures(shop, package):
    _three_cars(shop, package)
    month = figures.month_figures(shop.store.id, date(2026, 12, 1), actor=shop.manager)
    assert (month.total.cars, month.total.median_minutes, month.total.kept_pct, month.by_day) == (0, None, None, [])


def test_the_manager_reads_the_figures_and_exports_them_to_excel(app, shop, package, staff):
    _three_cars(shop, package)
    persist()
    client = isolated_client(app)
    login(client, staff["manager"])
    page = client.get("/quick-lane/figures?month=2026-11").get_data(as_text=True)
    assert page.count('data-testid="lane-figures-days-row"') == 2  # the month and its one day
    response = client.get("/quick-lane/figures.xlsx?month=2026-11")
    book = load_workbook(BytesIO(response.data))
    assert book.sheetnames == ["按日", "按套餐", "按技师", "按服务顾问", "增项"]
    assert [[cell.value for cell in row][1:] for row in book["增项"].iter_rows(min_row=2)] == [[0, 0]] * 3
    assert [cell.value for cell in book["按日"][2]][1:] == [3, 60, 90, 67, 1, 15]
    assert [cell.value for cell in book["按日"][3]][:2] == ["2026-11-23", 3]


def test_the_workbooks_written_row_by_row_keep_their_bold_headings_and_widths(shop, package):
    _three_cars(shop, package)
    month = figures.month_figures(shop.store.id, NOVEMBER, actor=shop.manager)
    book = load_workbook(figures.workbook(month))
    for sheet in book.worksheets:
        assert [cell.font.bold for cell in sheet[1]] == [True] * sheet.max_column
        assert not sheet["A2"].font.bold
        assert sheet.column_dimensions["A"].width == 24
    assert book["按日"]["A1"].value == f"{shop.store.name} 2026-11"
    stores = load_workbook(figures.group_workbook(NOVEMBER, figures.stores_side_by_side(
        NOVEMBER, actor=shop.manager))).active
    assert stores.title == "门店" and all(cell.font.bold for cell in stores[1])
    assert stores.column_dimensions["B"].width == 28
    assert [cell.value for cell in stores[2]][:3] == [1, f"{shop.store.code} {shop.store.name}", 3]
