"""The group's stores side by side in the lane's figures: each store's month (cars, key to ready median and 90th
percentile, promises kept, the at-risk lead) in grouped SQL, ranked by promises kept; the page and its Excel."""
from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook

from dealer.actors import ROLES
from dealer.extensions import db
from dealer.quicklane import figures
from tests.factories import UserFactory
from tests.helpers import actor, login, persist
from tests.isolation import isolated_client
from tests.quicklane.builders import build_package, minutes, on_shift, take_key
from tests.repair.builders import build_shop

NOVEMBER = date(2026, 11, 1)


@pytest.fixture()
def other_shop(other_store):
    staff = {role: UserFactory(username=f"{role}-gz", roles=[role], store=other_store) for role in ROLES}
    shop = build_shop(other_store, staff)
    on_shift(shop)
    return shop


def _ready(shop, package, tag, *, promised, ready, key=0):
    lane = take_key(shop, package, key_tag=tag, now=minutes(key))
    lane.key_at, lane.promised_at, lane.ready_at, lane.stage = minutes(key), minutes(promised), minutes(ready), "ready"
    return lane


def _two_stores(shop, package, other_shop):
    shop.oil.on_hand, shop.filter.on_hand = 90_000, 20_000
    # SZ01: 40, 90 (late; flag at 60, 15 before 75), 60 (kept), 50 (late; flag at 40, 10 before 50): kept 50 %
    _ready(shop, package, "A", promised=45, ready=40)
    _ready(shop, package, "B", promised=75, ready=90)
    _ready(shop, package, "C", promised=60, ready=60)
    _ready(shop, package, "D", promised=50, ready=50 + 1)
    take_key(shop, package, key_tag="E")  # still waiting: not counted
    # GZ01: three cars, every promise kept
    other_shop.oil.on_hand, other_shop.filter.on_hand = 90_000, 20_000
    other_package = build_package(other_shop)
    for tag, ready in (("F", 30), ("G", 35), ("H", 70)):
        _ready(other_shop, other_package, tag, promised=75, ready=ready)
    db.session.flush()


def test_each_store_side_by_side_ranked_by_promises_kept(shop, package, other_shop, group_manager):
    _two_stores(shop, package, other_shop)
    rows = figures.stores_side_by_side(NOVEMBER, actor=actor(group_manager))
    found = [(entry.rank, entry.store.code, entry.row.cars, entry.row.median_minutes, entry.row.p90_minutes,
              entry.row.kept_pct, entry.row.late, entry.row.warned_minutes) for entry in rows]
    # SZ01: spans 40, 51, 60, 90 -> median (51 + 60) / 2 = 55.5 -> 56 (half up), p90 the 4th = 90; the flags rose
    # 15 and 10 minutes before the two broken promises -> 12.5 -> 13.
    assert found == [(1, "GZ01", 3, 35, 70, 100, 0, None), (2, "SZ01", 4, 56, 90, 50, 2, 13)]


def test_the_side_by_side_row_agrees_with_the_stores_own_page(shop, package, other_shop, group_manager):
    _two_stores(shop, package, other_shop)
    own = figures.month_figures(shop.store.id, NOVEMBER, actor=shop.manager).total
    side = next(entry.row for entry in figures.stores_side_by_side(NOVEMBER, actor=actor(group_manager))
                if entry.store.id == shop.store.id)
    assert (side.cars, side.median_minutes, side.p90_minutes, side.kept_pct, side.late, side.warned_minutes) == (
        own.cars, own.median_minutes, own.p90_minutes, own.kept_pct, own.late, own.warned_minutes)


def test_a_stores_manager_sees_only_their_store(shop, package, other_shop):
    _two_stores(shop, package, other_shop)
    assert [entry.store.code for entry in figures.stores_side_by_side(NOVEMBER, actor=shop.manager)] == ["SZ01"]


def test_a_store_without_cars_comes_last_with_no_figures(shop, package, other_shop, group_manager):
    _ready(shop, package, "A", promised=45, ready=40)
    rows = figures.stores_side_by_side(NOVEMBER, actor=actor(group_manager))
    assert [(entry.store.code, entry.row.cars, entry.row.kept_pct) for entry in rows] == [
        ("SZ01", 1, 100), ("GZ01", 0, None)]


def test_the_group_manager_reads_the_table_and_exports_it(app, shop, package, other_shop, group_manager):
    _two_stores(shop, package, other_shop)
    persist()
    client = isolated_client(app)
    login(client, group_manager)
    page = client.get("/quick-lane/figures/stores?month=2026-11").get_data(as_text=True)
    assert page.count('data-testid="lane-stores-row"') == 2
    assert page.index("GZ01") < page.index("SZ01")
    book = load_workbook(BytesIO(client.get("/quick-lane/figures/stores.xlsx?month=2026-11").data))
    sheet = book.active
    assert [cell.value for cell in sheet[2]][:8] == [1, f"GZ01 {other_shop.store.name}", 3, 35, 70, 100, 0, None]
    assert [cell.value for cell in sheet[3]][2:8] == [4, 56, 90, 50, 2, 13]

