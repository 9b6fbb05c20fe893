"""The manager's repair settings: VAT and discount limit, warranty, hourly labor rates, the labor catalogue.

The labor catalogue (工时项目) lists the store's operations with their flat-rate hours (标准工时), which
may differ per model family; the hourly rate (工时单价) is set per labor category. Hours are integer
hundredths, percentages basis points, money integer fen.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import selectinload

from dealer import audit
from dealer.actors import Actor
from dealer.database import prefix_range, unique_violation
from dealer.errors import NotFound
from dealer.extensions import db
from dealer.inputs import searchable
from dealer.repair.errors import InvalidSetting, OperationCodeTaken, RepairError
from dealer.repair.models import (
    LABOR_CATEGORIES,
    LaborOperation,
    LaborOperationHours,
    LaborRate,
    RepairSettings,
)
from dealer.stores.families import families_of
from dealer.stores.models import Store
from dealer.stores.services import require_store, visible_store_ids

MAX_HOURS = 100_000  # hundredths: 1,000 hours, the most a repair line accepts
MAX_RATE_FEN = 10_000_000  # ¥100,000 an hour: anything above is a typing mistake
MAX_TERMS = 2000
_CODE = re.compile(r"[A-Z0-9][A-Z0-9._/-]*")


# -- lookups for the other services ----------------------------------------------------------

def settings_for(store_id: int) -> RepairSettings:
    """Return the store's repair settings (the defaults, unsaved, when it has none)."""
    settings = db.session.get(RepairSettings, store_id)
    if settings is None:
        settings = RepairSettings(store_id=store_id)
        for column in RepairSettings.__table__.columns:
            if getattr(settings, column.key) is None and column.default is not None:
                setattr(settings, column.key, column.default.arg)
    return settings


def labor_rate(store_id: int, category: str) -> int:
    """Return the store's hourly rate in fen for a labor category. Raises RepairError when none is set."""
    rate = db.session.get(LaborRate, (store_id, category))
    if rate is None:
        raise RepairError(_l("The store has no hourly rate for this labor category yet: a manager sets it "
                             "under repair settings."), field="category")
    return rate.rate_fen


# -- store scope -------------------------------------------------------------------------------

def _check_store(actor: Actor, store_id: int) -> None:
    require_store(actor, store_id, invalid=InvalidSetting)


def _whole(value, field: str, low: int, high: int, message) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidSetting(message, field=field)
    return value


# -- settings ----------------------------------------------------------------------------------

def get_settings(store_id: int, *, actor: Actor) -> RepairSettings:
    """Return the store's repair settings (the defaults when it has saved none). Raises Forbidden."""
    _check_store(actor, store_id)
    return settings_for(store_id)


def save_settings(store_id: int, *, vat_rate_bp: int, manual_discount_limit_bp: int, comeback_window_days: int,
                  warranty_months: int, warranty_km: int, warranty_terms: str,
                  independent_final_inspection: bool = True, actor: Actor) -> RepairSettings:
    """Save a store's repair settings; changes are audited (VAT and the discount limit are money).

    Settled orders keep the VAT rate they were settled with. Raises Forbidden, InvalidSetting.
    """
    _check_store(actor, store_id)
    values = {
        "vat_rate_bp": _whole(vat_rate_bp, "vat_rate_bp", 0, 10_000, _l("Enter a VAT rate between 0 and 100%.")),
        "manual_discount_limit_bp": _whole(manual_discount_limit_bp, "manual_discount_limit_bp", 0, 10_000,
                                           _l("Enter a discount limit between 0 and 100%.")),
        "comeback_window_days": _whole(comeback_window_days, "comeback_window_days", 1, 365,
                                       _l("Enter a comeback window of 1 to 365 days.")),
        "warranty_months": _whole(warranty_months, "warranty_months", 0, 120,
                                  _l("Enter a warranty of 0 to 120 months.")),
        "warranty_km": _whole(warranty_km, "warranty_km", 0, 1_000_000,
                              _l("Enter a warranty of 0 to 1,000,000 km.")),
        "warranty_terms": (warranty_terms or "").strip(),
        "independent_final_inspection": bool(independent_final_inspection),
    }
    if len(values["warranty_terms"]) > MAX_TERMS:
        raise InvalidSetting(_l("The warranty terms have at most %(n)d characters.", n=MAX_TERMS),
                             field="warranty_terms")
    settings = db.session.get(RepairSettings, store_id)
    if settings is None:
        settings = settings_for(store_id)
        db.session.add(settings)
    changes = audit.diff(settings, values)
    for key, value in values.items():
        setattr(settings, key, value)
    if changes:
        if "warranty_terms" in changes:
            changes["warranty_terms"] = ["…", "…"]  # the text is on the page; the log says that it changed
        audit.record("repair_settings_saved", settings, actor=actor, store_id=store_id, changes=changes,
                     entity_type="repair_settings")
    db.session.commit()
    return settings


