"""The parts counter's pages: wiring, decimal input, field errors, roles and store scope."""
import pytest
import sqlalchemy as sa

from dealer.extensions import db
from dealer.parts.models import Part, StockMove
from dealer.repair.models import JobAssignment, RepairLine
from tests.factories import PartFactory, RepairJobFactory, RepairLineFactory, RepairOrderFactory
from tests.helpers import count, field_has_error, fresh, inputs, loaded, login, persist, text


@pytest.fixture()
def clerk_client(client, staff):
    login(client, staff["parts_clerk"])
    return client


@pytest.fixture()
def part(store):
    part = PartFactory(store=store, part_number="06J115403Q", name="机油滤清器", price_fen=8850, cost_fen=5200,
                       on_hand=3000, reorder_level=5000, bin_location="A-03-2")
    persist()
    return part


def parts_line(store, part, *, quantity=1000, state="in_progress", **extra) -> RepairLine:
    job = RepairJobFactory(order=RepairOrderFactory(store=store, state=state), concern="更换机油机滤")
    line = RepairLineFactory(job=job, part=part, quantity=quantity, **extra)
    persist()
    return loaded(line, "job.order.vehicle")


# -- the catalogue -----------------------------------------------------------------------------

def test_catalogue_lists_parts_with_money_and_quantities_formatted(clerk_client, part):
    response = clerk_client.get("/parts/")
    assert response.status_code == 200
    page = text(response)
    assert "06J115403Q" in page and "88.50" in page and "A-03-2" in page
    assert "3 个" in page


def test_catalogue_search_box_finds_by_number_and_answers_htmx_with_the_table(clerk_client, part, store):
    PartFactory(store=store, part_number="5QD698151", name="前刹车片")
    persist()

    found = clerk_client.get("/parts/?q=06j115")
    assert "06J115403Q" in text(found) and "5QD698151" not in text(found)
    partial = clerk_client.get("/parts/?q=刹车", headers={"HX-Request": "true"})
    assert "5QD698151" in text(partial) and "<html" not in text(partial)
    assert 'data-testid="no-parts"' in text(clerk_client.get("/parts/?q=nothing-like-it"))


def test_new_part_form_takes_yuan_and_decimal_quantities(clerk_client, store):
    form = clerk_client.get("/parts/new")
    assert form.status_code == 200
    assert "checked" in inputs(form)["genuine"]  # genuine by default
    response = clerk_client.post("/parts/new", data={
        "part_number": "5qd 698 151", "name": "前刹车片", "unit": "套", "price_fen": "1,280.5", "cost_fen": "¥860",
        "genuine": "y", "bin_location": "b-01", "reorder_level": "2.5", "active": "y"})
    part = db.session.scalars(sa.select(Part)).one()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/parts/{part.id}")
    assert (part.store_id, part.part_number, part.unit, part.price_fen, part.cost_fen) == (
        store.id, "5QD698151", "套", 128050, 86000)
    assert (part.genuine, part.reorder_level, part.bin_location, part.on_hand) == (True, 2500, "B-01", 0)


@pytest.mark.parametrize("changes, field", [
    ({"price_fen": "12.345"}, "price_fen"),
    ({"price_fen": "abc"}, "price_fen"),
    ({"price_fen": ""}, "price_fen"),
    ({"price_fen": "-1"}, "price_fen"),
    ({"reorder_level": "1.2345"}, "reorder_level"),
    ({"part_number": "06J#1"}, "part_number"),
    ({"name": ""}, "name"),
])
def test_new_part_bad_input_shows_the_field_error_and_writes_nothing(clerk_client, changes, field):
    data = {"part_number": "5QD698151", "name": "前刹车片", "unit": "套", "price_fen": "128", **changes}
    response = clerk_client.post("/parts/new", data=data)
    assert response.status_code == 200
    assert field_has_error(response, field)
    assert count(Part) == 0


def test_new_part_taken_number_shows_the_field_error(clerk_client, part):
    response = clerk_client.post("/parts/new", data={"part_number": "06j115403q", "name": "x", "unit": "个",
                                                     "price_fen": "1"})
    assert response.status_code == 200
    assert field_has_error(response, "part_number")
    assert count(Part) == 1


