"""The customer file (客户档案) shows the owner's repair visits and spend."""
from __future__ import annotations

from dealer.repair import services
from tests.helpers import login
from tests.repair.builders import finished_order, pay


def test_customer_file_lists_visits_and_spend(shop, client, staff):
    order = finished_order(shop)
    services.settle(order.id, pay(order, (36600, "cash")), actor=shop.cashier, now=order.ready_at)
    login(client, staff["service_advisor"])
    page = client.get(f"/customers/{shop.vehicle.owner_id}").get_data(as_text=True)
    assert order.number in page and "366.00" in page
    assert f'href="/repair/orders/{order.id}"' in page


def test_customer_file_without_orders_says_so(shop, client, staff):
    login(client, staff["cs_supervisor"])
    page = client.get(f"/customers/{shop.vehicle.owner_id}").get_data(as_text=True)
    assert 'data-testid="customer-orders"' in page and "/repair/orders/" not in page
