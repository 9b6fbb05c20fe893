"""The crew's page (救援人员页面): reached by the link in their SMS, no account; the link ends with the job.

Photos (arrival, pickup for a tow) are kept in the upload folder under random names, only when their bytes
are a JPEG, PNG or WebP image.
"""
from __future__ import annotations

import os
import secrets
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from dealer.actors import Actor
from dealer.extensions import db
from dealer.repair.services.photos import sniff_image
from dealer.rescue import geo
from dealer.rescue.errors import LinkExpired, RescueError
from dealer.rescue.models import ACCEPTED, COMPLETED, TOWING, RescueCall, RescueUnit
from dealer.rescue.services.common import CALL_LOADS, lock_call
from dealer.rescue.services.dispatch import accept_job, move_call, token_hash
from dealer.rescue.services.slip import check_eta_slip
from dealer.rescue.services.tow_in import try_tow_in

PHOTO_MAX_BYTES = 8 * 1024 * 1024
SIGNATURE_MAX_BYTES = 512 * 1024
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SUBFOLDER = "rescue"


def crew_call(token: str, *, now: datetime) -> RescueCall:
    """Return the open call the link is for. Raises LinkExpired (unknown, ended or given to another crew)."""
    if not token or len(token) > 64:
        raise LinkExpired()
    call = db.session.scalars(sa.select(RescueCall).where(RescueCall.crew_token_hash == token_hash(token))
                              .options(*CALL_LOADS)).one_or_none()
    if call is None or not call.is_open or call.crew_token_expires_at is None or call.crew_token_expires_at <= now:
        raise LinkExpired()
    return call


def crew_actor(call: RescueCall) -> Actor:
    """The crew acts for the store, with no account: named by its unit or station."""
    name = call.unit.name if call.unit is not None else (call.station.name if call.station is not None else "")
    return Actor(user_id=None, store_id=call.store_id, roles=frozenset(), name=name[:60])


def _store_photo(store_id: int, data: bytes, folder: str) -> str:
    if len(data) > PHOTO_MAX_BYTES:
        raise RescueError(_l("The photo is too large (at most 8 MB)."), field="photo")
    found = sniff_image(data)
    if found is None:
        raise RescueError(_l("Take a photo (JPEG, PNG or WebP)."), field="photo")
    name = f"{secrets.token_hex(16)}.{found[1]}"
    target = Path(folder) / SUBFOLDER / str(store_id)
    target.mkdir(parents=True, exist_ok=True)
    with open(target / name, "xb") as file:
        file.write(data)
    return name


def photo_path(folder: str, store_id: int, name: str) -> Path:
    return Path(folder) / SUBFOLDER / str(store_id) / os.path.basename(name)


def _check_hand_over(signature: bytes | None, owner_absent_reason: str) -> str:
    """The owner signs at hand-over (交车签字), or the crew says why the owner is not there. Returns the reason."""
    reason = " ".join((owner_absent_reason or "").split())[:300]
    if signature is None and not reason:
        raise RescueError(_l("Let the owner sign on the screen, or say why the owner is not there."),
                          field="signature")
    if signature is not None and (not signature.startswith(PNG_MAGIC) or len(signature) > SIGNATURE_MAX_BYTES):
        raise RescueError(_l("The signature could not be read: let the owner sign again."), field="signature")
    return reason if signature is None else ""


def crew_step(token: str, to: str, *, photo: bytes | None, folder: str, now: datetime,
              signature: bytes | None = None, owner_absent_reason: str = "") -> RescueCall:
    """Move the job on from the crew's page; a repeated tap or a retry is one event. A partner station accepts
    the job first (`accepted`). Towing needs the pickup photo. Done needs the owner's signature (a PNG) or why
    the owner is not there. Completing a tow opens the tow-in repair order.
    Raises LinkExpired, RescueError, WrongState."""
    call = crew_call(token, now=now)
    if to == TOWING and not photo:
        raise RescueError(_l("Take a photo of the car before towing it."), field="photo")
    absent = _check_hand_over(signature, owner_absent_reason) if to == COMPLETED else ""
    call = lock_call(call.id, store_id=call.store_id)
    if not call.is_open or call.crew_token_hash != token_hash(token):
        raise LinkExpired()
    actor = crew_actor(call)
    if to == ACCEPTED:
        accept_job(call, now=now, by=actor.name)
        db.session.commit()
        return call
    name = _store_photo(call.store_id, photo, folder) if photo else None
    signed = _store_photo(call.store_id, signature, folder) if to == COMPLETED and signature else None
    try:
        if not move_call(call, to, now=now, by=actor.name, photo=name) and name:
            os.unlink(photo_path(folder, call.store_id, name))  # a repeated tap keeps the first photo only
        if to == COMPLETED:
            call.signature, call.owner_absent_reason = signed, absent
        db.session.commit()
    except Exception:
        db.session.rollback()
        for kept in (name, signed):
            if kept:
                photo_path(folder, call.store_id, kept).unlink(missing_ok=True)
        raise
    return try_tow_in(call, actor=actor, now=now) if to == COMPLETED else call


def crew_position(token: str, *, latitude: float, longitude: float, now: datetime) -> None:
    """Record the unit's position from the phone's geolocation (WGS-84); a position that makes the arrival slip
    tells the owner the later time (services.slip). Raises LinkExpired, RescueError."""
    call = crew_call(token, now=now)
    if not geo.in_range(latitude, longitude):
        raise RescueError(_l("Coordinates are a latitude from -90 to 90 and a longitude from -180 to 180."),
                          field="latitude")
    if call.unit_id is None:
        return  # a partner station's crew: nothing of ours to place
    call = lock_call(call.id, store_id=call.store_id)  # the call before its unit, as dispatch locks them
    db.session.execute(sa.update(RescueUnit).where(RescueUnit.store_id == call.store_id,
                                                   RescueUnit.id == call.unit_id)
                       .values(latitude_wgs84=latitude, longitude_wgs84=longitude, position_at=now))
    check_eta_slip(call, latitude, longitude, now=now)
    db.session.commit()


