"""The store's rescue units (救援车): registering them, their status and position."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from dealer import audit
from dealer.actors import Actor
from dealer.database import get_for_update
from dealer.errors import NotFound
from dealer.extensions import db
from dealer.rescue import geo
from dealer.rescue.errors import RescueError
from dealer.rescue.models import AVAILABLE, CAPABILITIES, OFF_SHIFT, ON_JOB, UNIT_KINDS, RescueUnit
from dealer.rescue.services.common import lock_call
from dealer.rescue.services.intake import clean_phone
from dealer.rescue.services.slip import check_eta_slip
from dealer.stores.services import require_store, visible_store_ids


@dataclass
class UnitInput:
    name: str
    phone: str
    kind: str = "service_van"
    crew: str = ""
    capabilities: list[str] = field(default_factory=list)


def create_unit(store_id: int, data: UnitInput, *, actor: Actor) -> RescueUnit:
    """Register a rescue unit of the store. Raises RescueError (a name already used, bad values)."""
    require_store(actor, store_id, invalid=RescueError)
    name = (data.name or "").strip()
    if not name:
        raise RescueError(_l("Name the unit."), field="name")
    if data.kind not in UNIT_KINDS or not set(data.capabilities) <= set(CAPABILITIES):
        raise RescueError(_l("Choose the kind of unit and what it can do."), field="kind")
    if db.session.scalar(sa.select(RescueUnit.id).where(RescueUnit.store_id == store_id, RescueUnit.name == name)):
        raise RescueError(_l("The store already has a unit of this name."), field="name")
    unit = RescueUnit(store_id=store_id, name=name[:40], phone=clean_phone(data.phone), kind=data.kind,
                      crew=data.crew.strip()[:60], capabilities=sorted(set(data.capabilities)), status=AVAILABLE)
    db.session.add(unit)
    db.session.flush()
    audit.record("rescue_unit_created", unit, actor=actor, changes={"name": unit.name})
    db.session.commit()
    return unit


def list_units(*, actor: Actor, store_ids: list[int] | None = None) -> list[RescueUnit]:
    stores = store_ids if store_ids is not None else visible_store_ids(actor)
    return list(db.session.scalars(sa.select(RescueUnit).where(RescueUnit.store_id.in_(stores), RescueUnit.active)
                                   .order_by(RescueUnit.store_id, RescueUnit.name)))


def report_unit(unit_id: int, *, actor: Actor, now: datetime, status: str | None = None,
                latitude: float | None = None, longitude: float | None = None,
                coordinate_system: str = geo.WGS84) -> RescueUnit:
    """Record a unit's position (converted to WGS-84) and/or its shift status (available / off shift).

    A unit on a job stays on it: its status changes when the job ends. A position that makes its job's arrival
    slip tells the owner the later time (services.slip). Raises NotFound, RescueError.
    """
    call = None
    if latitude is not None:
        # The call before its unit, as dispatch locks them.
        call_id = db.session.scalar(sa.select(RescueUnit.current_call_id).where(
            RescueUnit.store_id.in_(visible_store_ids(actor)), RescueUnit.id == unit_id))
        call = lock_call(call_id, actor=actor) if call_id is not None else None
    unit = get_for_update(RescueUnit, unit_id)
    if unit is None or unit.store_id not in visible_store_ids(actor):
        raise NotFound()
    if (latitude is None) != (longitude is None):
        raise RescueError(_l("Give both latitude and longitude."), field="latitude")
    if latitude is not None:
        if coordinate_system not in geo.SYSTEMS:
            raise RescueError(_l("Choose the map the coordinates come from."), field="coordinate_system")
        if not geo.in_range(latitude, longitude):
            raise RescueError(_l("Coordinates are a latitude from -90 to 90 and a longitude from -180 to 180."),
                              field="latitude")
        unit.latitude_wgs84, unit.longitude_wgs84 = geo.to_wgs84(latitude, longitude, coordinate_system)
        unit.position_at = now
    if status is not None:
        if status not in (AVAILABLE, OFF_SHIFT):
            raise RescueError(_l("A unit is available or off shift; a job sets it on a job."), field="status")
        if unit.status == ON_JOB:
            raise RescueError(_l("The unit is on a job: its status changes when the job ends."), field="status")
        unit.status = status
    if call is not None and unit.current_call_id == call.id and unit.latitude_wgs84 is not None:
        check_eta_slip(call, unit.latitude_wgs84, unit.longitude_wgs84, now=now)
    db.session.commit()
    return unit
