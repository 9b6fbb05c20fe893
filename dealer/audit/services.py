"""Write audit entries inside the caller's transaction; read them for managers (filtered, or all for an export)."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from dealer.actors import Actor
from dealer.audit.models import AuditEntry
from dealer.extensions import db
from dealer.timezones import store_zone


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


@dataclass
class EntryFilter:
    """What the log is narrowed to: a person, a kind of record (or one record), the days (local dates)."""

    actor_id: int | None = None
    entity_type: str = ""
    entity_id: int | None = None
    day_from: date | None = None
    day_to: date | None = None


def _entries(store_ids: list[int] | None, filters: EntryFilter):
    stmt = sa.select(AuditEntry)
    if store_ids is not None:
        stmt = stmt.where(AuditEntry.store_id.in_(store_ids))
    if filters.actor_id is not None:
        stmt = stmt.where(AuditEntry.actor_id == filters.actor_id)
    if filters.entity_type:
        stmt = stmt.where(AuditEntry.entity_type == filters.entity_type)
        if filters.entity_id is not None:
            stmt = stmt.where(AuditEntry.entity_id == filters.entity_id)
    # Days are the group's local days (the log spans stores; they share China's one time zone).
    zone = store_zone()
    if filters.day_from is not None:
        stmt = stmt.where(AuditEntry.created_at >= datetime.combine(filters.day_from, time(), zone))
    if filters.day_to is not None:
        stmt = stmt.where(AuditEntry.created_at < datetime.combine(filters.day_to + timedelta(days=1), time(), zone))
    return stmt


def list_entries(*, store_ids: list[int] | None, filters: EntryFilter | None = None, page: int = 1,
                 per_page: int = 50):
    """Return a page of entries, newest first; store_ids None means every store (group level)."""
    stmt = _entries(store_ids, filters or EntryFilter()).order_by(AuditEntry.id.desc())
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def each_batch(*, store_ids: list[int] | None, filters: EntryFilter, batch: int = 1000) -> Iterator[list[AuditEntry]]:
    """Yield every entry the filters select, newest first, `batch` at a time (an export of any length)."""
    after = None
    while True:
        stmt = _entries(store_ids, filters).order_by(AuditEntry.id.desc()).limit(batch)
        if after is not None:
            stmt = stmt.where(AuditEntry.id < after)
        rows = list(db.session.scalars(stmt))
        if not rows:
            return
        yield rows
        after = rows[-1].id


def people(store_ids: list[int] | None) -> list[tuple[int, str]]:
    """Who appears in the log (id, name), for the filter by person."""
    stmt = sa.select(AuditEntry.actor_id, sa.func.max(AuditEntry.actor_name)).where(
        AuditEntry.actor_id.is_not(None)).group_by(AuditEntry.actor_id)
    if store_ids is not None:
        stmt = stmt.where(AuditEntry.store_id.in_(store_ids))
    return sorted(((row[0], row[1]) for row in db.session.execute(stmt)), key=lambda pair: pair[1])
