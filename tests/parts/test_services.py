"""Parts catalogue, stock ledger and reservations: the business rules, called directly, on both databases."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from dealer.audit.models import AuditEntry
from dealer.errors import Forbidden, NotFound
from dealer.extensions import db
from dealer.parts import services
from dealer.parts.models import Part, StockMove
from dealer.parts.services import PartInput
from dealer.repair import queries
from dealer.repair import services as repair
from tests.factories import PartFactory, RepairJobFactory, RepairLineFactory, RepairOrderFactory, UserFactory
from tests.helpers import NOW, actor, audit_entries, count, fresh

LATER = NOW + timedelta(hours=1)


@pytest.fixture()
def clerk(staff):
    return actor(staff["parts_clerk"])


@pytest.fixture()
def other_clerk(other_store):
    return actor(UserFactory(username="parts-gz", roles=["parts_clerk"], store=other_store))


def moves(part) -> list[StockMove]:
    return list(db.session.scalars(sa.select(StockMove).where(StockMove.part_id == part.id)
                                   .order_by(StockMove.id)))


def add_part(store, who, *, number="06J 115 403 q", name="机油滤清器", price_fen=8800, **extra) -> Part:
    return services.create_part(PartInput(part_number=number, name=name, price_fen=price_fen, **extra),
                                store_id=store.id, actor=who, now=NOW)


def parts_line(store, part, *, quantity=1000, state="approved", approval="approved", **extra):
    """A parts line for `part` on a job of a new order of `store`."""
    job = RepairJobFactory(order=RepairOrderFactory(store=store, state=state), approval=approval)
    return RepairLineFactory(job=job, part=part, quantity=quantity, **extra)


# -- the catalogue -----------------------------------------------------------------------------

def test_create_part_normalises_the_number_is_genuine_by_default_and_audits(ctx, store, clerk, staff):
    part = add_part(store, clerk, number=" 06j 115４03 q ", cost_fen=5200, bin_location=" a-03-2 ")

    row = fresh(Part, part.id)
    assert (row.store_id, row.part_number, row.name, row.unit) == (store.id, "06J115403Q", "机油滤清器", "个")
    assert (row.price_fen, row.cost_fen, row.genuine, row.active) == (8800, 5200, True, True)
    assert (row.on_hand, row.reserved, row.reorder_level, row.bin_location) == (0, 0, 0, "A-03-2")
    [entry] = audit_entries("part_created")
    assert (entry.entity_type, entry.entity_id, entry.store_id, entry.actor_id) == (
        "parts", part.id, store.id, staff["parts_clerk"].id)
    assert entry.changes["part_number"] == "06J115403Q" and entry.changes["genuine"] is True


def test_create_part_aftermarket_is_recorded(ctx, store, clerk):
    assert add_part(store, clerk, genuine=False).genuine is False


def test_create_part_same_number_in_same_store_is_part_number_taken(ctx, store, clerk):
    add_part(store, clerk, number="06J115403Q")
    with pytest.raises(services.PartNumberTaken) as caught:
        add_part(store, clerk, number="06j 115 403q", name="另一个")
    assert caught.value.code == "parts.part_number_taken"
    assert caught.value.field == "part_number"
    assert count(Part) == 1
    assert len(audit_entries("part_created")) == 1


def test_create_part_same_number_in_another_store_is_allowed(ctx, store, other_store, clerk, other_clerk):
    add_part(store, clerk, number="06J115403Q")
    add_part(other_store, other_clerk, number="06J115403Q")
    assert count(Part, Part.part_number == "06J115403Q") == 2


@pytest.mark.parametrize("changes, field", [
    ({"number": "   "}, "part_number"),
    ({"number": "06J#115"}, "part_number"),
    ({"number": "A" * 41}, "part_number"),
    ({"name": "  "}, "name"),
    ({"name": "滤" * 41}, "name"),
    ({"unit": ""}, "unit"),
    ({"price_fen": -1}, "price_fen"),
    ({"price_fen": 2**31}, "price_fen"),
    ({"cost_fen": -5}, "cost_fen"),
    ({"reorder_level": -1000}, "reorder_level"),
    ({"bin_location": "B" * 21}, "bin_location"),
])
def test_create_part_invalid_details_are_refused_per_field(ctx, store, clerk, changes, field):
    with pytest.raises(services.InvalidInput) as caught:
        add_part(store, clerk, **changes)
    assert (caught.value.code, caught.value.status, caught.value.field) == ("parts.invalid", 422, field)
    assert count(Part) == 0
    assert count(AuditEntry) == 0


def test_create_part_in_another_store_is_forbidden(ctx, other_store, clerk):
    with pytest.raises(Forbidden):
        add_part(other_store, clerk)
    assert count(Part) == 0


def test_create_part_group_level_names_an_existing_store(ctx, store, group):
    assert add_part(store, group).store_id == store.id
    with pytest.raises(services.InvalidInput) as caught:
        services.create_part(PartInput(part_number="X1", name="x", price_fen=1), store_id=999999, actor=group,
                             now=NOW)
    assert caught.value.field == "store_id"


def test_update_part_changes_details_never_stock_and_audits_the_difference(ctx, store, clerk):
    part = PartFactory(store=store, part_number="06J115403Q", on_hand=3000, reserved=1000, price_fen=8800)
    services.update_part(part.id, PartInput(part_number="06J115403Q", name="机滤（新款）", price_fen=9600,
                                            cost_fen=part.cost_fen, genuine=False, reorder_level=2000),
                         actor=clerk, now=LATER)

    row = fresh(Part, part.id)
    assert (row.name, row.price_fen, row.genuine, row.reorder_level) == ("机滤（新款）", 9600, False, 2000)
    assert (row.on_hand, row.reserved, row.updated_at) == (3000, 1000, LATER)
    [entry] = audit_entries("part_updated")
    assert entry.changes["price_fen"] == [8800, 9600]
    assert entry.changes["genuine"] == [True, False]
    assert "part_number" not in entry.changes


def test_update_part_to_a_taken_number_is_part_number_taken(ctx, store, clerk):
    PartFactory(store=store, part_number="AAA1")
    part = PartFactory(store=store, part_number="BBB2")
    db.session.commit()
    with pytest.raises(services.PartNumberTaken):
        services.update_part(part.id, PartInput(part_number="aaa 1", name="x", price_fen=1), actor=clerk,
                             now=NOW)
    db.session.rollback()
    assert fresh(Part, part.id).part_number == "BBB2"


def test_get_part_of_another_store_is_not_found_but_group_level_sees_it(ctx, other_store, clerk, group):
    part = PartFactory(store=other_store)
    with pytest.raises(NotFound):
        services.get_part(part.id, actor=clerk)
    with pytest.raises(NotFound):
        services.update_part(part.id, PartInput(part_number="X", name="x", price_fen=1), actor=clerk, now=NOW)
    assert services.get_part(part.id, actor=group) is part


def test_list_parts_shows_only_the_actors_store_in_number_order(ctx, store, other_store, clerk, group):
    PartFactory(store=store, part_number="B2")
    PartFactory(store=store, part_number="A1")
    PartFactory(store=other_store, part_number="A0")
    assert [p.part_number for p in services.list_parts(actor=clerk).items] == ["A1", "B2"]
    assert services.list_parts(actor=group).total == 3


# -- search ------------------------------------------------------------------------------------

@pytest.fixture()
def catalogue(store, other_store):
    return {
        "filter": PartFactory(store=store, part_number="06J115403Q", name="机油滤清器"),
        "filter2": PartFactory(store=store, part_number="06J115403", name="机油滤清器（旧款）"),
        "pads": PartFactory(store=store, part_number="5QD698151", name="前刹车片"),
        "oil": PartFactory(store=store, part_number="G052195M4", name="大众原厂机油 5W-40"),
        "percent": PartFactory(store=store, part_number="Z100", name="玻璃水 100%"),
        "elsewhere": PartFactory(store=other_store, part_number="06J115403Q", name="机油滤清器"),
    }


def test_search_parts_by_part_number_prefix_ignores_case_and_spaces_exact_first(ctx, clerk, catalogue):
    hits = services.search_parts(" 06j 115 403 ", actor=clerk)
    assert [p.part_number for p in hits] == ["06J115403", "06J115403Q"]
    assert services.search_parts("06J115403Q", actor=clerk) == [catalogue["filter"]]


def test_search_parts_by_name_prefix_then_a_word_inside(ctx, clerk, catalogue):
    assert services.search_parts("机油", actor=clerk)[:2] == [catalogue["filter"], catalogue["filter2"]]
    assert set(services.search_parts("机油", actor=clerk)) == {catalogue["filter"], catalogue["filter2"],
                                                              catalogue["oil"]}
    assert services.search_parts("刹车", actor=clerk) == [catalogue["pads"]]


def test_search_parts_matches_names_as_typed_with_full_width_brackets(ctx, store, clerk):
    part = PartFactory(store=store, name="机滤（新款）")
    assert services.search_parts("机滤（新", actor=clerk) == [part]
    assert services.search_parts("（新款）", actor=clerk) == [part]


def test_search_parts_treats_like_wildcards_as_text(ctx, clerk, catalogue):
    assert services.search_parts("%", actor=clerk) == [catalogue["percent"]]
    assert services.search_parts("_", actor=clerk) == []


def test_search_parts_sees_only_the_actors_stores(ctx, clerk, other_clerk, group, catalogue):
    assert catalogue["elsewhere"] not in services.search_parts("06J", actor=clerk)
    assert services.search_parts("06J115403Q", actor=other_clerk) == [catalogue["elsewhere"]]
    assert len(services.search_parts("06J115403Q", actor=group)) == 2


def test_search_parts_empty_query_and_limit(ctx, clerk, catalogue):
    assert services.search_parts("  ", actor=clerk) == []
    assert len(services.search_parts("06J", actor=clerk, limit=1)) == 1


# -- receipts and adjustments ------------------------------------------------------------------

def test_receive_stock_adds_to_on_hand_writes_the_move_and_audit_and_sets_the_cost(ctx, store, clerk, staff):
    part = PartFactory(store=store, on_hand=2000, cost_fen=5000)

    move = services.receive_stock(part.id, quantity=12000, unit_cost_fen=4150, reference=" DN-2026-11-23 ",
                                  actor=clerk, now=NOW)

    row = fresh(Part, part.id)
    assert (row.on_hand, row.cost_fen) == (14000, 4150)
    assert (move.kind, move.quantity, move.on_hand_after, move.unit_cost_fen, move.reference) == (
        "receipt", 12000, 14000, 4150, "DN-2026-11-23")
    assert (move.store_id, move.actor_id, move.actor_name, move.created_at) == (
        store.id, staff["parts_clerk"].id, staff["parts_clerk"].display_name, NOW)
    [entry] = audit_entries("stock_received")
    assert (entry.entity_type, entry.entity_id) == ("parts", part.id)
    assert entry.changes == {"move_id": move.id, "quantity": 12000, "on_hand_after": 14000,
                             "unit_cost_fen": 4150, "reference": "DN-2026-11-23"}


@pytest.mark.parametrize("changes, field", [
    ({"quantity": 0}, "quantity"),
    ({"quantity": -1000}, "quantity"),
    ({"quantity": 1.5}, "quantity"),
    ({"unit_cost_fen": -1}, "unit_cost_fen"),
    ({"reference": "  "}, "reference"),
    ({"reference": "D" * 61}, "reference"),
])
def test_receive_stock_invalid_input_changes_nothing(ctx, store, clerk, changes, field):
    part = PartFactory(store=store, on_hand=1000)
    data = {"quantity": 1000, "unit_cost_fen": 100, "reference": "DN1", **changes}
    with pytest.raises(services.InvalidInput) as caught:
        services.receive_stock(part.id, actor=clerk, now=NOW, **data)
    assert caught.value.field == field
    assert fresh(Part, part.id).on_hand == 1000
    assert count(StockMove) == 0


def test_receive_stock_of_another_stores_part_is_not_found(ctx, other_store, clerk):
    part = PartFactory(store=other_store)
    with pytest.raises(NotFound):
        services.receive_stock(part.id, quantity=1000, unit_cost_fen=1, reference="DN1", actor=clerk, now=NOW)


def test_adjust_stock_adds_or_removes_with_the_reason(ctx, store, clerk):
    part = PartFactory(store=store, on_hand=5000)

    found = services.adjust_stock(part.id, quantity=500, reason="盘点多出", actor=clerk, now=NOW)
    damaged = services.adjust_stock(part.id, quantity=-2000, reason=" 破损 ", actor=clerk, now=LATER)

    assert fresh(Part, part.id).on_hand == 3500
    assert [(m.kind, m.quantity, m.on_hand_after, m.reason) for m in (found, damaged)] == [
        ("adjustment", 500, 5500, "盘点多出"), ("adjustment", -2000, 3500, "破损")]
    assert [e.changes["reason"] for e in audit_entries("stock_adjusted")] == ["盘点多出", "破损"]


@pytest.mark.parametrize("quantity, reason, field", [(0, "盘点", "quantity"), (1000, "  ", "reason"),
                                                     (1000, "x" * 201, "reason")])
def test_adjust_stock_needs_a_change_and_a_reason(ctx, store, clerk, quantity, reason, field):
    part = PartFactory(store=store, on_hand=1000)
    with pytest.raises(services.InvalidInput) as caught:
        services.adjust_stock(part.id, quantity=quantity, reason=reason, actor=clerk, now=NOW)
    assert caught.value.field == field
    assert count(StockMove) == 0


def test_adjust_stock_below_zero_is_insufficient_stock_and_changes_nothing(ctx, store, clerk):
    part = PartFactory(store=store, on_hand=1500, unit="L", name="机油", part_number="G052195M4")
    with pytest.raises(services.InsufficientStock) as caught:
        services.adjust_stock(part.id, quantity=-2000, reason="破损", actor=clerk, now=NOW)
    assert caught.value.code == "parts.insufficient_stock"
    message = str(caught.value.message)
    assert "1.5" in message and "L" in message and "G052195M4" in message
    assert fresh(Part, part.id).on_hand == 1500
    assert count(StockMove) == 0 and count(AuditEntry) == 0


# -- reservations (helpers for the repair module) ----------------------------------------------

def test_reserve_line_holds_what_the_line_still_needs_once(ctx, store):
    part = PartFactory(store=store, on_hand=1000)
    line = parts_line(store, part, quantity=4000, issued=1000)

    repair.reserve_line(line)
    repair.reserve_line(line)  # nothing more to hold

    assert (fresh(Part, part.id).reserved, line.reserved) == (3000, 3000)


def test_reserve_line_does_not_commit(ctx, store):
    part = PartFactory(store=store)
    line = parts_line(store, part, quantity=2000)
    db.session.commit()

    repair.reserve_line(line)
    db.session.rollback()

    assert (fresh(Part, part.id).reserved, fresh(type(line), line.id).reserved) == (0, 0)


def test_reserve_line_after_the_quantity_went_down_gives_back_the_excess(ctx, store):
    part = PartFactory(store=store, on_hand=5000)
    line = parts_line(store, part, quantity=4000)
    repair.reserve_line(line)

    line.quantity = 1500  # the repair module changes the line, then calls reserve_line again
    repair.reserve_line(line)

    assert (fresh(Part, part.id).reserved, line.reserved) == (1500, 1500)


def test_reserve_line_may_exceed_stock_and_the_shortage_shows_on_low_stock(ctx, store, clerk):
    part = PartFactory(store=store, on_hand=1000)
    line = parts_line(store, part, quantity=3000)

    repair.reserve_line(line)

    row = fresh(Part, part.id)
    assert (row.on_hand, row.reserved, row.available) == (1000, 3000, -2000)
    assert services.low_stock(actor=clerk) == [row]


def test_reserve_and_release_line_leave_labor_lines_and_lines_without_a_part_alone(ctx, store):
    part = PartFactory(store=store)
    labor = parts_line(store, None, kind="labor", quantity=None, hours=150)
    loose = parts_line(store, None, quantity=2000)

    for line in (labor, loose):
        repair.reserve_line(line)
        repair.release_line(line)
        assert line.reserved == 0
    assert fresh(Part, part.id).reserved == 0


def test_release_line_gives_the_whole_reservation_back(ctx, store):
    part = PartFactory(store=store, on_hand=5000)
    kept = parts_line(store, part, quantity=1000)
    cancelled = parts_line(store, part, quantity=2000)
    repair.reserve_line(kept)
    repair.reserve_line(cancelled)

    repair.release_line(cancelled)
    repair.release_line(cancelled)

    assert (fresh(Part, part.id).reserved, cancelled.reserved, kept.reserved) == (1000, 0, 1000)


# -- issuing to a repair order line ------------------------------------------------------------

def test_issue_to_line_takes_stock_uses_the_reservation_and_writes_the_ledger(ctx, store, clerk):
    part = PartFactory(store=store, on_hand=5000, cost_fen=5200)
    line = parts_line(store, part, quantity=2000)
    repair.reserve_line(line)

    move = repair.issue_to_line(line.id, quantity=1000, actor=clerk, now=NOW)

    row, line = fresh(Part, part.id), fresh(type(line), line.id)
    assert (row.on_hand, row.reserved) == (4000, 1000)
    assert (line.issued, line.reserved) == (1000, 1000)
    assert (move.kind, move.quantity, move.on_hand_after, move.unit_cost_fen) == ("issue", -1000, 4000, 5200)
    assert (move.order_id, move.line_id, move.part_id) == (line.order_id, line.id, part.id)
    [entry] = audit_entries("stock_issued")
    assert entry.changes == {"move_id": move.id, "quantity": -1000, "on_hand_after": 4000,
                             "unit_cost_fen": 5200, "order_id": line.order_id, "line_id": line.id}


def test_issue_to_line_beyond_its_reservation_releases_only_what_was_reserved(ctx, store, clerk):
    part = PartFactory(store=store, on_hand=5000)
    line = parts_line(store, part, quantity=3000)
    repair.reserve_line(line)
    other = parts_line(store, part, quantity=1000)
    repair.reserve_line(other)
    line.reserved = 500  # as if the repair module had reserved only part of it
    db.session.execute(sa.update(Part).where(Part.id == part.id).values(reserved=1500))

    repair.issue_to_line(line.id, quantity=3000, actor=clerk, now=NOW)

    row = fresh(Part, part.id)
    assert (row.on_hand, row.reserved) == (2000, 1000)  # the other line keeps its reservation
    assert fresh(type(line), line.id).reserved == 0


@pytest.mark.parametrize("state", ["approved", "in_progress", "quality_check"])
def test_issue_to_line_in_a_workshop_state_is_allowed(ctx, store, clerk, state):
    part = PartFactory(store=store, on_hand=1000)
    line = parts_line(store, part, state=state)
    assert repair.issue_to_line(line.id, quantity=1000, actor=clerk, now=NOW).on_hand_after == 0


@pytest.mark.parametrize("state", ["open", "estimated", "ready", "settled", "delivered", "cancelled"])
def test_issue_to_line_outside_the_workshop_is_refused(ctx, store, clerk, state):
    part = PartFactory(store=store, on_hand=1000)
    line = parts_line(store, part, state=state)
    with pytest.raises(repair.OrderNotInWorkshop) as caught:
        repair.issue_to_line(line.id, quantity=1000, actor=clerk, now=NOW)
    assert caught.value.code == "parts.order_not_in_workshop"
    assert fresh(Part, part.id).on_hand == 1000


@pytest.mark.parametrize("approval", ["estimate", "pending", "declined"])
def test_issue_to_line_of_a_job_not_approved_is_refused(ctx, store, clerk, approval):
    part = PartFactory(store=store, on_hand=1000)
    line = parts_line(store, part, approval=approval)
    with pytest.raises(repair.JobNotApproved) as caught:
        repair.issue_to_line(line.id, quantity=1000, actor=clerk, now=NOW)
    assert caught.value.code == "parts.job_not_approved"


def test_issue_to_a_labor_line_is_refused(ctx, store, clerk):
    line = parts_line(store, None, kind="labor", quantity=None)
    with pytest.raises(repair.NotAPartsLine) as caught:
        repair.issue_to_line(line.id, quantity=1000, actor=clerk, now=NOW)
    assert caught.value.code == "parts.not_a_parts_line"


def test_issue_to_line_with_not_enough_stock_names_what_is_on_hand_and_changes_nothing(ctx, store, clerk):
    part = PartFactory(store=store, on_hand=500, unit="个", part_number="5QD698151", name="前刹车片")
    line = parts_line(store, part, quantity=2000)
    repair.reserve_line(line)

    with pytest.raises(services.InsufficientStock) as caught:
        repair.issue_to_line(line.id, quantity=1000, actor=clerk, now=NOW)

    assert caught.value.code == "parts.insufficient_stock" and caught.value.field == "quantity"
    assert "在库0.5个" in str(caught.value.message)
    row = fresh(Part, part.id)
    assert (row.on_hand, row.reserved, fresh(type(line), line.id).issued) == (500, 2000, 0)
    assert count(StockMove) == 0


def test_issue_to_line_more_than_the_line_needs_is_refused(ctx, store, clerk):
    part = PartFactory(store=store, on_hand=9000)
    line = parts_line(store, part, quantity=2000, issued=1500)
    with pytest.raises(repair.ExceedsLine) as caught:
        repair.issue_to_line(line.id, quantity=1000, actor=clerk, now=NOW)
    assert caught.value.code == "parts.exceeds_line"
    assert "0.5" in str(caught.value.message)
    assert repair.issue_to_line(line.id, quantity=500, actor=clerk, now=NOW).on_hand_after == 8500


@pytest.mark.parametrize("quantity", [0, -1000])
def test_issue_to_line_needs_a_positive_quantity(ctx, store, clerk, quantity):
    line = parts_line(store, PartFactory(store=store, on_hand=1000))
    with pytest.raises(services.InvalidInput) as caught:
        repair.issue_to_line(line.id, quantity=quantity, actor=clerk, now=NOW)
    assert caught.value.field == "quantity"


def test_issue_to_a_line_of_another_store_is_not_found(ctx, other_store, clerk):
    line = parts_line(other_store, PartFactory(store=other_store, on_hand=1000))
    with pytest.raises(NotFound):
        repair.issue_to_line(line.id, quantity=1000, actor=clerk, now=NOW)
    with pytest.raises(NotFound):
        repair.issue_to_line(999999, quantity=1000, actor=clerk, now=NOW)


# -- returns -----------------------------------------------------------------------------------

def test_return_from_line_puts_unused_parts_back(ctx, store, clerk):
    part = PartFactory(store=store, on_hand=3000)
    line = parts_line(store, part, quantity=3000)
    repair.issue_to_line(line.id, quantity=3000, actor=clerk, now=NOW)

    move = repair.return_from_line(line.id, quantity=1000, actor=clerk, now=LATER)

    assert fresh(Part, part.id).on_hand == 1000
    assert fresh(type(line), line.id).issued == 2000
    assert (move.kind, move.quantity, move.on_hand_after, move.line_id) == ("return", 1000, 1000, line.id)
    assert len(audit_entries("stock_returned")) == 1


def test_return_from_line_more_than_issued_is_refused(ctx, store, clerk):
    line = parts_line(store, PartFactory(store=store), quantity=2000, issued=1000)
    with pytest.raises(repair.ExceedsIssued) as caught:
        repair.return_from_line(line.id, quantity=1500, actor=clerk, now=NOW)
    assert caught.value.code == "parts.exceeds_issued"
    with pytest.raises(services.InvalidInput):
        repair.return_from_line(line.id, quantity=0, actor=clerk, now=NOW)


@pytest.mark.parametrize("state", ["settled", "delivered"])
def test_return_from_line_of_a_settled_order_is_refused(ctx, store, clerk, state):
    part = PartFactory(store=store)
    line = parts_line(store, part, state=state, issued=1000)
    with pytest.raises(repair.OrderClosed) as caught:
        repair.return_from_line(line.id, quantity=1000, actor=clerk, now=NOW)
    assert caught.value.code == "parts.order_closed"
    assert fresh(Part, part.id).on_hand == 0


def test_return_from_line_of_a_cancelled_order_is_allowed(ctx, store, clerk):
    part = PartFactory(store=store)
    line = parts_line(store, part, state="cancelled", issued=1000)
    assert repair.return_from_line(line.id, quantity=1000, actor=clerk, now=NOW).on_hand_after == 1000


def test_ledger_balances_follow_every_move(ctx, store, clerk):
    part = PartFactory(store=store)
    line = parts_line(store, part, quantity=4000)
    services.receive_stock(part.id, quantity=10000, unit_cost_fen=4000, reference="DN1", actor=clerk, now=NOW)
    repair.issue_to_line(line.id, quantity=4000, actor=clerk, now=NOW)
    repair.return_from_line(line.id, quantity=1000, actor=clerk, now=NOW)
    services.adjust_stock(part.id, quantity=-500, reason="破损", actor=clerk, now=NOW)

    history = moves(part)
    assert [(m.kind, m.quantity, m.on_hand_after) for m in history] == [
        ("receipt", 10000, 10000), ("issue", -4000, 6000), ("return", 1000, 7000), ("adjustment", -500, 6500)]
    assert sum(m.quantity for m in history) == fresh(Part, part.id).on_hand == 6500


# -- what the clerk sees -----------------------------------------------------------------------

def test_ledger_is_newest_first_with_order_numbers_and_pages(ctx, store, clerk):
    part = PartFactory(store=store, on_hand=5000)
    line = parts_line(store, part, quantity=1000)
    repair.issue_to_line(line.id, quantity=1000, actor=clerk, now=NOW)
    for n in range(3):
        services.receive_stock(part.id, quantity=1000, unit_cost_fen=1, reference=f"DN{n}", actor=clerk,
                               now=NOW)

    page = services.ledger(part.id, actor=clerk, page=1, per_page=2)

    assert [m.reference for m in page.moves.items] == ["DN2", "DN1"]
    assert page.moves.total == 4
    last = services.ledger(part.id, actor=clerk, page=2, per_page=2)
    assert last.moves.items[-1].kind == "issue"
    assert last.order_numbers == {line.order_id: line.job.order.number}


def test_ledger_of_another_stores_part_is_not_found(ctx, other_store, clerk):
    with pytest.raises(NotFound):
        services.ledger(PartFactory(store=other_store).id, actor=clerk)


def test_low_stock_lists_none_on_hand_first_then_shortages_then_parts_at_or_below_their_level(
        ctx, store, other_store, clerk, group):
    short = PartFactory(store=store, part_number="S1", on_hand=1000, reserved=3000)
    at_level = PartFactory(store=store, part_number="L1", on_hand=5000, reserved=1000, reorder_level=4000)
    below = PartFactory(store=store, part_number="L2", on_hand=0, reorder_level=2000)
    PartFactory(store=store, part_number="OK1", on_hand=5000, reserved=1000, reorder_level=3999)
    PartFactory(store=store, part_number="NOLEVEL", on_hand=0, reorder_level=0)
    PartFactory(store=store, part_number="OLD", on_hand=0, reorder_level=2000, active=False)
    elsewhere = PartFactory(store=other_store, part_number="G1", on_hand=0, reorder_level=1000)

    assert services.low_stock(actor=clerk) == [below, short, at_level]
    assert elsewhere in services.low_stock(actor=group)


def test_low_stock_puts_an_empty_shelf_before_a_part_merely_low(ctx, store, clerk):
    """Issue 12: a part at zero on hand stops the next job; a deeper shortage on paper still has stock."""
    short = PartFactory(store=store, part_number="A1", on_hand=1000, reserved=9000)
    empty_short = PartFactory(store=store, part_number="Z1", on_hand=0, reserved=1000)
    low = PartFactory(store=store, part_number="B1", on_hand=500, reorder_level=5000)
    empty = PartFactory(store=store, part_number="Z2", on_hand=0, reorder_level=1000)

    assert services.low_stock(actor=clerk) == [empty_short, empty, short, low]


def test_issue_queue_lists_what_is_left_to_issue_on_approved_jobs_in_the_workshop(ctx, store, other_store,
                                                                                   clerk):
    part = PartFactory(store=store, on_hand=9000)
    due = parts_line(store, part, quantity=2000, issued=500, state="in_progress")
    parts_line(store, part, quantity=1000, issued=1000)  # done
    parts_line(store, part, state="estimated")
    parts_line(store, part, approval="pending")
    parts_line(store, part, state="ready")
    parts_line(store, None, kind="labor", quantity=None)
    parts_line(other_store, PartFactory(store=other_store))

    [item] = queries.issue_queue(actor=clerk)

    assert (item.line, item.part, item.outstanding) == (due, part, 1500)
    assert item.order.number == due.job.order.number and item.plate == due.job.order.vehicle.plate


def test_issue_queue_shows_the_most_urgent_promise_first(ctx, store, clerk):
    part = PartFactory(store=store, on_hand=9000)
    later = parts_line(store, part)
    sooner = parts_line(store, part)
    unpromised = parts_line(store, part)
    later.job.order.promised_at = NOW + timedelta(hours=5)
    sooner.job.order.promised_at = NOW + timedelta(hours=1)
    db.session.flush()

    assert [i.line for i in queries.issue_queue(actor=clerk)] == [sooner, later, unpromised]


def test_open_lines_lists_lines_holding_or_having_taken_the_part_until_settled(ctx, store, clerk):
    part = PartFactory(store=store, on_hand=9000)
    holding = parts_line(store, part, quantity=1000, reserved=1000)
    taken = parts_line(store, part, quantity=1000, issued=1000, state="cancelled")
    parts_line(store, part, quantity=1000, issued=1000, state="settled")
    parts_line(store, part, quantity=1000)  # nothing reserved or issued

    assert [i.line for i in queries.open_lines(part.id, actor=clerk)] == [holding, taken]
