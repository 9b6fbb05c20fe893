"""The service operations dashboard (服务运营): a store's month from the records, its page and its Excel."""
from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import sqlalchemy as sa
from markupsafe import Markup
from openpyxl import load_workbook

from dealer.extensions import db
from dealer.members import services as members
from dealer.parts.models import Part
from dealer.repair.models import JobAssignment, RepairLine, RepairOrder, TimeEntry
from dealer.satisfaction import operations
from dealer.satisfaction.export import operations_workbook
from dealer.signals import Panel
from dealer.timezones import store_zone
from tests.factories import StoreFactory, UserFactory
from tests.helpers import NOW, login, persist, text
from tests.isolation import isolated_client
from tests.satisfaction.builders import delivered

NOVEMBER = date(2026, 11, 1)


def _lines(orders, kind):
    return db.session.scalars(sa.select(RepairLine).where(RepairLine.order_id.in_([o.id for o in orders]),
                                                          RepairLine.kind == kind)).all()


def test_operations_sums_the_settled_month_from_the_records(shop, store):
    orders = [delivered(shop), delivered(shop, now=NOW + timedelta(days=1))]
    delivered(shop, now=NOW.replace(month=10, day=5))  # October's: not counted

    o = operations.operations(store, NOVEMBER)

    labor, parts = _lines(orders, "labor"), _lines(orders, "parts")
    assert o.revenue == [("labor", "customer", sum(x.amount_fen for x in labor), sum(x.discount_fen for x in labor)),
                         ("parts", "customer", sum(x.amount_fen for x in parts), sum(x.discount_fen for x in parts))]
    assert dict(o.days)[date(2026, 11, 23)] == 1 and dict(o.days)[date(2026, 11, 24)] == 1 and o.cars == 2
    assert len(o.days) == 30
    paid = [db.session.get(RepairOrder, order.id).customer_total_fen for order in orders]
    assert o.by_kind == [("maintenance", 2, sum(paid))] and o.average_bill_fen == round(sum(paid) / 2)
    stock = db.session.scalars(sa.select(Part).where(Part.store_id == store.id, Part.on_hand > 0)).all()
    assert o.stock_parts == len(stock) and o.stock_value_fen == round(sum(p.on_hand * p.cost_fen for p in stock) / 1000)


def test_operations_of_an_empty_month_says_so(store):
    o = operations.operations(StoreFactory(), NOVEMBER)
    assert (o.revenue, o.cars, o.by_kind, o.average_bill_fen) == ([], 0, [], None)


def test_operations_page_and_its_excel_for_managers_only(app, client, shop, staff):
    delivered(shop)
    persist()
    login(client, staff["manager"])

    page = text(client.get("/satisfaction/operations?month=2026-11"))
    export = client.get("/satisfaction/operations.xlsx?month=2026-11")

    assert 'data-testid="cars">1' in page and 'data-testid="revenue-table"' in page
    book = load_workbook(BytesIO(export.data))
    # its own five tables, then the sections of the modules above: bookings, members, campaigns
    assert book.sheetnames[5:] == ["预约与爽约", "会员", "营销活动效果"]
    assert len(book.worksheets) == 8 and book.worksheets[1].max_row == 2 + 30
    assert [cell.value for cell in book.worksheets[2][3]][:2] == ["保养", 1]
    for role in ("service_advisor", "cs_supervisor"):
        other = isolated_client(app)
        login(other, staff[role])
        assert other.get("/satisfaction/operations").status_code == 403


def test_operations_sets_hours_sold_against_hours_clocked_per_technician(shop, store, staff):
    order = delivered(shop)
    # The technician was on the job for 90 minutes (the builder clocks on and off at one moment).
    [entry] = db.session.scalars(sa.select(TimeEntry).where(TimeEntry.store_id == store.id)).all()
    db.session.execute(sa.update(TimeEntry).where(TimeEntry.id == entry.id)
                       .values(ended_at=entry.started_at + timedelta(minutes=90)))
    labor = _lines([order], "labor")

    [(name, sold, clocked)] = operations.operations(store, NOVEMBER).technicians

    assert name == staff["technician"].display_name
    assert (sold, clocked) == (round(sum(line.hours for line in labor) / 100, 2), 1.5)


