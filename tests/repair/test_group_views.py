"""A group manager's daily screens (issue 12): two stores' same-numbered orders, same-named staff, reminders
and messages are told apart by their store and can be filtered by store; a store's own staff see neither the
store column nor the filter."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest

from dealer.extensions import db
from dealer.reminders.models import Reminder
from dealer.repair import services
from dealer.sms.outbox import enqueue
from tests.factories import UserFactory
from tests.helpers import NOW, actor, login, persist, text
from tests.isolation import isolated_client
from tests.repair.builders import build_shop, finished_order, open_order, pay

MONTH = date(2026, 11, 1)
NAMES = {"service_advisor": "李顾问", "technician": "张技师"}
ROLES = ("service_advisor", "technician", "parts_clerk", "cashier", "manager")


def _store_world(store):
    staff = {role: UserFactory(username=f"{role}-{store.code}", roles=[role], store=store,
                               full_name=NAMES.get(role, f"{role} {store.code}")) for role in ROLES}
    shop = build_shop(store, staff)
    settled = finished_order(shop)
    services.settle(settled.id, pay(settled, (services.reprice(settled).total_fen, "cash")), actor=shop.cashier,
                    now=NOW)
    waiting = open_order(shop, "异响")
    services.add_line(waiting.jobs[0].id, services.LineInput(kind="parts", part_id=shop.oil.id, quantity=1000),
                      actor=shop.advisor, now=NOW)
    services.submit_estimate(waiting.id, actor=shop.advisor, now=NOW)
    services.approve_estimate(waiting.id, services.ApprovalInput(method="phone", approver_name="车主",
                                                                 phone="13812345678"), actor=shop.advisor, now=NOW)
    db.session.add(Reminder(store_id=store.id, vehicle_id=shop.vehicle.id, customer_id=shop.vehicle.owner_id,
                            advisor_id=staff["service_advisor"].id, kind="maintenance",
                            due_date=datetime.now(timezone.utc).date() + timedelta(days=3), lead_days=7,
                            created_on=date(2026, 11, 20)))  # the call list is of the real today
    enqueue("car_ready", store_id=store.id, phone="13812345678", customer=None, vehicle_id=shop.vehicle.id,
            params={"name": "王", "plate": shop.vehicle.plate, "store_phone": "0755-1"}, now=NOW)
    shop.oil.reorder_level = 1_000_000  # on the low-stock list
    return shop, staff, settled, waiting


@pytest.fixture()
def two_stores(app, store, other_store, group_manager):
    worlds = {s.code: _store_world(s) for s in (store, other_store)}
    persist()
    clients = {}

    def client_of(user):
        if user.id not in clients:
            clients[user.id] = isolated_client(app)
            login(clients[user.id], user)
        return clients[user.id]

    return worlds, client_of


def _store_codes(page: str) -> list[str]:
    return re.findall(r'data-testid="store-code">(?:[^<]*?)(SZ01|GZ01)\s*<', page)


PAGES = ("/repair/", "/repair/board", "/repair/figures?month=2026-11", "/reminders/?all=1", "/sms/",
         "/parts/issue-queue", "/parts/", "/parts/low-stock", "/customers")


@pytest.mark.parametrize("url", PAGES)
def test_group_manager_sees_each_rows_store_and_filters_by_store(two_stores, group_manager, other_store, url):
    worlds, client_of = two_stores
    manager = client_of(group_manager)

    everything = manager.get(url)
    assert everything.status_code == 200
    page = text(everything)
    assert 'data-testid="store-filter"' in page
    assert {"SZ01", "GZ01"} <= set(_store_codes(page)), url

    joiner = "&" if "?" in url else "?"
    narrowed = text(manager.get(f"{url}{joiner}store={other_store.id}"))
    assert set(_store_codes(narrowed)) == {"GZ01"}, url
    assert f'value="{other_store.id}" selected' in narrowed


def test_group_manager_tells_two_stores_same_numbered_orders_apart(two_stores, group_manager, other_store):
    worlds, client_of = two_stores
    sz_waiting, gz_waiting = worlds["SZ01"][3], worlds["GZ01"][3]
    assert sz_waiting.number == gz_waiting.number  # each store numbers its own orders
    manager = client_of(group_manager)

    rows = re.findall(r"<tr>(.*?)</tr>", text(manager.get("/repair/")), re.S)
    numbered = [row for row in rows if sz_waiting.number in row]
    assert len(numbered) == 2
    assert sorted(_store_codes("".join(numbered))) == ["GZ01", "SZ01"]
    assert {f"/repair/orders/{sz_waiting.id}", f"/repair/orders/{gz_waiting.id}"} <= set(
        re.findall(r'href="(/repair/orders/\d+)"', "".join(numbered)))

    filtered = text(manager.get(f"/repair/?store={other_store.id}"))
    assert filtered.count(f">{sz_waiting.number}<") == 1 and f"/repair/orders/{gz_waiting.id}" in filtered
    assert f"/repair/orders/{sz_waiting.id}\"" not in filtered


def test_group_figures_are_per_person_and_store(two_stores, group_manager, other_store):
    worlds, _ = two_stores
    figures = services.quality_figures(actor=actor(group_manager), month=MONTH)

    advisors = [(row.key, row.store_id, row.user_id, row.delivered) for row in figures["advisors"]]
    ids = {code: world[1]["service_advisor"] for code, world in worlds.items()}
    assert sorted(advisors) == sorted([("李顾问", ids["SZ01"].store_id, ids["SZ01"].id, 1),
                                       ("李顾问", ids["GZ01"].store_id, ids["GZ01"].id, 1)])
    assert len({row.user_id for row in figures["technicians"]}) == 2
    assert [(row.store_id, row.delivered) for row in figures["stores"]] == sorted(
        (s.id, 1) for s in (ids["SZ01"].store, ids["GZ01"].store))
    assert figures["store"][0].delivered == 2

    one = services.quality_figures(actor=actor(group_manager), month=MONTH, store_ids=[other_store.id])
    assert [(row.store_id, row.user_id) for row in one["advisors"]] == [(other_store.id, ids["GZ01"].id)]
    assert one["stores"] == [] and one["store"][0].delivered == 1
    assert services.time_figures(actor=actor(group_manager), month=MONTH, store_ids=[other_store.id]).ready == 1


def test_two_people_of_one_name_in_a_store_are_two_rows_told_apart(shop, staff):
    twin = UserFactory(username="li-2", roles=["service_advisor"], store=shop.store, full_name="李顾问")
    staff["service_advisor"].full_name = "李顾问"
    for advisor_id in (staff["service_advisor"].id, twin.id):
        order = finished_order(shop, advisor_id=advisor_id)
        services.settle(order.id, pay(order, (services.reprice(order).total_fen, "cash")), actor=shop.cashier,
                        now=NOW)

    rows = services.quality_figures(actor=shop.manager, month=MONTH)["advisors"]

    assert sorted(row.user_id for row in rows) == sorted([staff["service_advisor"].id, twin.id])
    assert len({row.key for row in rows}) == 2 and all(row.key.startswith("李顾问") for row in rows)


def test_store_staff_see_no_store_column_and_no_filter(two_stores):
    worlds, client_of = two_stores
    _, staff, _, _ = worlds["SZ01"]
    for role, url in (("manager", "/repair/"), ("manager", "/repair/board"), ("manager", "/repair/figures"),
                      ("service_advisor", "/reminders/?all=1"), ("manager", "/sms/"),
                      ("parts_clerk", "/parts/issue-queue"), ("parts_clerk", "/parts/")):
        page = text(client_of(staff[role]).get(url))
        assert 'data-testid="store-filter"' not in page and 'data-testid="store-code"' not in page, url
        assert "GZ01" not in page, url