# -- hourly labor rates ------------------------------------------------------------------------

def labor_rates(store_id: int, *, actor: Actor) -> dict[str, int | None]:
    """Return the store's hourly rate in fen per labor category, None where none is set yet."""
    _check_store(actor, store_id)
    rates = dict(db.session.execute(sa.select(LaborRate.category, LaborRate.rate_fen)
                                    .where(LaborRate.store_id == store_id)).all())
    return {category: rates.get(category) for category in LABOR_CATEGORIES}


def _check_rate(category: str, rate_fen: int) -> None:
    if category not in LABOR_CATEGORIES:
        raise InvalidSetting(_l("Choose a labor category."), field="category")
    _whole(rate_fen, category, 0, MAX_RATE_FEN, _l("Enter an hourly rate between 0 and 100,000 yuan."))


def _set_rate(store_id: int, category: str, rate_fen: int, actor: Actor) -> LaborRate:
    rate = db.session.get(LaborRate, (store_id, category))
    before = rate.rate_fen if rate is not None else None
    if rate is None:
        rate = LaborRate(store_id=store_id, category=category, rate_fen=rate_fen)
        db.session.add(rate)
    rate.rate_fen = rate_fen
    if before != rate_fen:
        audit.record("labor_rate_set", rate, actor=actor, store_id=store_id, entity_type="labor_rates",
                     changes={"category": category, "rate_fen": [before, rate_fen]})
    return rate


def set_labor_rate(store_id: int, *, category: str, rate_fen: int, actor: Actor) -> LaborRate:
    """Set the store's hourly rate (VAT included, fen) for one labor category; audited.

    Lines already on orders keep the rate they were priced with. Raises Forbidden, InvalidSetting.
    """
    _check_store(actor, store_id)
    _check_rate(category, rate_fen)
    rate = _set_rate(store_id, category, rate_fen, actor)
    db.session.commit()
    return rate


def set_labor_rates(store_id: int, rates: dict[str, int | None], *, actor: Actor) -> list[LaborRate]:
    """Set several categories' hourly rates at once (None leaves a category as it is); audited.

    Raises Forbidden, InvalidSetting (field: the category).
    """
    _check_store(actor, store_id)
    wanted = {category: rate_fen for category, rate_fen in rates.items() if rate_fen is not None}
    for category, rate_fen in wanted.items():
        _check_rate(category, rate_fen)
    saved = [_set_rate(store_id, category, rate_fen, actor) for category, rate_fen in wanted.items()]
    db.session.commit()
    return saved


# -- the labor operation catalogue -------------------------------------------------------------

@dataclass
class OperationInput:
    """A labor operation: `hours` in hundredths; `family_hours` maps a model family to its own hours."""

    code: str
    name: str
    category: str
    hours: int
    family_hours: dict[str, int] = field(default_factory=dict)
    active: bool = True


