"""The parts catalogue (配件目录): part numbers, prices, bins, reorder levels; search and the low-stock list."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination

from dealer import audit, money
from dealer.actors import Actor
from dealer.database import prefix_range, unique_violation
from dealer.errors import NotFound
from dealer.extensions import db
from dealer.inputs import searchable
from dealer.parts.errors import InvalidInput, PartNumberTaken
from dealer.parts.models import Part
from dealer.stores.services import narrowed_store_ids, require_store, sees_store

MAX_FEN = 2**31 - 1  # the money columns of parts are 32-bit integers
MAX_QUANTITY = 10**12  # thousandths: a billion units, far beyond any stock
_PART_NUMBER = re.compile(r"[A-Z0-9][A-Z0-9./_-]*")


@dataclass
class PartInput:
    part_number: str
    name: str
    price_fen: int
    cost_fen: int = 0
    unit: str = "个"
    genuine: bool = True  # 原厂件 unless marked aftermarket (副厂件)
    bin_location: str = ""
    reorder_level: int = 0  # thousandths
    active: bool = True


def qty(value: int) -> str:
    """Format thousandths of a unit for a message: 4500 -> '4.5'."""
    return money.scaled(value, money.QUANTITY_SCALE)


# -- store scope -------------------------------------------------------------------------------

def _check_store(actor: Actor, store_id: int) -> None:
    require_store(actor, store_id, invalid=InvalidInput)


def get_part(part_id: int, *, actor: Actor) -> Part:
    """Return a part the actor may see. Raises NotFound."""
    part = db.session.get(Part, part_id)
    if part is None or not sees_store(actor, part.store_id):
        raise NotFound()
    return part


# -- the catalogue -----------------------------------------------------------------------------

def normalize_part_number(value: str) -> str:
    """Return an OEM part number in upper case without spaces ('06j 115 403 q' -> '06J115403Q')."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or "")).upper()


def _whole(value, field: str, upper: int, message) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= upper:
        raise InvalidInput(message, field=field)
    return value


def _clean_part(data: PartInput) -> dict:
    values = asdict(data)
    number = normalize_part_number(data.part_number)
    if not number:
        raise InvalidInput(_l("Enter the maker's part number."), field="part_number")
    if len(number) > 40 or not _PART_NUMBER.fullmatch(number):
        raise InvalidInput(_l("A part number has at most 40 letters, digits and - . / _ characters."),
                           field="part_number")
    values["part_number"] = number
    values["name"] = re.sub(r"\s+", " ", data.name or "").strip()
    if not values["name"] or len(values["name"]) > 40:
        raise InvalidInput(_l("Enter the part's name (at most 40 characters)."), field="name")
    values["unit"] = (data.unit or "").strip()
    if not values["unit"] or len(values["unit"]) > 10:
        raise InvalidInput(_l("Enter the unit the part is counted in (个, 套, L...)."), field="unit")
    values["bin_location"] = (data.bin_location or "").strip().upper()
    if len(values["bin_location"]) > 20:
        raise InvalidInput(_l("A bin location has at most 20 characters."), field="bin_location")
    _whole(data.price_fen, "price_fen", MAX_FEN, _l("Enter a price of zero or more."))
    _whole(data.cost_fen, "cost_fen", MAX_FEN, _l("Enter a cost of zero or more."))
    _whole(data.reorder_level, "reorder_level", MAX_QUANTITY, _l("Enter a reorder level of zero or more."))
    values["genuine"], values["active"] = bool(data.genuine), bool(data.active)
    return values


def _save_part(part: Part, values: dict) -> None:
    # Changed inside the SAVEPOINT, as customers.services._save_customer explains.
    try:
        with db.session.begin_nested():
            db.session.add(part)
            for key, value in values.items():
                setattr(part, key, value)
    except sa.exc.IntegrityError as error:
        if unique_violation(error, "parts", "store_id", "part_number"):
            raise PartNumberTaken(field="part_number") from None
        raise


