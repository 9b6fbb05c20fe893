"""The parts counter (配件出库): issuing parts to repair lines, taking them back, reserving them for approved jobs.

Stock itself is the parts module's (its ledger and the conditional decrease, `dealer.parts.services`); what
knows repair orders and lines is here. Locks are taken in one order everywhere: the repair order (shared),
the repair line, then the part. `reserve_line` and `release_line` run inside the workflow's transaction,
after it has locked the order; they never commit.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from dealer.actors import Actor
from dealer.database import get_for_update, refresh_for_update
from dealer.errors import NotFound
from dealer.extensions import db
from dealer.parts import services as stock
from dealer.parts.models import ISSUE, RETURN, StockMove
from dealer.repair.errors import (
    ExceedsIssued,
    ExceedsLine,
    JobNotApproved,
    NotAPartsLine,
    OrderClosed,
    OrderNotInWorkshop,
)
from dealer.repair.models import (
    APPROVED,
    DELIVERED,
    IN_PROGRESS,
    JOB_APPROVED,
    PARTS,
    QUALITY_CHECK,
    SETTLED,
    RepairLine,
    RepairOrder,
)
from dealer.repair.services.common import ORDER_LOCK_LOADS
from dealer.stores.services import sees_store

# Orders whose approved jobs take parts from stock; settled and delivered orders give none back.
ISSUE_STATES = (APPROVED, IN_PROGRESS, QUALITY_CHECK)
CLOSED_STATES = (SETTLED, DELIVERED)


def _lock_line(line_id: int, actor: Actor) -> tuple[RepairOrder, RepairLine]:
    """Return a parts line the actor may see and its order, locked in the module's order: order, then line.

    Raises NotFound, NotAPartsLine. The order is share-locked (its state cannot change under us); the
    line is locked for update and read after the lock.
    """
    line = db.session.get(RepairLine, line_id)
    if line is None or not sees_store(actor, line.store_id):
        raise NotFound()
    order = get_for_update(RepairOrder, line.order_id, options=ORDER_LOCK_LOADS, read=True, store_id=line.store_id)
    line = get_for_update(RepairLine, line_id, options=(joinedload(RepairLine.job, innerjoin=True),
                                                         joinedload(RepairLine.part)))
    if line.kind != PARTS or line.part_id is None:
        raise NotAPartsLine()
    return order, line


def issue_to_line(line_id: int, *, quantity: int, actor: Actor, now: datetime) -> StockMove:
    """Hand parts to the workshop for a line of an approved job (出库), using up its reservation first.

    Raises NotFound, NotAPartsLine, JobNotApproved, OrderNotInWorkshop, InvalidInput, ExceedsLine,
    InsufficientStock (also when another clerk took the last unit a moment before).
    """
    order, line = _lock_line(line_id, actor)
    move = issue_line(order, line, quantity=quantity, actor=actor, now=now)
    db.session.commit()
    return move


def issue_line(order: RepairOrder, line: RepairLine, *, quantity: int, actor: Actor, now: datetime) -> StockMove:
    """Issue parts to a line of a locked order (never commits; see `issue_to_line`): for a service of another
    module that commits with its own change (the quick lane issues the package's parts as the car enters
    its bay). Raises what `issue_to_line` raises."""
    if line.job.approval != JOB_APPROVED:
        raise JobNotApproved()
    if order.state not in ISSUE_STATES:
        raise OrderNotInWorkshop()
    stock.check_quantity(quantity)
    outstanding = (line.quantity or 0) - line.issued
    if quantity > outstanding:
        raise ExceedsLine(_l("This line needs %(left)s %(unit)s more; %(wanted)s cannot be issued to it.",
                             left=stock.qty(max(outstanding, 0)), unit=line.part.unit, wanted=stock.qty(quantity)),
                          field="quantity")
    part = line.part
    released = min(line.reserved, quantity)
    after = stock.change_on_hand(part, -quantity, release=released)
    if after is None:
        raise stock.insufficient_stock(part, quantity)
    line.issued += quantity
    line.reserved -= released
    move = stock.record_move(part, ISSUE, -quantity, after, actor=actor, now=now, action="stock_issued",
                        unit_cost_fen=part.cost_fen, order_id=order.id, line_id=line.id)
    return move


def return_from_line(line_id: int, *, quantity: int, actor: Actor, now: datetime) -> StockMove:
    """Take unused parts back from a line into stock (退料), until the order is settled or delivered.

    The line keeps needing what it was not given: the returned parts are not reserved again.
    Raises NotFound, NotAPartsLine, OrderClosed, InvalidInput, ExceedsIssued.
    """
    order, line = _lock_line(line_id, actor)
    if order.state in CLOSED_STATES:
        raise OrderClosed()
    stock.check_quantity(quantity)
    if quantity > line.issued:
        raise ExceedsIssued(
            _l("Only %(issued)s %(unit)s were issued to this line; %(wanted)s cannot come back.",
               issued=stock.qty(line.issued), unit=line.part.unit, wanted=stock.qty(quantity)), field="quantity")
    part = line.part
    after = stock.change_on_hand(part, quantity)
    line.issued -= quantity
    move = stock.record_move(part, RETURN, quantity, after, actor=actor, now=now, action="stock_returned",
                        unit_cost_fen=part.cost_fen, order_id=order.id, line_id=line.id)
    db.session.commit()
    return move


# -- reservations, for the workflow (never commit) ------------------------------------------------

def _lock_for_reservation(line: RepairLine) -> None:
    # The caller's pending changes (a new line, a new quantity) are flushed first, then the line is
    # read again under its lock, so two transactions never reserve the same shortfall twice.
    db.session.flush()
    refresh_for_update(line)


def reserve_line(line: RepairLine) -> None:
    """Hold in stock what a parts line still needs (预留): part.reserved and line.reserved move together.

    Adds line.quantity - line.issued - line.reserved to both; when the quantity went down, gives the
    excess back instead. A reservation may exceed what is on hand: the shortage shows on the low-stock
    list. No-op for labor lines and lines without a part. Does not commit: call it in your transaction.
    """
    if line.kind != PARTS or line.part_id is None:
        return
    _lock_for_reservation(line)
    change = max((line.quantity or 0) - line.issued, 0) - line.reserved
    if change:
        stock.change_reserved(line.part_id, change, store_id=line.store_id)
        line.reserved += change
        db.session.flush()  # the part's figure is already in the database; the line's joins it


def release_line(line: RepairLine) -> None:
    """Give back a line's whole reservation (the order was cancelled, the job declined, the part changed).

    Does not commit: call it in your transaction, before changing the line's part.
    """
    if line.kind != PARTS or line.part_id is None:
        return
    _lock_for_reservation(line)
    if line.reserved:
        stock.change_reserved(line.part_id, -line.reserved, store_id=line.store_id)
        line.reserved = 0
        db.session.flush()