def normalize_code(value: str) -> str:
    """Return an operation code in upper case without spaces (' mnt-oil ' -> 'MNT-OIL')."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or "")).upper()


def _clean_operation(data: OperationInput, store_id: int, saved_families: frozenset[str] = frozenset()) -> dict:
    """Return the values to save. `saved_families`: those the operation has, kept even if not on the store's
    list of model families (set before the list existed, or before the store took them off). Raises
    InvalidSetting."""
    code = normalize_code(data.code)
    if not code:
        raise InvalidSetting(_l("Enter the operation's code."), field="code")
    if len(code) > 40 or not _CODE.fullmatch(code):
        raise InvalidSetting(_l("A code has at most 40 letters, digits and - . / _ characters."), field="code")
    name = re.sub(r"\s+", " ", data.name or "").strip()
    if not name or len(name) > 40:
        raise InvalidSetting(_l("Enter the operation's name (at most 40 characters)."), field="name")
    if data.category not in LABOR_CATEGORIES:
        raise InvalidSetting(_l("Choose a labor category."), field="category")
    hours_message = _l("Enter the flat-rate hours: more than 0, at most 1,000.")
    _whole(data.hours, "hours", 1, MAX_HOURS, hours_message)
    family_hours: dict[str, int] = {}
    offered = families_of(db.session.get(Store, store_id))
    for family, hours in (data.family_hours or {}).items():
        family = re.sub(r"\s+", " ", family or "").strip()
        if not family or len(family) > 40:
            raise InvalidSetting(_l("Name the model family (at most 40 characters)."), field="family_hours")
        if family not in offered and family not in saved_families:
            raise InvalidSetting(_l("Choose the model family from the list."), field="family_hours")
        if family in family_hours:
            raise InvalidSetting(_l("The model family %(family)s is listed twice.", family=family),
                                 field="family_hours")
        if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= MAX_HOURS:
            raise InvalidSetting(_l("%(family)s: enter the flat-rate hours, more than 0, at most 1,000.",
                                    family=family), field="family_hours")
        family_hours[family] = hours
    return {"code": code, "name": name, "category": data.category, "hours": data.hours,
            "active": bool(data.active), "family_hours": family_hours}


def _apply_family_hours(operation: LaborOperation, wanted: dict[str, int]) -> None:
    # Rows are changed in place: deleting a row and adding one with the same key in one flush would collide.
    for row in list(operation.family_hours):
        if row.model_family not in wanted:
            operation.family_hours.remove(row)
        else:
            row.hours = wanted[row.model_family]
    have = {row.model_family for row in operation.family_hours}
    for family, hours in wanted.items():
        if family not in have:
            operation.family_hours.append(LaborOperationHours(model_family=family, store_id=operation.store_id,
                                                              hours=hours))


def _save_operation(operation: LaborOperation, values: dict) -> None:
    # Changed inside the SAVEPOINT, as customers.services._save_customer explains.
    try:
        with db.session.begin_nested():
            db.session.add(operation)
            for key, value in values.items():
                if key != "family_hours":
                    setattr(operation, key, value)
            _apply_family_hours(operation, values["family_hours"])
    except sa.exc.IntegrityError as error:
        if unique_violation(error, "labor_operations", "store_id", "code"):
            raise OperationCodeTaken(field="code") from None
        raise


def _snapshot(operation: LaborOperation) -> dict:
    return {"code": operation.code, "name": operation.name, "category": operation.category,
            "hours": operation.hours, "active": operation.active,
            "family_hours": {row.model_family: row.hours for row in operation.family_hours}}


# An operation is read with its hours per model family (hours_for, the forms, the API).
OPERATION_LOADS = (selectinload(LaborOperation.family_hours),)


def get_operation(operation_id: int, *, actor: Actor, read_back: bool = False) -> LaborOperation:
    """Return a labor operation the actor may see, with its hours per model family. Raises NotFound.

    `read_back`: an operation this transaction created is read again with its options (populate_existing),
    which then also reload it after the commit.
    """
    stmt = sa.select(LaborOperation).where(LaborOperation.id == operation_id).options(*OPERATION_LOADS)
    if read_back:
        stmt = stmt.execution_options(populate_existing=True)
    if actor.store_id is not None:
        stmt = stmt.where(LaborOperation.store_id == actor.store_id)
    operation = db.session.scalars(stmt).one_or_none()
    if operation is None:
        raise NotFound()
    return operation


def create_operation(data: OperationInput, *, store_id: int, actor: Actor, now: datetime) -> LaborOperation:
    """Add a labor operation to the store's catalogue; audited (its hours make prices).

    Raises Forbidden, InvalidSetting, OperationCodeTaken (also when two managers add it at once).
    """
    _check_store(actor, store_id)
    values = _clean_operation(data, store_id)
    operation = LaborOperation(store_id=store_id, created_at=now, updated_at=now)
    _save_operation(operation, values)
    audit.record("labor_operation_created", operation, actor=actor, changes=values)
    operation = get_operation(operation.id, actor=actor, read_back=True)  # with its hours, as always read
    db.session.commit()
    return operation


def update_operation(operation_id: int, data: OperationInput, *, actor: Actor, now: datetime) -> LaborOperation:
    """Change a labor operation; lines already on orders keep their hours. Audited.

    Raises NotFound, InvalidSetting, OperationCodeTaken.
    """
    operation = get_operation(operation_id, actor=actor)
    values = _clean_operation(data, operation.store_id, frozenset(row.model_family for row in operation.family_hours))
    before = _snapshot(operation)
    operation.updated_at = now
    _save_operation(operation, values)
    changes = {key: [before[key], value] for key, value in values.items() if before[key] != value}
    if changes:
        audit.record("labor_operation_updated", operation, actor=actor, changes=changes)
    db.session.commit()
    return operation


def list_operations(*, actor: Actor, store_id: int | None = None, page: int = 1, per_page: int = 50,
                    active_only: bool = False) -> Pagination:
    """Return a page of the catalogue in code order (one store, or every store the actor sees)."""
    if store_id is not None:
        _check_store(actor, store_id)
    stores = [store_id] if store_id is not None else visible_store_ids(actor)
    stmt = sa.select(LaborOperation).where(LaborOperation.store_id.in_(stores)).options(*OPERATION_LOADS)
    if active_only:
        stmt = stmt.where(LaborOperation.active.is_(True))
    stmt = stmt.order_by(LaborOperation.store_id, LaborOperation.code)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def _contains(text: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", text) + "%"


def search_operations(query: str, *, actor: Actor, limit: int = 20, store_id: int | None = None,
                      active_only: bool = True) -> list[LaborOperation]:
    """Find labor operations by the start of the code, or the start of (then a word inside) the name.

    Code and name prefixes are range scans on (store_id, code) and (store_id, name); a name that merely
    contains the words is looked for only when the prefixes leave room. Raises Forbidden for another store.
    """
    raw = re.sub(r"\s+", " ", query or "").strip()  # names keep full-width punctuation (（）、，)
    # A NUL byte or a control character matches nothing, and never reaches SQL.
    if not raw or not searchable(raw):
        return []
    if store_id is not None:
        _check_store(actor, store_id)
    stores = [store_id] if store_id is not None else visible_store_ids(actor)
    code = normalize_code(raw)
    found: dict[int, LaborOperation] = {}

    def add(condition, order) -> None:
        if len(found) >= limit:
            return
        stmt = (sa.select(LaborOperation).where(LaborOperation.store_id.in_(stores), condition)
                .options(*OPERATION_LOADS))
        if active_only:
            stmt = stmt.where(LaborOperation.active.is_(True))
        for operation in db.session.scalars(stmt.order_by(*order).limit(limit)):
            found.setdefault(operation.id, operation)

    add(prefix_range(LaborOperation.code, code), (LaborOperation.code, LaborOperation.store_id))
    add(prefix_range(LaborOperation.name, raw), (LaborOperation.name, LaborOperation.store_id))
    add(LaborOperation.name.like(_contains(raw), escape="\\"), (LaborOperation.name, LaborOperation.store_id))
    return list(found.values())[:limit]