def create_part(data: PartInput, *, store_id: int, actor: Actor, now: datetime) -> Part:
    """Add a part to a store's catalogue, with no stock (stock comes in through receipts).

    Raises Forbidden, InvalidInput, PartNumberTaken (also when two clerks create it at once).
    """
    _check_store(actor, store_id)
    values = _clean_part(data)
    part = Part(store_id=store_id, on_hand=0, reserved=0, created_at=now, updated_at=now)
    _save_part(part, values)
    audit.record("part_created", part, actor=actor, changes={k: values[k] for k in (
        "part_number", "name", "price_fen", "cost_fen", "genuine")})
    db.session.commit()
    return part


def update_part(part_id: int, data: PartInput, *, actor: Actor, now: datetime) -> Part:
    """Change a part's catalogue details (never its stock). Raises NotFound, InvalidInput, PartNumberTaken."""
    part = get_part(part_id, actor=actor)
    values = _clean_part(data)
    changes = audit.diff(part, values)
    _save_part(part, {**values, "updated_at": now} if changes else values)
    if changes:
        audit.record("part_updated", part, actor=actor, changes=changes)
    db.session.commit()
    return part


def list_parts(*, actor: Actor, page: int = 1, per_page: int = 50, store_ids: list[int] | None = None) -> Pagination:
    """Return a page of the catalogue in part-number order."""
    stmt = (sa.select(Part).where(Part.store_id.in_(narrowed_store_ids(actor, store_ids)))
            .order_by(Part.store_id, Part.part_number))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def _contains(text: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", text) + "%"


def search_parts(query: str, *, actor: Actor, limit: int = 50, store_ids: list[int] | None = None) -> list[Part]:
    """Find parts by the start of the part number, or the start of (then a word inside) the name.

    Part-number and name prefixes are range scans on (store_id, part_number) and (store_id, name);
    names that merely contain the text are looked for only when the prefixes leave room. Names are
    matched as typed (full-width brackets stay full-width); part numbers are normalised first.
    """
    raw = re.sub(r"\s+", " ", query or "").strip()
    # A NUL byte or a control character matches nothing, and never reaches SQL.
    if not raw or not searchable(raw):
        return []
    stores = narrowed_store_ids(actor, store_ids)
    number = normalize_part_number(raw)
    found: dict[int, Part] = {}

    def add(condition, order) -> None:
        if len(found) < limit:
            stmt = sa.select(Part).where(Part.store_id.in_(stores), condition).order_by(*order).limit(limit)
            for part in db.session.scalars(stmt):
                found.setdefault(part.id, part)

    add(Part.part_number == number, (Part.store_id,))
    add(prefix_range(Part.part_number, number), (Part.part_number, Part.store_id))
    add(prefix_range(Part.name, raw), (Part.name, Part.store_id))
    add(Part.name.like(_contains(raw), escape="\\"), (Part.name, Part.store_id))
    return list(found.values())[:limit]


def low_stock(*, actor: Actor, limit: int = 500, store_ids: list[int] | None = None) -> list[Part]:
    """Return the active parts to reorder: none on the shelf first, then shortages, then those at or below their reorder level.

    Available = on hand - reserved. A shortage (available below zero: more promised to approved jobs
    than is on the shelf) is listed for every part; a part with no reorder level is listed only then.
    A part with nothing on hand comes first whatever its level: the next job that needs it stops.
    """
    available = Part.on_hand - Part.reserved
    stmt = (sa.select(Part)
            .where(Part.store_id.in_(narrowed_store_ids(actor, store_ids)), Part.active,
                   sa.or_(available < 0, sa.and_(Part.reorder_level > 0, available <= Part.reorder_level)))
            .order_by(sa.case((Part.on_hand == 0, 0), else_=1), sa.case((available < 0, 0), else_=1),
                      available - Part.reorder_level, Part.part_number)
            .limit(limit))
    return list(db.session.scalars(stmt))
