"""Stock (库存): the ledger of receipts, issues, returns and adjustments, and the primitives others build on.

Stock changes only through the ledger: every receipt (入库), issue (出库), return (退料) and adjustment
(盘点调整) writes a StockMove with the balance after it and an audit entry, in the same transaction.
The database settles races: a decrease is one conditional UPDATE (`... WHERE on_hand >= :quantity`),
never a read in Python followed by a write.

Parts knows nothing of repair orders. The repair module issues parts to its lines, takes them back and
reserves them (`dealer.repair.services.parts_counter`) with the primitives here, which never commit:
`change_on_hand`, `change_reserved`, `record_move`, `check_quantity`, `insufficient_stock`. Locks are taken
in one order everywhere: the repair order (shared), the repair line, then the part.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination

from dealer import audit
from dealer.actors import Actor
from dealer.extensions import db
from dealer.parts import signals
from dealer.parts.errors import InsufficientStock, InvalidInput
from dealer.parts.models import ADJUSTMENT, RECEIPT, Part, StockMove
from dealer.parts.services.catalogue import MAX_FEN, MAX_QUANTITY, _whole, get_part, qty
from dealer.signals import values_from


@dataclass
class LedgerPage:
    moves: Pagination
    order_numbers: dict[int, str]


def ledger(part_id: int, *, actor: Actor, page: int = 1, per_page: int = 50) -> LedgerPage:
    """Return a page of a part's stock moves, newest first, with the numbers of the orders they name.

    The numbers come from the modules that know the orders (`signals.name_orders`).
    """
    part = get_part(part_id, actor=actor)
    stmt = (sa.select(StockMove).where(StockMove.store_id == part.store_id, StockMove.part_id == part.id)
            .order_by(StockMove.id.desc()))
    moves = db.paginate(stmt, page=page, per_page=per_page, error_out=False)
    order_ids = {m.order_id for m in moves.items if m.order_id is not None}
    numbers: dict[int, str] = {}
    if order_ids:
        for named in values_from(signals.name_orders, part, order_ids=order_ids):
            numbers.update(named or {})
    return LedgerPage(moves, numbers)


# -- the primitives (never commit) -----------------------------------------------------------

def check_quantity(quantity, field: str = "quantity") -> int:
    """Return a quantity of thousandths that is a whole number above zero. Raises InvalidInput."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 < quantity <= MAX_QUANTITY:
        raise InvalidInput(_l("Enter a quantity greater than zero."), field=field)
    return quantity


def forget_stock(part_id: int) -> None:
    """Expire the part's stock figures in the session: an UPDATE statement changed them in the database."""
    part = db.session.identity_map.get(db.session.identity_key(Part, part_id))
    if part is not None:
        db.session.expire(part, ["on_hand", "reserved", "cost_fen", "updated_at"])


def change_on_hand(part: Part, change: int, *, release: int = 0, cost_fen: int | None = None) -> int | None:
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
    forget_stock(part.id)
    return after


def insufficient_stock(part: Part, wanted: int) -> InsufficientStock:
    """Return the error naming what is on hand when `wanted` could not be taken."""
    return InsufficientStock(
        _l("Not enough %(name)s (%(number)s) in stock: %(on_hand)s %(unit)s on hand, %(wanted)s wanted.",
           name=part.name, number=part.part_number, on_hand=qty(part.on_hand), unit=part.unit,
           wanted=qty(wanted)), field="quantity")


def record_move(part: Part, kind: str, quantity: int, on_hand_after: int, *, actor: Actor, now: datetime,
                action: str, **details) -> StockMove:
    """Write a line of the ledger with the balance after it, and its audit entry (`action`)."""
    move = StockMove(store_id=part.store_id, part_id=part.id, kind=kind, quantity=quantity,
                     on_hand_after=on_hand_after, actor_id=actor.user_id, actor_name=actor.name,
                     created_at=now, **details)
    db.session.add(move)
    db.session.flush()
    audit.record(action, part, actor=actor, changes={
        "move_id": move.id, "quantity": quantity, "on_hand_after": on_hand_after,
        **{k: v for k, v in details.items() if v not in (None, "")}})
    return move


def change_reserved(part_id: int, change: int, *, store_id: int) -> None:
    """Add `change` to what is reserved of a part (预留), never below zero, in one UPDATE."""
    reserved = Part.reserved + change if change > 0 else sa.case(
        (Part.reserved > -change, Part.reserved + change), else_=0)
    db.session.execute(sa.update(Part).where(Part.store_id == store_id, Part.id == part_id)
                       .values(reserved=reserved).execution_options(synchronize_session=False))
    forget_stock(part_id)


# -- receipts and adjustments ------------------------------------------------------------------

def receive_stock(part_id: int, *, quantity: int, unit_cost_fen: int, reference: str, actor: Actor,
                  now: datetime) -> StockMove:
    """Book a delivery from the maker into stock (入库), at its unit cost, against its delivery note.

    The part's catalogue cost becomes the latest unit cost. Raises NotFound, InvalidInput.
    """
    part = get_part(part_id, actor=actor)
    check_quantity(quantity)
    _whole(unit_cost_fen, "unit_cost_fen", MAX_FEN, _l("Enter a unit cost of zero or more."))
    reference = (reference or "").strip()
    if not reference or len(reference) > 60:
        raise InvalidInput(_l("Enter the delivery note number (at most 60 characters)."), field="reference")
    after = change_on_hand(part, quantity, cost_fen=unit_cost_fen)
    move = record_move(part, RECEIPT, quantity, after, actor=actor, now=now, action="stock_received",
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
    after = change_on_hand(part, quantity)
    if after is None:
        raise insufficient_stock(part, -quantity)
    move = record_move(part, ADJUSTMENT, quantity, after, actor=actor, now=now, action="stock_adjusted",
                        reason=reason)
    db.session.commit()
    return move
