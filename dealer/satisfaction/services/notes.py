"""Supervision notes (监督记录): observations by designated staff (啄木鸟) and key-customer visits (拜访).

CS / supervision records both; a manager records the visits they make. Only they read the notes (the people
observed do not), and a note is never edited: a correction is a new note.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from dealer import audit
from dealer.actors import CS_SUPERVISOR, MANAGER, Actor
from dealer.auth.models import User
from dealer.errors import Forbidden
from dealer.extensions import db
from dealer.satisfaction.errors import InvalidInput
from dealer.satisfaction.models import NOTE_KINDS, VISIT, SupervisionNote
from dealer.stores.services import get_store


@dataclass(frozen=True)
class NoteInput:
    kind: str
    noted_on: date
    subject: str
    text: str
    concerns_id: int | None = None
    needs_action: bool = False


def record_note(store_id: int, data: NoteInput, *, actor: Actor, now: datetime) -> SupervisionNote:
    """Record a supervision note for a store. Raises Forbidden, NotFound, InvalidInput."""
    if CS_SUPERVISOR not in actor.roles and not (MANAGER in actor.roles and data.kind == VISIT):
        raise Forbidden(_l("Observations (啄木鸟) are recorded by customer satisfaction (监督部) only."))
    store = get_store(store_id, actor=actor)
    if data.kind not in NOTE_KINDS:
        raise InvalidInput(_l("Choose one of the list."), field="kind")
    if data.noted_on is None or data.noted_on > store.local_date(now):
        raise InvalidInput(_l("The day cannot be in the future."), field="noted_on")
    subject, text = (data.subject or "").strip(), (data.text or "").strip()
    if not subject:
        raise InvalidInput(_l("Say where, or whom you visited."), field="subject")
    if not text:
        raise InvalidInput(_l("Write what you saw or heard."), field="text")
    if data.concerns_id is not None and db.session.scalar(sa.select(User.id).where(
            User.id == data.concerns_id, User.store_id == store_id)) is None:
        raise InvalidInput(_l("Choose a person of this store."), field="concerns_id")
    note = SupervisionNote(store_id=store_id, kind=data.kind, noted_on=data.noted_on, subject=subject[:100],
                           text=text[:2000], concerns_id=data.concerns_id, needs_action=bool(data.needs_action),
                           recorded_by_id=actor.user_id, recorded_at=now)
    db.session.add(note)
    db.session.flush()
    audit.record("supervision_note_recorded", note, actor=actor, changes={"kind": note.kind})
    db.session.commit()
    return note