def test_group_manager_picks_the_store_of_a_new_part(client, group_manager, store, other_store):
    login(client, group_manager)
    assert "store" in inputs(client.get("/parts/new"))
    response = client.post("/parts/new", data={"store": other_store.id, "part_number": "X1", "name": "x",
                                               "unit": "个", "price_fen": "1"})
    assert response.status_code == 302
    assert db.session.scalars(sa.select(Part)).one().store_id == other_store.id


def test_edit_part_saves_and_shows_the_amounts_as_typed(clerk_client, part):
    form = clerk_client.get(f"/parts/{part.id}/edit")
    assert inputs(form)["price_fen"]["value"] == "88.50"
    assert inputs(form)["reorder_level"]["value"] == "5"
    response = clerk_client.post(f"/parts/{part.id}/edit", data={
        "part_number": "06J115403Q", "name": "机滤", "unit": "个", "price_fen": "96", "cost_fen": "52",
        "reorder_level": "4", "active": "y"})
    assert response.status_code == 302
    row = fresh(Part, part.id)
    assert (row.name, row.price_fen, row.genuine, row.reorder_level, row.on_hand) == (
        "机滤", 9600, False, 4000, 3000)


# -- the part page, receipts and adjustments ---------------------------------------------------

def test_part_page_shows_stock_figures_the_ledger_and_cost_to_the_clerk(clerk_client, part, store):
    line = parts_line(store, part, quantity=2000, reserved=2000)
    db.session.execute(sa.update(Part).where(Part.id == part.id).values(reserved=2000))
    persist()
    clerk_client.post(f"/parts/{part.id}/receive", data={"quantity": "1.5", "unit_cost_fen": "41.5",
                                                          "reference": "DN-1"})

    page = clerk_client.get(f"/parts/{part.id}")

    assert page.status_code == 200
    body = text(page)
    assert "4.5 个" in body and "2.5 个" in body  # on hand 3 + 1.5; available 4.5 - 2
    assert "DN-1" in body and "+1.5" in body and "41.50" in body
    assert line.job.order.number in body


