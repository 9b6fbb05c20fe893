"""/api/v1/repair-orders/<id>/lines/<id>/issues and /returns: the parts counter through the API (出库, 退料)."""
import pytest

from dealer.extensions import db
from dealer.parts.models import Part, StockMove
from dealer.repair.models import RepairLine
from tests.helpers import assert_error, count
from tests.repair.builders import add_part, approved_order, open_order


def parts_line(order) -> RepairLine:
    return next(line for line in order.jobs[0].lines if line.kind == "parts")


def url(order, line, what: str) -> str:
    return f"/api/v1/repair-orders/{order.id}/lines/{line.id}/{what}"


@pytest.fixture()
def approved(shop):
    order = approved_order(shop)  # 4.5 l of oil on an approved job: reserved, not yet handed out
    db.session.commit()
    return order


def test_api_issues_parts_to_a_line_and_takes_unused_ones_back(api, shop, approved):
    line = parts_line(approved)

    issued = api("post", url(approved, line, "issues"), "parts_clerk", json={"quantity": 4500})

    assert issued.status_code == 201, issued.get_json()
    move = issued.get_json()
    assert (move["kind"], move["quantity"], move["on_hand_after"], move["part_id"], move["line_id"],
            move["order_id"]) == ("issue", -4500, 15_500, shop.oil.id, line.id, approved.id)
    db.session.expire_all()
    assert (db.session.get(RepairLine, line.id).issued, db.session.get(Part, shop.oil.id).on_hand,
            db.session.get(Part, shop.oil.id).reserved) == (4500, 15_500, 0)

    returned = api("post", url(approved, line, "returns"), "manager", json={"quantity": 1500})

    assert returned.status_code == 201, returned.get_json()
    assert (returned.get_json()["kind"], returned.get_json()["quantity"],
            returned.get_json()["on_hand_after"]) == ("return", 1500, 17_000)
    db.session.expire_all()
    assert db.session.get(RepairLine, line.id).issued == 3000


def test_api_refuses_more_than_the_line_needs_and_changes_nothing(api, shop, approved):
    line = parts_line(approved)
    before = count(StockMove)

    response = api("post", url(approved, line, "issues"), "parts_clerk", json={"quantity": 5000})

    assert_error(response, 409, "parts.exceeds_line", ["quantity"])
    db.session.expire_all()
    assert (count(StockMove), db.session.get(Part, shop.oil.id).on_hand, db.session.get(RepairLine, line.id).issued) == (
        before, 20_000, 0)


def test_api_refuses_to_issue_to_a_job_the_owner_has_not_approved(api, shop):
    order = open_order(shop, "做保养")
    add_part(shop, order.jobs[0])
    db.session.commit()

    response = api("post", url(order, parts_line(order), "issues"), "parts_clerk", json={"quantity": 1000})

    assert_error(response, 409, "parts.job_not_approved")


def test_api_refuses_a_return_of_more_than_was_issued(api, approved):
    response = api("post", url(approved, parts_line(approved), "returns"), "parts_clerk", json={"quantity": 1})

    assert_error(response, 409, "parts.exceeds_issued", ["quantity"])


@pytest.mark.parametrize("quantity", [0, -1000, "4500", 1.5, None])
def test_api_issue_quantity_must_be_a_whole_positive_number_of_thousandths(api, approved, quantity):
    before = count(StockMove)

    response = api("post", url(approved, parts_line(approved), "issues"), "parts_clerk", json={"quantity": quantity})

    assert_error(response, 422, "validation_failed", ["quantity"])
    assert count(StockMove) == before


def test_api_line_must_belong_to_the_order_named(api, shop, approved):
    other = approved_order(shop)
    db.session.commit()

    response = api("post", url(other, parts_line(approved), "issues"), "parts_clerk", json={"quantity": 1000})

    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("role", ["service_advisor", "technician", "cashier"])
def test_api_only_the_parts_counter_hands_out_parts(api, approved, role):
    before = count(StockMove)

    response = api("post", url(approved, parts_line(approved), "issues"), role, json={"quantity": 1000})

    assert_error(response, 403, "forbidden")
    assert count(StockMove) == before
