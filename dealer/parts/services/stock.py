"""Stock (库存): the ledger of receipts, issues, returns and adjustments, and reservations for repair orders.

Stock changes only through the ledger: every receipt (入库), issue (出库), return (退料) and adjustment
(盘点调整) writes a StockMove with the balance after it and an audit entry, in the same transaction.
The database settles races: a decrease is one conditional UPDATE (`... WHERE on_hand >= :quantity`),
never a read in Python followed by a write.

Locks are taken in one order everywhere: the repair order (shared), the repair line, then the part.
The repair module calls `reserve_line` and `release_line` inside its own transaction, after it has
locked the order; they never commit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination

from dealer import audit
from dealer.actors import Actor
from dealer.customers.models import Vehicle
from dealer.database import get_for_update
from dealer.errors import DomainError, NotFound
from dealer.extensions import db
from dealer.parts.models import ADJUSTMENT, ISSUE, RECEIPT, RETURN, Part, StockMove
from dealer.parts.services.catalogue import MAX_FEN, MAX_QUANTITY, InvalidInput, _whole, get_part, qty
from dealer.repair.models import (APPROVED, DELIVERED, IN_PROGRESS, JOB_APPROVED, PARTS, QUALITY_CHECK,
                                  SETTLED, RepairJob, RepairLine, RepairOrder)
from dealer.stores.services import sees_store, visible_store_ids

# Orders whose approved jobs take parts from stock; settled and delivered orders give none back.
ISSUE_STATES = (APPROVED, IN_PROGRESS, QUALITY_CHECK)
CLOSED_STATES = (SETTLED, DELIVERED)


class InsufficientStock(DomainError):
    code = "parts.insufficient_stock"


class NotAPartsLine(DomainError):
    code = "parts.not_a_parts_line"

    def default_message(self):
        return _l("This line is labor or names no part of the catalogue: there is nothing to issue.")


class JobNotApproved(DomainError):
    code = "parts.job_not_approved"

    def default_message(self):
        return _l("The owner has not approved this job: its parts cannot be issued yet.")


class OrderNotInWorkshop(DomainError):
    code = "parts.order_not_in_workshop"

    def default_message(self):
        return _l("Parts are issued only to orders that are approved, in progress or in quality check.")


class ExceedsLine(DomainError):
    code = "parts.exceeds_line"


class ExceedsIssued(DomainError):
    code = "parts.exceeds_issued"


class OrderClosed(DomainError):
    code = "parts.order_closed"

    def default_message(self):
        return _l("The order is settled or delivered: its parts can no longer be returned to stock.")


@dataclass
class LineView:
    """A parts line with what the parts clerk needs beside it: order, job, plate, part."""

    line: RepairLine
    job: RepairJob
    order: RepairOrder
    plate: str
    part: Part

    @property
    def outstanding(self) -> int:
        return (self.line.quantity or 0) - self.line.issued


@dataclass
class LedgerPage:
    moves: Pagination
    order_numbers: dict[int, str]


def ledger(part_id: int, *, actor: Actor, page: int = 1, per_page: int = 50) -> LedgerPage:
    """Return a page of a part's stock moves, newest first, with the numbers of the orders they name."""
    part = get_part(part_id, actor=actor)
    stmt = (sa.select(StockMove).where(StockMove.store_id == part.store_id, StockMove.part_id == part.id)
            .order_by(StockMove.id.desc()))
    moves = db.paginate(stmt, page=page, per_page=per_page, error_out=False)
    order_ids = {m.order_id for m in moves.items if m.order_id is not None}
    numbers = dict(db.session.execute(sa.select(RepairOrder.id, RepairOrder.number).where(
        RepairOrder.store_id == part.store_id, RepairOrder.id.in_(order_ids))).all()) if order_ids else {}
    return LedgerPage(moves, numbers)


def _line_views(*conditions, limit: int) -> list[LineView]:
    stmt = (sa.select(RepairLine, RepairJob, RepairOrder, Vehicle.plate, Part)
            .join(RepairJob, RepairJob.id == RepairLine.job_id)
            .join(RepairOrder, RepairOrder.id == RepairLine.order_id)
            .join(Vehicle, Vehicle.id == RepairOrder.vehicle_id)
            .join(Part, Part.id == RepairLine.part_id)
            .where(RepairLine.kind == PARTS, *conditions)
            .order_by(RepairOrder.promised_at.asc().nulls_last(), RepairOrder.opened_at, RepairOrder.id,
                      RepairJob.position, RepairLine.id)
            .limit(limit))
    return [LineView(*row) for row in db.session.execute(stmt)]