def test_receive_form_books_the_receipt(clerk_client, part):
    assert clerk_client.get(f"/parts/{part.id}/receive").status_code == 200
    response = clerk_client.post(f"/parts/{part.id}/receive", data={"quantity": "12", "unit_cost_fen": "41.5",
                                                                     "reference": "DN2026112301"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/parts/{part.id}")
    row = fresh(Part, part.id)
    assert (row.on_hand, row.cost_fen) == (15000, 4150)
    move = db.session.scalars(sa.select(StockMove)).one()
    assert (move.kind, move.quantity, move.reference) == ("receipt", 12000, "DN2026112301")


@pytest.mark.parametrize("changes, field", [
    ({"quantity": "1.0005"}, "quantity"), ({"quantity": "0"}, "quantity"), ({"reference": ""}, "reference"),
    ({"unit_cost_fen": "x"}, "unit_cost_fen")])
def test_receive_form_bad_input_shows_the_field_error(clerk_client, part, changes, field):
    data = {"quantity": "2", "unit_cost_fen": "41.5", "reference": "DN1", **changes}
    response = clerk_client.post(f"/parts/{part.id}/receive", data=data)
    assert response.status_code == 200
    assert field_has_error(response, field)
    assert count(StockMove) == 0


def test_adjust_form_removes_stock_with_a_reason(clerk_client, part):
    response = clerk_client.post(f"/parts/{part.id}/adjust", data={"quantity": "-0.5", "reason": "破损"})
    assert response.status_code == 302
    assert fresh(Part, part.id).on_hand == 2500


def test_adjust_form_below_zero_puts_the_stock_error_on_the_quantity(clerk_client, part):
    response = clerk_client.post(f"/parts/{part.id}/adjust", data={"quantity": "-4", "reason": "破损"})
    assert response.status_code == 200
    assert field_has_error(response, "quantity")
    assert "3 个" in text(response)
    assert fresh(Part, part.id).on_hand == 3000


def test_adjust_form_without_a_reason_shows_the_field_error(clerk_client, part):
    response = clerk_client.post(f"/parts/{part.id}/adjust", data={"quantity": "1", "reason": ""})
    assert field_has_error(response, "reason")


# -- the issue queue and returns ---------------------------------------------------------------

def test_issue_queue_lists_the_line_and_its_button_issues_it(clerk_client, part, store):
    line = parts_line(store, part, quantity=2000)

    queue = clerk_client.get("/parts/issue-queue")
    assert queue.status_code == 200
    assert line.job.order.number in text(queue) and line.job.order.vehicle.plate in text(queue)
    assert inputs(queue)["quantity"]["value"] == "2"

    response = clerk_client.post(f"/parts/lines/{line.id}/issue", data={"quantity": "2"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/parts/issue-queue")
    assert (fresh(Part, part.id).on_hand, fresh(RepairLine, line.id).issued) == (1000, 2000)
    assert 'data-testid="nothing-to-issue"' in text(clerk_client.get("/parts/issue-queue"))


def test_issue_queue_names_the_technician_and_links_the_order(clerk_client, part, store, staff):
    """Issue 12: the clerk sees who will come for the part, and opens the order from its number."""
    line = parts_line(store, part, quantity=2000)
    db.session.add(JobAssignment(job_id=line.job.id, technician_id=staff["technician"].id, store_id=store.id))
    unassigned = parts_line(store, part, quantity=1000)
    persist()

    page = text(clerk_client.get("/parts/issue-queue"))

    row = page.split(f'data-line="{line.id}"')[1].split("</tr>")[0]
    assert f'href="/repair/orders/{line.job.order.id}"' in row and line.job.order.number in row
    assert staff["technician"].display_name in row
    assert "尚未派工" in page.split(f'data-line="{unassigned.id}"')[1].split("</tr>")[0]


def test_issue_without_enough_stock_flashes_the_error_and_changes_nothing(clerk_client, part, store):
    line = parts_line(store, part, quantity=5000)

    response = clerk_client.post(f"/parts/lines/{line.id}/issue", data={"quantity": "5"},
                                 headers={"Referer": "http://localhost/parts/issue-queue"})

    assert response.status_code == 302 and response.headers["Location"].endswith("/parts/issue-queue")
    assert "在库3个" in text(clerk_client.get("/parts/issue-queue"))  # the flash names what is on hand
    assert fresh(Part, part.id).on_hand == 3000 and count(StockMove) == 0


def test_issue_with_a_malformed_quantity_flashes_it(clerk_client, part, store):
    line = parts_line(store, part)
    clerk_client.post(f"/parts/lines/{line.id}/issue", data={"quantity": "one"})
    assert "最多三位小数" in text(clerk_client.get("/parts/issue-queue"))
    assert fresh(RepairLine, line.id).issued == 0


def test_return_form_on_the_part_page_puts_parts_back(clerk_client, part, store):
    line = parts_line(store, part, quantity=2000, issued=2000)
    page = clerk_client.get(f"/parts/{part.id}")
    assert f"/parts/{part.id}/lines/{line.id}/return" in text(page)

    response = clerk_client.post(f"/parts/{part.id}/lines/{line.id}/return", data={"quantity": "0.5"})

    assert response.status_code == 302 and response.headers["Location"].endswith(f"/parts/{part.id}")
    assert (fresh(Part, part.id).on_hand, fresh(RepairLine, line.id).issued) == (3500, 1500)


def test_low_stock_page_lists_parts_at_or_below_their_level(clerk_client, part, store):
    PartFactory(store=store, part_number="PLENTY", on_hand=9000, reorder_level=1000)
    persist()
    page = text(clerk_client.get("/parts/low-stock"))
    assert "06J115403Q" in page and "PLENTY" not in page


# -- roles and stores --------------------------------------------------------------------------

def test_service_advisor_reads_the_catalogue_without_costs_or_stock_buttons(client, staff, part):
    login(client, staff["service_advisor"])
    page = client.get(f"/parts/{part.id}")
    assert page.status_code == 200
    assert "52.00" not in text(page) and 'data-testid="receive"' not in text(page)
    assert client.get("/parts/new").status_code == 403
    assert client.get("/parts/issue-queue").status_code == 403
    assert 'data-testid="nav-parts"' not in text(page)


def test_parts_clerk_has_the_parts_link_in_the_navigation(clerk_client):
    assert 'data-testid="nav-parts"' in text(clerk_client.get("/"))


def test_part_of_another_store_is_not_found(clerk_client, other_store):
    elsewhere = PartFactory(store=other_store)
    persist()
    assert clerk_client.get(f"/parts/{elsewhere.id}").status_code == 404
    assert clerk_client.get(f"/parts/{elsewhere.id}/receive").status_code == 404
    assert 'data-testid="no-parts"' in text(clerk_client.get("/parts/?q=06J"))