def test_a_jobs_hours_sold_are_shared_equally_by_its_crew(shop, store, staff):
    first, second = delivered(shop), delivered(shop, now=NOW + timedelta(days=1))
    helper = UserFactory(username="tech-2", roles=["technician"], store=store)
    db.session.flush()
    [job_id] = db.session.scalars(sa.select(RepairLine.job_id).where(RepairLine.order_id == first.id,
                                                                     RepairLine.kind == "labor").distinct())
    # A second technician on the first order's job (written as a row: the order is settled, and repair refuses
    # any change to a settled order through the session).
    db.session.execute(sa.insert(JobAssignment).values(job_id=job_id, technician_id=helper.id, store_id=store.id))
    first_hours = sum(line.hours for line in _lines([first], "labor"))
    second_hours = sum(line.hours for line in _lines([second], "labor"))

    sold = {name: hours for name, hours, _clocked in operations.operations(store, NOVEMBER).technicians}

    # The first order's job had two technicians: each sold half of it; the second's was the technician's alone.
    assert sold == {staff["technician"].display_name: round((first_hours / 2 + second_hours) / 100, 2),
                    helper.display_name: round(first_hours / 2 / 100, 2)}


def test_the_excel_carries_the_sections_of_the_modules_above_as_rows(client, shop, staff):
    members.join(shop.vehicle.owner_id, actor=shop.advisor, now=NOW)  # joins in November, on the lowest tier
    persist()
    login(client, staff["manager"])

    book = load_workbook(BytesIO(client.get("/satisfaction/operations.xlsx?month=2026-11").data))

    def rows(name):
        return [[cell.value for cell in row] for row in book[name].iter_rows(min_row=2)]

    assert rows("预约与爽约")[0] == ["服务项目", "已预约", "已到店", "已取消", "爽约"]
    assert rows("预约与爽约")[-2:] == [["合计", 0, 0, 0, 0], ["爽约占比", "-", None, None, None]]
    assert rows("会员")[0] == ["会员等级", "月末会员数", "本月入会"]
    assert rows("会员")[1] == ["普卡", 1, 1] and rows("会员")[2] == ["合计", 1, 1]
    assert rows("会员")[3][:2] == ["本月发放积分", 0]
    assert rows("营销活动效果")[0][:4] == ["活动", "活动日期", "邀请组", "对照组"]
    assert len(rows("营销活动效果")) == 1  # no campaign this month: the header alone


def test_operations_workbook_keeps_typed_names_as_text_in_every_row(app, store):
    """A campaign's name someone typed stays text in the workbook, in the first row and the last alike (the cells
    are found by position: reading the sheet's last row measured every cell written so far)."""
    names = ['=HYPERLINK("http://evil.example","点我")', "春季保养", '=1+1']
    panel = Panel(1, Markup(""), sheets=(("营销活动效果", ("活动", "邀请"), tuple((name, 3) for name in names)),))
    with app.test_request_context():
        book = load_workbook(operations_workbook(operations.Operations(store, date(2026, 11, 1)), {"lines": {}, "payers": {},
                                                                                        "kinds": {}}, [panel]))
    sheet = book["营销活动效果"]
    cells = [sheet.cell(row=row, column=1) for row in range(3, 6)]
    assert [cell.value for cell in cells] == names and {cell.data_type for cell in cells} == {"s"}
    assert [sheet.cell(row=row, column=2).value for row in range(3, 6)] == [3, 3, 3]


def test_the_live_days_run_with_the_generic_plan_and_the_setting_is_put_back(shop, store):
    """PostgreSQL: the live days' statement alone runs with plan_cache_mode = force_generic_plan (its custom plan
    was made anew on every view); the transaction's setting, whatever it was, is back after. SQLite: untouched."""
    orders = [delivered(shop)]
    day = orders[0].settled_at.astimezone(store_zone(store)).date()
    postgres = db.session.get_bind().dialect.name == "postgresql"
    if postgres:
        db.session.execute(sa.text("SET LOCAL plan_cache_mode = force_custom_plan"))
    seen = []

    def mode(*_args) -> None:
        if postgres and "sum(repair_lines.amount_fen)" in _args[2]:  # the live days' statement, as it runs
            seen.append(_args[1].connection.execute("SHOW plan_cache_mode").fetchone()[0])

    sa.event.listen(db.engine, "before_cursor_execute", mode)
    try:
        counted = operations.counting.count_days(store, [day])
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", mode)
    assert [order for _day, _kind, order, _paid, _paying in counted.orders] == [1]
    if postgres:
        assert seen == ["force_generic_plan"]
        assert db.session.scalar(sa.text("SHOW plan_cache_mode")) == "force_custom_plan"
    else:
        assert seen == []
