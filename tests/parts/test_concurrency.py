"""Two parts clerks at once, on PostgreSQL: the database settles the race, one connection per thread."""

import pytest
import sqlalchemy as sa

from dealer.extensions import db
from dealer.parts import services
from dealer.parts.models import Part, StockMove
from dealer.parts.services import PartInput
from dealer.repair import services as repair
from dealer.repair.models import RepairLine
from tests.concurrency import at_once
from tests.factories import (
    PartFactory,
    RepairJobFactory,
    RepairLineFactory,
    RepairOrderFactory,
    StoreFactory,
    UserFactory,
)
from tests.helpers import NOW, actor, count

pytestmark = pytest.mark.postgres_only


@pytest.fixture()
def counter(shared_db):
    """A committed store with two parts clerks."""
    store = StoreFactory(code="SZ01")
    first = UserFactory(username="parts-1", roles=["parts_clerk"], store=store)
    second = UserFactory(username="parts-2", roles=["parts_clerk"], store=store)
    db.session.commit()
    return store, actor(first), actor(second)


def parts_line(store, part, **extra) -> RepairLine:
    job = RepairJobFactory(order=RepairOrderFactory(store=store, state="in_progress"))
    return RepairLineFactory(job=job, part=part, **extra)


def test_issue_the_last_unit_to_two_lines_at_once_one_wins(app, counter):
    store, first, second = counter
    part = PartFactory(store=store, on_hand=1000)
    lines = [parts_line(store, part, quantity=1000) for _ in range(2)]
    db.session.commit()
    part_id, line_ids = part.id, [line.id for line in lines]
    db.session.remove()

    def issue(who, line_id):
        return lambda: repair.issue_to_line(line_id, quantity=1000, actor=who, now=NOW).id

    results = at_once(app, issue(first, line_ids[0]), issue(second, line_ids[1]))

    winners = [r for r in results if isinstance(r, int)]
    losers = [r for r in results if isinstance(r, services.InsufficientStock)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert losers[0].code == "parts.insufficient_stock"
    assert db.session.get(Part, part_id).on_hand == 0
    assert count(StockMove, StockMove.part_id == part_id, StockMove.kind == "issue") == 1
    issued = db.session.scalars(sa.select(RepairLine.issued).where(RepairLine.id.in_(line_ids))).all()
    assert sorted(issued) == [0, 1000]


def test_issue_the_last_units_while_another_clerk_writes_off_damage_stock_never_goes_below_zero(app, counter):
    store, first, second = counter
    part = PartFactory(store=store, on_hand=2000)
    line = parts_line(store, part, quantity=2000)
    db.session.commit()
    part_id, line_id = part.id, line.id
    db.session.remove()

    def issue():
        return repair.issue_to_line(line_id, quantity=2000, actor=first, now=NOW).on_hand_after

    def write_off():
        move = services.adjust_stock(part_id, quantity=-1000, reason="破损", actor=second, now=NOW)
        return move.on_hand_after

    results = at_once(app, issue, write_off)

    assert sum(isinstance(r, services.InsufficientStock) for r in results) == 1, results
    on_hand = db.session.get(Part, part_id).on_hand
    assert on_hand in (0, 1000)
    moves = db.session.scalars(sa.select(StockMove).where(StockMove.part_id == part_id)).all()
    assert [m.on_hand_after for m in moves] == [on_hand]


def test_reserve_the_same_line_in_two_transactions_at_once_holds_it_once(app, counter):
    store, _first, _second = counter
    part = PartFactory(store=store, on_hand=5000)
    line = parts_line(store, part, quantity=3000)
    db.session.commit()
    part_id, line_id = part.id, line.id
    db.session.remove()

    def reserve():
        repair.reserve_line(db.session.get(RepairLine, line_id))  # as the repair module does, then commits
        db.session.commit()

    results = at_once(app, reserve, reserve)

    assert results == [None, None]
    assert db.session.get(Part, part_id).reserved == 3000
    assert db.session.get(RepairLine, line_id).reserved == 3000


def test_create_the_same_part_number_at_two_counters_at_once_one_wins(app, counter):
    store, first, second = counter
    store_id = store.id
    db.session.remove()

    def create(who, name):
        return lambda: services.create_part(PartInput(part_number="06J115403Q", name=name, price_fen=8800),
                                            store_id=store_id, actor=who, now=NOW).id

    results = at_once(app, create(first, "机油滤清器"), create(second, "机滤"))

    assert sum(isinstance(r, int) for r in results) == 1, results
    [loser] = [r for r in results if not isinstance(r, int)]
    assert isinstance(loser, services.PartNumberTaken) and loser.field == "part_number"
    assert count(Part, Part.part_number == "06J115403Q") == 1