def issue_queue(*, actor: Actor, limit: int = 500) -> list[LineView]:
    """Return what the parts clerk must hand out: parts lines of approved jobs not yet fully issued.

    Only orders approved, in progress or in quality check; the most urgent promise first.
    """
    stores = visible_store_ids(actor)
    return _line_views(RepairOrder.store_id.in_(stores), RepairLine.store_id.in_(stores),
                       RepairOrder.state.in_(ISSUE_STATES), RepairJob.approval == JOB_APPROVED,
                       RepairLine.issued < RepairLine.quantity, limit=limit)


def open_lines(part_id: int, *, actor: Actor, limit: int = 200) -> list[LineView]:
    """Return the lines holding or having taken this part on orders not yet settled (to return from)."""
    part = get_part(part_id, actor=actor)
    return _line_views(RepairLine.store_id == part.store_id, RepairLine.part_id == part.id,
                       RepairOrder.state.not_in(CLOSED_STATES),
                       sa.or_(RepairLine.issued > 0, RepairLine.reserved > 0), limit=limit)


# -- stock: the ledger -------------------------------------------------------------------------

def _check_quantity(quantity, field: str = "quantity") -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 < quantity <= MAX_QUANTITY:
        raise InvalidInput(_l("Enter a quantity greater than zero."), field=field)
    return quantity


def _forget_stock(part_id: int) -> None:
    """Expire the part's stock figures in the session: an UPDATE statement changed them in the database."""
    part = db.session.identity_map.get(db.session.identity_key(Part, part_id))
    if part is not None:
        db.session.expire(part, ["on_hand", "reserved", "cost_fen", "updated_at"])


def _change_on_hand(part: Part, change: int, *, release: int = 0, cost_fen: int | None = None) -> int | None:
    """Add `change` to the part's stock in one UPDATE, a decrease only if that much is on hand.

    `release` comes off the reservation at the same time. Return the balance after the change, or None
    when there was not enough on hand and nothing changed.
    """
    values = {"on_hand": Part.on_hand + change}
    if release:
        values["reserved"] = sa.case((Part.reserved > release, Part.reserved - release), else_=0)
    if cost_fen is not None:
        values["cost_fen"] = cost_fen
    # The store names the shard the row lives on, in a deployment distributed by store_id.
    stmt = sa.update(Part).where(Part.store_id == part.store_id, Part.id == part.id)
    if change < 0:
        stmt = stmt.where(Part.on_hand >= -change)
    stmt = stmt.values(values).returning(Part.on_hand).execution_options(synchronize_session=False)
    after = db.session.execute(stmt).scalar_one_or_none()
    _forget_stock(part.id)
    return after


def _not_enough(part: Part, wanted: int) -> InsufficientStock:
    return InsufficientStock(
        _l("Not enough %(name)s (%(number)s) in stock: %(on_hand)s %(unit)s on hand, %(wanted)s wanted.",
           name=part.name, number=part.part_number, on_hand=qty(part.on_hand), unit=part.unit,
           wanted=qty(wanted)), field="quantity")


def _record_move(part: Part, kind: str, quantity: int, on_hand_after: int, *, actor: Actor, now: datetime,
                 action: str, **details) -> StockMove:
    move = StockMove(store_id=part.store_id, part_id=part.id, kind=kind, quantity=quantity,
                     on_hand_after=on_hand_after, actor_id=actor.user_id, actor_name=actor.name,
                     created_at=now, **details)
    db.session.add(move)
    db.session.flush()
    audit.record(action, part, actor=actor, changes={
        "move_id": move.id, "quantity": quantity, "on_hand_after": on_hand_after,
        **{k: v for k, v in details.items() if v not in (None, "")}})
    return move


def receive_stock(part_id: int, *, quantity: int, unit_cost_fen: int, reference: str, actor: Actor,
                  now: datetime) -> StockMove:
    """Book a delivery from the maker into stock (入库), at its unit cost, against its delivery note.

    The part's catalogue cost becomes the latest unit cost. Raises NotFound, InvalidInput.
    """
    part = get_part(part_id, actor=actor)
    _check_quantity(quantity)
    _whole(unit_cost_fen, "unit_cost_fen", MAX_FEN, _l("Enter a unit cost of zero or more."))
    reference = (reference or "").strip()
    if not reference or len(reference) > 60:
        raise InvalidInput(_l("Enter the delivery note number (at most 60 characters)."), field="reference")
    after = _change_on_hand(part, quantity, cost_fen=unit_cost_fen)
    move = _record_move(part, RECEIPT, quantity, after, actor=actor, now=now, action="stock_received",
                        unit_cost_fen=unit_cost_fen, reference=reference)
    db.session.commit()
    return move


