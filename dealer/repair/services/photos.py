"""Photos of inspection findings (多项检查): stored in the upload folder under random names, served to staff.

Only JPEG, PNG and WebP images are kept, as their bytes say, never their names or the type the browser
claims; each is at most the configured size. A photo is written to a temporary name (`.<name>.part`) first,
its row is committed, and only then is the file renamed into place: a failed file write leaves no row, a
failed commit removes the temporary file, and whatever a crash leaves behind is finished or removed by
`clean_photo_folder`.
"""
from __future__ import annotations

import logging
import os
import re
import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from dealer import audit
from dealer.actors import Actor
from dealer.errors import NotFound
from dealer.extensions import db
from dealer.repair.errors import InspectionError, InvalidPhoto, PhotoNotStored, PhotoTooLarge
from dealer.repair.models import InspectionPhoto
from dealer.repair.services.common import EDITABLE_STATES, lock_order, require_state
from dealer.repair.services.inspection import get_result

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 5 * 1024 * 1024  # per photo, unless the app's INSPECTION_PHOTO_MAX_BYTES says otherwise
MAX_PHOTOS_PER_RESULT = 10
SUBFOLDER = "inspection"
_STORED_NAME = re.compile(r"[0-9a-f]{32}\.(?:jpg|png|webp)")
_PART_SUFFIX = ".part"


_SIGNATURES = (  # magic bytes -> (content type, extension)
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


def sniff_image(data: bytes) -> tuple[str, str] | None:
    """Return (content type, extension) when the bytes are a JPEG, PNG or WebP image by their magic bytes."""
    for magic, content_type, extension in _SIGNATURES:
        if data.startswith(magic):
            return content_type, extension
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


def _photo_dir(folder: str | os.PathLike, store_id: int) -> Path:
    return Path(folder) / SUBFOLDER / str(store_id)


def _part_path(final: Path) -> Path:
    return final.with_name("." + final.name + _PART_SUFFIX)


def _write_new_file(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())


def _move_into_place(draft: Path, final: Path) -> None:
    os.replace(draft, final)  # atomic within the folder: the final name never shows a half-written file


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError:
        log.exception("could not remove %s; clean_photo_folder will", path)


def add_photo(result_id: int, stream: BinaryIO, *, folder: str | os.PathLike, max_bytes: int, actor: Actor,
              now: datetime) -> InspectionPhoto:
    """Store a photo of a finding: a JPEG, PNG or WebP image (by its bytes) of at most `max_bytes`.

    Raises NotFound, OrderLocked, InvalidPhoto, PhotoTooLarge, InspectionError, PhotoNotStored.
    """
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise PhotoTooLarge(_l("The photo is too large: at most %(mb)s MB.", mb=f"{max_bytes / 1048576:g}"),
                            field="photo")
    sniffed = sniff_image(data)
    if sniffed is None:
        raise InvalidPhoto(field="photo")
    content_type, extension = sniffed
    result = get_result(result_id, actor=actor)
    order = lock_order(result.order_id, actor=actor)
    require_state(order, *EDITABLE_STATES)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(InspectionPhoto)
                              .where(InspectionPhoto.result_id == result.id))
    if count >= MAX_PHOTOS_PER_RESULT:
        raise InspectionError(_l("A finding has at most %(n)d photos.", n=MAX_PHOTOS_PER_RESULT),
                              field="photo")

    stored_name = f"{secrets.token_hex(16)}.{extension}"
    final = _photo_dir(folder, result.store_id) / stored_name
    draft = _part_path(final)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        _write_new_file(draft, data)
    except OSError:
        log.exception("could not write the photo %s", draft)
        _unlink(draft)
        raise PhotoNotStored(field="photo") from None
    photo = InspectionPhoto(store_id=result.store_id, result_id=result.id, stored_name=stored_name,
                            content_type=content_type, size_bytes=len(data), uploaded_by_id=actor.user_id,
                            uploaded_at=now)
    try:
        db.session.add(photo)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        _unlink(draft)
        raise
    try:
        _move_into_place(draft, final)
    except OSError:  # the row is committed: clean_photo_folder finishes the rename
        log.exception("could not move the photo %s into place", draft)
    return photo


def _photo(photo_id: int, actor: Actor) -> InspectionPhoto:
    photo = db.session.get(InspectionPhoto, photo_id)
    if photo is None or (actor.store_id is not None and photo.store_id != actor.store_id):
        raise NotFound()
    return photo


def photo_file(photo_id: int, *, folder: str | os.PathLike, actor: Actor) -> tuple[Path, InspectionPhoto]:
    """Return the file and the row of a photo the actor may see.

    Raises NotFound (also when the file is gone).
    """
    photo = _photo(photo_id, actor)
    if not _STORED_NAME.fullmatch(photo.stored_name):  # names are ours; never let one leave the folder
        raise NotFound()
    path = _photo_dir(folder, photo.store_id) / photo.stored_name
    if not path.is_file():
        log.error("inspection photo %s has no file at %s", photo.id, path)
        raise NotFound()
    return path, photo


def remove_photo(photo_id: int, *, folder: str | os.PathLike, actor: Actor, now: datetime) -> int:
    """Remove a photo (taken by mistake) from a finding; return the order id. Raises NotFound, OrderLocked."""
    photo = _photo(photo_id, actor)
    result = get_result(photo.result_id, actor=actor)  # with its item
    order = lock_order(result.order_id, actor=actor)
    require_state(order, *EDITABLE_STATES)
    path = _photo_dir(folder, photo.store_id) / photo.stored_name
    audit.record("inspection_photo_removed", photo, actor=actor,
                 changes={"order_id": order.id, "item": result.item.code, "stored_name": photo.stored_name})
    db.session.delete(photo)
    db.session.commit()
    if _STORED_NAME.fullmatch(path.name):
        _unlink(path)  # after the commit: a failed removal leaves a file without a row, the sweep removes it
    return order.id


def clean_photo_folder(folder: str | os.PathLike, *, now: datetime,
                       older_than: timedelta = timedelta(hours=1)) -> dict[str, int]:
    """Finish or remove what interrupted uploads and removals left in the photo folder (a nightly job).

    A temporary file older than `older_than` is renamed into place when its row exists, else removed; a
    photo file without a row is removed. Returns the counts {"finished", "removed"}.
    """
    counts = {"finished": 0, "removed": 0}
    root = Path(folder) / SUBFOLDER
    if not root.is_dir():
        return counts
    cutoff = (now - older_than).timestamp()
    for directory in (d for d in root.iterdir() if d.is_dir()):
        files = {}
        for path in directory.iterdir():
            name = path.name[1:-len(_PART_SUFFIX)] if path.name.endswith(_PART_SUFFIX) else path.name
            if _STORED_NAME.fullmatch(name) and path.stat().st_mtime < cutoff:
                files[path] = name
        names = list(set(files.values()))
        known = set()
        for start in range(0, len(names), 500):
            known.update(db.session.scalars(sa.select(InspectionPhoto.stored_name).where(
                InspectionPhoto.stored_name.in_(names[start:start + 500]))))
        for path, name in files.items():
            if name in known and path.name != name:
                _move_into_place(path, path.with_name(name))
                counts["finished"] += 1
            elif name not in known:
                _unlink(path)
                counts["removed"] += 1
    return counts
