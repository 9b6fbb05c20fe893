"""Write audit entries inside the caller's transaction; read them for managers."""
from __future__ import annotations

import sqlalchemy as sa

from dealer.actors import Actor
from dealer.audit.models import AuditEntry
from dealer.extensions import db


def record(action: str, entity, *, actor: Actor, store_id: int | None = None, changes: dict | None = None,
           entity_type: str | None = None) -> AuditEntry:
    """Add an audit entry to the session (the caller's service commits it with its change)."""
    entry = AuditEntry(
        store_id=store_id if store_id is not None else getattr(entity, "store_id", None),
        actor_id=actor.user_id,
        actor_name=actor.name,
        action=action,
        entity_type=entity_type or entity.__tablename__,
        entity_id=getattr(entity, "id", None),
        changes=_jsonable(changes or {}),
    )
    db.session.add(entry)
    return entry


def diff(obj, values: dict) -> dict:
    """Return {field: [old, new]} for the values that differ from obj's attributes."""
    return {k: [getattr(obj, k), v] for k, v in values.items() if getattr(obj, k) != v}


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def list_entries(*, store_ids: list[int] | None, page: int = 1, per_page: int = 50):
    """Return a page of entries, newest first; store_ids None means every store (group level)."""
    stmt = sa.select(AuditEntry).order_by(AuditEntry.id.desc())
    if store_ids is not None:
        stmt = stmt.where(AuditEntry.store_id.in_(store_ids))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)
