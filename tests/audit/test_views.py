"""The audit log as people read it (issue 12): sentences in their language, links, filters, the CSV export."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timezone

from dealer import audit
from dealer.audit.models import AuditEntry
from dealer.extensions import db
from tests.factories import PartFactory, RepairOrderFactory
from tests.helpers import actor, login, text


def _settled_and_issued(store, staff):
    """A settlement by the cashier and a part issued by the clerk, as their services record them."""
    order = RepairOrderFactory(store=store, state="settled", number="RO-20261206-0007")
    part = PartFactory(store=store, part_number="06J115403Q", name="机油滤清器")
    db.session.flush()
    audit.record("repair_order_settled", order, actor=actor(staff["cashier"]), changes={
        "total_fen": 123_450, "payments": [["cash", 100_000, ""], ["wechat_pay", 23_450, "4200001"]]})
    audit.record("stock_issued", part, actor=actor(staff["parts_clerk"]), changes={
        "move_id": 1, "quantity": -1000, "on_hand_after": 2000, "order_id": order.id, "line_id": 1})
    db.session.commit()
    return order, part


def test_audit_page_reads_as_sentences_with_links_to_the_records(client, staff, store):
    order, part = _settled_and_issued(store, staff)
    login(client, staff["manager"])

    page = text(client.get("/audit/"))

    assert "工单结算：¥1,234.50，支付方式 现金 ¥1,000.00、微信支付 ¥234.50" in page
    assert "向维修工单发料 1；发料后在库 2" in page
    assert f'<a href="/repair/orders/{order.id}">RO-20261206-0007</a>' in page
    assert f'<a href="/parts/{part.id}">06J115403Q 机油滤清器</a>' in page
    for raw in ("repair_order_settled", "repair_orders #", "quantity: -1000", "[[", "stock_issued"):
        assert raw not in page


def test_audit_page_links_only_the_records_its_reader_may_open(client, staff, store):
    order, part = _settled_and_issued(store, staff)
    login(client, staff["admin"])  # reads the log; the parts and repair pages are not theirs

    page = text(client.get("/audit/"))

    assert "06J115403Q 机油滤清器" in page and "RO-20261206-0007" in page
    assert f'href="/parts/{part.id}"' not in page and f'href="/repair/orders/{order.id}"' not in page


def test_audit_page_reads_in_english_for_an_english_user(client, staff, store):
    _settled_and_issued(store, staff)
    login(client, staff["manager"])
    client.post("/language/en")

    page = text(client.get("/audit/"))

    assert "Settled the order: ¥1,234.50, paid by Cash ¥1,000.00, WeChat Pay ¥234.50" in page


def test_audit_page_filters_by_person_record_and_day(client, staff, store):
    _order, part = _settled_and_issued(store, staff)
    clerk = staff["parts_clerk"]
    db.session.add(AuditEntry(store_id=store.id, actor_id=clerk.id, actor_name=clerk.display_name,
                              action="stock_adjusted", entity_type="parts", entity_id=part.id,
                              changes={"move_id": 2, "quantity": 500, "on_hand_after": 2500, "reason": "盘点"},
                              created_at=datetime(2026, 1, 5, 3, tzinfo=timezone.utc)))  # 11:00 in Shenzhen
    db.session.commit()
    login(client, staff["manager"])

    by_cashier = text(client.get(f"/audit/?actor={staff['cashier'].id}"))
    by_part = text(client.get(f"/audit/?record=parts&record_id={part.id}"))
    that_day = text(client.get("/audit/?day_from=2026-01-05&day_to=2026-01-05"))
    since = text(client.get("/audit/?day_from=2026-01-06"))

    assert "工单结算" in by_cashier and "发料" not in by_cashier and "库存调整" not in by_cashier
    assert f'<option selected value="{staff["cashier"].id}">' in by_cashier  # who it is narrowed to shows
    assert "发料" in by_part and "库存调整 +0.5（盘点）" in by_part and "工单结算" not in by_part
    assert "库存调整" in that_day and "工单结算" not in that_day and "发料" not in that_day
    assert "库存调整" not in since and "工单结算" in since


def test_audit_export_is_a_csv_of_the_filtered_sentences(client, staff, store):
    order, _part = _settled_and_issued(store, staff)
    login(client, staff["manager"])

    response = client.get(f"/audit/export.csv?actor={staff['cashier'].id}")

    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["时间", "操作人", "操作", "对象"]
    [row] = rows[1:]
    assert row[1] == staff["cashier"].display_name
    assert row[2] == "工单结算：¥1,234.50，支付方式 现金 ¥1,000.00、微信支付 ¥234.50"
    assert row[4] == "RO-20261206-0007" and row[5] == f"http://localhost/repair/orders/{order.id}"
    assert row[6] == "repair_order_settled"


def test_audit_export_is_refused_to_staff_without_the_role(client, staff):
    login(client, staff["cs_supervisor"])

    assert client.get("/audit/export.csv").status_code == 403


def test_an_event_nobody_described_still_shows_its_code(client, staff, store):
    audit.record("night_shift_noted", store, actor=actor(staff["manager"]), store_id=store.id)
    db.session.commit()
    login(client, staff["manager"])

    assert "night_shift_noted（暂无说明）" in text(client.get("/audit/"))


def test_a_group_manager_sees_each_entrys_store_and_filters_by_store(client, staff, store, other_store,
                                                                     group_manager):
    _settled_and_issued(store, staff)
    elsewhere = RepairOrderFactory(store=other_store, state="settled", number="RO-20261206-0099")
    db.session.flush()
    audit.record("repair_order_settled", elsewhere, actor=actor(staff["cashier"]), store_id=other_store.id,
                 changes={"total_fen": 100, "payments": [["cash", 100, ""]]})
    audit.record("store_created", other_store, actor=actor(group_manager), store_id=None,
                 changes={"code": "GZ01"})
    db.session.commit()
    login(client, group_manager)

    page = text(client.get("/audit/"))
    assert 'data-testid="store-filter"' in page
    assert re.findall(r'data-testid="store-code">([^<]+)<', page) == ["集团", "GZ01", "SZ01", "SZ01"]
    only_gz = text(client.get(f"/audit/?store={other_store.id}"))
    assert "RO-20261206-0099" in only_gz and "RO-20261206-0007" not in only_gz
    # the record opens in its store's view (pages a manager keeps per store take ?store=)
    assert f'href="/repair/orders/{elsewhere.id}?store={other_store.id}"' in only_gz
    assert re.findall(r'data-testid="store-code">([^<]+)<', only_gz) == ["GZ01"]

    rows = list(csv.reader(io.StringIO(client.get(f"/audit/export.csv?store={store.id}")
                                       .get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["时间", "门店", "操作人"] and {row[1] for row in rows[1:]} == {"SZ01"}


def test_a_stores_manager_sees_no_store_column_and_no_other_store(client, staff, store, other_store):
    _settled_and_issued(store, staff)
    elsewhere = RepairOrderFactory(store=other_store, state="settled", number="RO-20261206-0099")
    db.session.flush()
    audit.record("repair_order_settled", elsewhere, actor=actor(staff["cashier"]), store_id=other_store.id,
                 changes={"total_fen": 100, "payments": [["cash", 100, ""]]})
    db.session.commit()
    login(client, staff["manager"])

    page = text(client.get(f"/audit/?store={other_store.id}"))  # a store's staff cannot pick another
    assert "store-filter" not in page and "store-code" not in page
    assert "RO-20261206-0007" in page and "RO-20261206-0099" not in page
