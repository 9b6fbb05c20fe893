"""A complaint names the repair order by its number: intake finds it in the store, the page links it."""
from __future__ import annotations

import pytest

from dealer.extensions import db
from dealer.satisfaction import services
from dealer.satisfaction.errors import InvalidInput
from dealer.satisfaction.models import Complaint
from tests.helpers import NOW, count, login, persist, text
from tests.satisfaction.builders import delivered


def _receive(cs, store, number):
    return services.receive_complaint(services.ComplaintInput(
        channel="hotline", category="quality", description="刹车还是响", order_number=number),
        store_id=store.id, actor=cs, now=NOW)


def test_receive_complaint_links_the_stores_order_of_that_number(shop, store, cs):
    order = delivered(shop)

    complaint = _receive(cs, store, f" {order.number.lower()} ")

    assert db.session.get(Complaint, complaint.id).order_id == order.id
    assert _receive(cs, store, "").order_id is None


def test_receive_complaint_refuses_a_number_the_store_has_no_order_of(shop, store, cs):
    with pytest.raises(InvalidInput) as refused:
        _receive(cs, store, "RO-19990101-0001")
    assert refused.value.field == "order_number" and count(Complaint) == 0


def test_public_complaint_links_the_order_when_the_number_is_right_and_keeps_the_text_when_not(shop, store):
    order = delivered(shop)
    form = dict(kind="complaint", category="quality", description="没修好", contact_phone="13812345678")
    right = services.submit_public_complaint(store.code, services.PublicComplaintInput(
        **form, order_number=order.number), now=NOW)
    wrong = services.submit_public_complaint(store.code, services.PublicComplaintInput(
        **form, order_number="RO-X"), now=NOW)
    assert (right.order_id, wrong.order_id, wrong.order_number) == (order.id, None, "RO-X")


def test_complaint_page_links_the_order_and_names_its_advisor(client, shop, store, staff, cs):
    order = delivered(shop)
    complaint = _receive(cs, store, order.number)
    persist()
    login(client, staff["manager"])
    cell = text(client.get(f"/satisfaction/complaints/{complaint.id}")).split('data-testid="complaint-order"')[1]
    assert f'href="/repair/orders/{order.id}"' in cell.split("</dd>")[0]
    assert staff["service_advisor"].display_name in cell.split("</dd>")[0]