def adjust_stock(part_id: int, *, quantity: int, reason: str, actor: Actor, now: datetime) -> StockMove:
    """Correct the stock after a count or for damage (盘点调整): a signed change with a reason.

    Raises NotFound, InvalidInput, InsufficientStock (stock never goes below zero).
    """
    part = get_part(part_id, actor=actor)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 < abs(quantity) <= MAX_QUANTITY:
        raise InvalidInput(_l("Enter the change in stock: more than zero to add, less than zero to remove."),
                           field="quantity")
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        raise InvalidInput(_l("Say why the stock is adjusted (at most 200 characters)."), field="reason")
    after = _change_on_hand(part, quantity)
    if after is None:
        raise _not_enough(part, -quantity)
    move = _record_move(part, ADJUSTMENT, quantity, after, actor=actor, now=now, action="stock_adjusted",
                        reason=reason)
    db.session.commit()
    return move


def _lock_line(line_id: int, actor: Actor) -> tuple[RepairOrder, RepairLine]:
    """Return a parts line the actor may see and its order, locked in the module's order: order, then line.

    Raises NotFound, NotAPartsLine. The order is share-locked (its state cannot change under us); the
    line is locked for update and read after the lock.
    """
    line = db.session.get(RepairLine, line_id)
    if line is None or not sees_store(actor, line.store_id):
        raise NotFound()
    order = db.session.scalars(
        sa.select(RepairOrder).where(RepairOrder.id == line.order_id).with_for_update(read=True)
        .execution_options(populate_existing=True)).one()
    line = get_for_update(RepairLine, line_id)
    if line.kind != PARTS or line.part_id is None:
        raise NotAPartsLine()
    return order, line


def issue_to_line(line_id: int, *, quantity: int, actor: Actor, now: datetime) -> StockMove:
    """Hand parts to the workshop for a line of an approved job (出库), using up its reservation first.

    Raises NotFound, NotAPartsLine, JobNotApproved, OrderNotInWorkshop, InvalidInput, ExceedsLine,
    InsufficientStock (also when another clerk took the last unit a moment before).
    """
    order, line = _lock_line(line_id, actor)
    if line.job.approval != JOB_APPROVED:
        raise JobNotApproved()
    if order.state not in ISSUE_STATES:
        raise OrderNotInWorkshop()
    _check_quantity(quantity)
    outstanding = (line.quantity or 0) - line.issued
    if quantity > outstanding:
        raise ExceedsLine(_l("This line needs %(left)s %(unit)s more; %(wanted)s cannot be issued to it.",
                             left=qty(max(outstanding, 0)), unit=line.part.unit, wanted=qty(quantity)),
                          field="quantity")
    part = line.part
    released = min(line.reserved, quantity)
    after = _change_on_hand(part, -quantity, release=released)
    if after is None:
        raise _not_enough(part, quantity)
    line.issued += quantity
    line.reserved -= released
    move = _record_move(part, ISSUE, -quantity, after, actor=actor, now=now, action="stock_issued",
                        unit_cost_fen=part.cost_fen, order_id=order.id, line_id=line.id)
    db.session.commit()
    return move


def return_from_line(line_id: int, *, quantity: int, actor: Actor, now: datetime) -> StockMove:
    """Take unused parts back from a line into stock (退料), until the order is settled or delivered.

    The line keeps needing what it was not given: the returned parts are not reserved again.
    Raises NotFound, NotAPartsLine, OrderClosed, InvalidInput, ExceedsIssued.
    """
    order, line = _lock_line(line_id, actor)
    if order.state in CLOSED_STATES:
        raise OrderClosed()
    _check_quantity(quantity)
    if quantity > line.issued:
        raise ExceedsIssued(
            _l("Only %(issued)s %(unit)s were issued to this line; %(wanted)s cannot come back.",
               issued=qty(line.issued), unit=line.part.unit, wanted=qty(quantity)), field="quantity")
    part = line.part
    after = _change_on_hand(part, quantity)
    line.issued -= quantity
    move = _record_move(part, RETURN, quantity, after, actor=actor, now=now, action="stock_returned",
                        unit_cost_fen=part.cost_fen, order_id=order.id, line_id=line.id)
    db.session.commit()
    return move


# -- reservations, for the repair module (never commit) ------------------------------------------

def _lock_for_reservation(line: RepairLine) -> None:
    # The caller's pending changes (a new line, a new quantity) are flushed first, then the line is
    # read again under its lock, so two transactions never reserve the same shortfall twice.
    db.session.flush()
    db.session.refresh(line, with_for_update=True)


def _change_reserved(line: RepairLine, change: int) -> None:
    reserved = Part.reserved + change if change > 0 else sa.case(
        (Part.reserved > -change, Part.reserved + change), else_=0)
    db.session.execute(sa.update(Part).where(Part.store_id == line.store_id, Part.id == line.part_id)
                       .values(reserved=reserved).execution_options(synchronize_session=False))
    _forget_stock(line.part_id)


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
        _change_reserved(line, change)
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
        _change_reserved(line, -line.reserved)
        line.reserved = 0
        db.session.flush()
