"""Shift handover (交班): the outgoing dispatcher writes a note; what is open is listed automatically; the
incoming dispatcher acknowledges it (接班确认). An unacknowledged handover stays on the board."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from dealer import audit
from dealer.actors import Actor
from dealer.errors import NotFound
from dealer.extensions import db
from dealer.rescue.clocks import clock
from dealer.rescue.errors import RescueError
from dealer.rescue.models import AVAILABLE, OPEN_STATES, Handover, RescueCall, RescueUnit
from dealer.rescue.services.settings import settings_of
from dealer.stores.services import require_store, visible_store_ids

NOTE_MAX = 2000
LISTED_CALLS = 200  # a store's open calls at a handover: far beyond a night


def _open_calls(store_id: int, now: datetime) -> list[dict]:
    settings = settings_of(store_id)
    calls = db.session.scalars(
        sa.select(RescueCall).where(RescueCall.store_id == store_id, RescueCall.state.in_(OPEN_STATES))
        .options(joinedload(RescueCall.unit), joinedload(RescueCall.station))
        .order_by(RescueCall.priority, RescueCall.received_at).limit(LISTED_CALLS))
    listed = []
    for call in calls:
        c = clock(call, now, settings)
        responder = call.unit.name if call.unit is not None else (call.station.name if call.station else "")
        listed.append({"id": call.id, "state": call.state, "priority": call.priority, "age": c.age,
                       "address": call.address[:60], "plate": call.plate, "responder": responder,
                       "dispatch_late": c.dispatch_late, "arrival_late": c.arrival_late, "eta_left": c.eta_left,
                       "not_accepted": c.not_accepted})
    return listed


def write_handover(store_id: int, *, note: str, actor: Actor, now: datetime) -> Handover:
    """Write the outgoing dispatcher's handover: the note, the open calls with their SLA clocks and the units
    out (not available), as they are now. Raises RescueError."""
    require_store(actor, store_id, invalid=RescueError)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise RescueError(_l("The note is too long (at most 2,000 characters)."), field="note")
    units = db.session.execute(sa.select(RescueUnit.name, RescueUnit.status).where(
        RescueUnit.store_id == store_id, RescueUnit.active, RescueUnit.status != AVAILABLE)
        .order_by(RescueUnit.name)).all()
    handover = Handover(store_id=store_id, written_at=now, written_by_id=actor.user_id, written_by=actor.name[:60],
                        note=note, open_calls=_open_calls(store_id, now),
                        units_out=[{"name": name, "status": status} for name, status in units], acknowledged_by="")
    db.session.add(handover)
    db.session.flush()
    audit.record("rescue_handover_written", handover, actor=actor, changes={"open_calls": len(handover.open_calls)})
    db.session.commit()
    return handover


def acknowledge_handover(handover_id: int, *, actor: Actor, now: datetime) -> Handover:
    """The incoming dispatcher acknowledges a handover (once; not the one who wrote it).

    Raises NotFound, RescueError."""
    handover = db.session.scalar(sa.select(Handover).where(Handover.store_id.in_(visible_store_ids(actor)),
                                                           Handover.id == handover_id).with_for_update())
    if handover is None:
        raise NotFound()
    if handover.acknowledged_at is not None:
        if handover.acknowledged_by_id == actor.user_id:
            return handover  # a second tap
        raise RescueError(_l("This handover was already acknowledged by %(name)s.", name=handover.acknowledged_by))
    if handover.written_by_id is not None and handover.written_by_id == actor.user_id:
        raise RescueError(_l("The incoming dispatcher acknowledges the handover, not the one who wrote it."))
    handover.acknowledged_at, handover.acknowledged_by_id = now, actor.user_id
    handover.acknowledged_by = actor.name[:60]
    audit.record("rescue_handover_acknowledged", handover, actor=actor)
    db.session.commit()
    return handover
