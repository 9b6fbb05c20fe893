"""Multi-point inspection (多项检查): the store's checklist, the technician's findings per order, turning a red
or yellow finding into proposed work, and the summary the order page and the owner's progress page show.

The photos of findings are in dealer/repair/inspection_photos.py.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from dealer import audit
from dealer.actors import Actor
from dealer.database import unique_violation
from dealer.errors import NotFound
from dealer.extensions import db
from dealer.repair.errors import FindingAlreadyProposed, FindingProposed, InspectionError, ItemCodeTaken
from dealer.repair.models import (
    INSPECTION_STATUSES,
    RED,
    YELLOW,
    InspectionItem,
    InspectionResult,
    RepairJob,
    RepairOrder,
)
from dealer.repair.services.common import EDITABLE_STATES, get_order, lock_order, require_state
from dealer.repair.services.orders import new_job
from dealer.stores.models import Store
from dealer.stores.services import get_store

_CODE = re.compile(r"[A-Z0-9][A-Z0-9_.-]{0,29}")


# -- the store's checklist ------------------------------------------------------------------------

@dataclass
class ItemInput:
    code: str
    name: str
    hint: str = ""
    active: bool = True


def _standard_items() -> list[ItemInput]:
    """A checklist for a store that has none yet: tyres, brakes, lights, wipers, fluids, battery, leaks."""
    tread, pads = _l("tread depth, mm"), _l("pad thickness, mm")
    return [
        ItemInput("TYRE_FL", _l("Tyre, front left"), tread),
        ItemInput("TYRE_FR", _l("Tyre, front right"), tread),
        ItemInput("TYRE_RL", _l("Tyre, rear left"), tread),
        ItemInput("TYRE_RR", _l("Tyre, rear right"), tread),
        ItemInput("BRAKE_FRONT", _l("Brake pads and discs, front"), pads),
        ItemInput("BRAKE_REAR", _l("Brake pads and discs, rear"), pads),
        ItemInput("BRAKE_FLUID", _l("Brake fluid"), _l("water content, %")),
        ItemInput("LIGHTS", _l("Lights and indicators")),
        ItemInput("WIPERS", _l("Wiper blades and washer fluid")),
        ItemInput("ENGINE_OIL", _l("Engine oil level and condition")),
        ItemInput("COOLANT", _l("Coolant level"), _l("freezing point, °C")),
        ItemInput("BATTERY", _l("Battery"), _l("state of health, %")),
        ItemInput("LEAKS", _l("Leaks under the car (oil, coolant, fuel)")),
    ]


def _check_store(store_id: int, actor: Actor) -> Store:
    return get_store(store_id, actor=actor)


def _item(item_id: int, actor: Actor) -> InspectionItem:
    item = db.session.get(InspectionItem, item_id)
    if item is None or (actor.store_id is not None and item.store_id != actor.store_id):
        raise NotFound()
    return item


def _clean_item(data: ItemInput) -> dict:
    code = (data.code or "").strip().upper()
    if not _CODE.fullmatch(code):
        raise InspectionError(_l("A code has 1 to 30 letters, digits, “_”, “-” or “.”, e.g. TYRE_FL."),
                              field="code")
    name = re.sub(r"\s+", " ", str(data.name or "")).strip()
    if not name:
        raise InspectionError(_l("Name the item."), field="name")
    if len(name) > 60:
        raise InspectionError(_l("The name is too long (at most 60 characters)."), field="name")
    hint = re.sub(r"\s+", " ", str(data.hint or "")).strip()
    if len(hint) > 120:
        raise InspectionError(_l("The hint is too long (at most 120 characters)."), field="hint")
    return {"code": code, "name": name, "hint": hint, "active": bool(data.active)}


def _locked_items(store_id: int) -> list[InspectionItem]:
    """The store's checklist in its order, locked: edits of one store's checklist are served one at a time."""
    stmt = (sa.select(InspectionItem).where(InspectionItem.store_id == store_id)
            .order_by(InspectionItem.position, InspectionItem.id).with_for_update()
            .execution_options(populate_existing=True))
    return list(db.session.scalars(stmt))


def _save_item(item: InspectionItem, values: dict) -> None:
    # Inside a SAVEPOINT, so a taken code (also when two managers race) fails alone, not the transaction.
    try:
        with db.session.begin_nested():
            db.session.add(item)
            for key, value in values.items():
                setattr(item, key, value)
    except sa.exc.IntegrityError as error:
        if unique_violation(error, "inspection_items", "store_id", "code"):
            raise ItemCodeTaken(field="code") from None
        raise


def list_items(store_id: int, *, actor: Actor, active_only: bool = False) -> list[InspectionItem]:
    """Return the store's checklist in its order. Raises NotFound (another store's, or no such store)."""
    _check_store(store_id, actor)
    stmt = sa.select(InspectionItem).where(InspectionItem.store_id == store_id)
    if active_only:
        stmt = stmt.where(InspectionItem.active.is_(True))
    return list(db.session.scalars(stmt.order_by(InspectionItem.position, InspectionItem.id)))


def get_item(item_id: int, *, actor: Actor) -> InspectionItem:
    """Return a checklist item of a store the actor may see. Raises NotFound."""
    return _item(item_id, actor)


def add_item(store_id: int, data: ItemInput, *, actor: Actor, now: datetime) -> InspectionItem:
    """Add an item at the end of the store's checklist. Raises NotFound, InspectionError, ItemCodeTaken."""
    _check_store(store_id, actor)
    values = _clean_item(data)
    items = _locked_items(store_id)
    item = InspectionItem(store_id=store_id, position=max((i.position for i in items), default=0) + 1)
    _save_item(item, values)
    audit.record("inspection_item_created", item, actor=actor, changes=values)
    db.session.commit()
    return item


def add_standard_items(store_id: int, *, actor: Actor, now: datetime) -> list[InspectionItem]:
    """Add the standard items whose codes the store's checklist lacks, at its end. Raises NotFound."""
    _check_store(store_id, actor)
    items = _locked_items(store_id)
    codes = {item.code for item in items}
    position = max((i.position for i in items), default=0)
    added = []
    for data in _standard_items():
        if data.code in codes:
            continue
        position += 1
        item = InspectionItem(store_id=store_id, position=position, **_clean_item(data))
        db.session.add(item)
        added.append(item)
    db.session.flush()
    if added:
        audit.record("inspection_items_standard_added", added[0], actor=actor,
                     changes={"codes": [item.code for item in added]})
    db.session.commit()
    return added


def update_item(item_id: int, data: ItemInput, *, actor: Actor, now: datetime) -> InspectionItem:
    """Change an item's code, name, hint, or take it off the checklist (inactive): recorded findings stay.

    Raises NotFound, InspectionError, ItemCodeTaken.
    """
    item = _item(item_id, actor)
    values = _clean_item(data)
    changes = audit.diff(item, values)
    _save_item(item, values)
    if changes:
        audit.record("inspection_item_updated", item, actor=actor, changes=changes)
    db.session.commit()
    return item


def move_item(item_id: int, *, offset: int, actor: Actor, now: datetime) -> InspectionItem:
    """Move an item up (offset -1) or down (+1) the store's checklist. Raises NotFound, InspectionError."""
    if offset not in (-1, 1):
        raise InspectionError(_l("Move an item one place up or down."))
    item = _item(item_id, actor)
    items = _locked_items(item.store_id)
    index = next(i for i, candidate in enumerate(items) if candidate.id == item.id)
    target = index + offset
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
        for position, candidate in enumerate(items, start=1):
            candidate.position = position  # renumbered whole: ties left by concurrent additions go away
        db.session.commit()
    return item


# -- findings per order ---------------------------------------------------------------------------

@dataclass
class ResultInput:
    """One checklist item as the technician found it; an empty status means not checked (left as it is)."""

    item_id: int
    status: str
    measurement: str = ""
    note: str = ""


@dataclass
class ChecklistRow:
    item: InspectionItem
    result: InspectionResult | None
    job: RepairJob | None  # the work this finding was proposed as


def _proposed_jobs(order: RepairOrder) -> dict[int, RepairJob]:
    """Return the jobs of an order that came from its findings, by result id."""
    jobs = db.session.scalars(sa.select(RepairJob).where(RepairJob.store_id == order.store_id,
                                                         RepairJob.order_id == order.id,
                                                         RepairJob.inspection_result_id.is_not(None)))
    return {job.inspection_result_id: job for job in jobs}


def _results(order: RepairOrder) -> list[InspectionResult]:
    stmt = (sa.select(InspectionResult)
            .where(InspectionResult.store_id == order.store_id, InspectionResult.order_id == order.id)
            .options(selectinload(InspectionResult.item), selectinload(InspectionResult.photos)))
    return list(db.session.scalars(stmt))


def checklist(order_id: int, *, actor: Actor) -> list[ChecklistRow]:
    """Return the order's checklist: the store's active items and any item with a finding, in order.

    Raises NotFound.
    """
    order = get_order(order_id, actor=actor)
    results = {result.item_id: result for result in _results(order)}
    jobs = _proposed_jobs(order)
    items = [item for item in list_items(order.store_id, actor=actor) if item.active or item.id in results]
    return [ChecklistRow(item=item, result=results.get(item.id),
                         job=jobs.get(results[item.id].id) if item.id in results else None) for item in items]


def _clean_result(entry: ResultInput) -> tuple[str, str, str]:
    if entry.status not in INSPECTION_STATUSES:
        raise InspectionError(_l("Choose green, yellow or red."), field="status", item_id=entry.item_id)
    measurement = (entry.measurement or "").strip()
    if len(measurement) > 40:
        raise InspectionError(_l("The measurement is too long (at most 40 characters)."), field="measurement",
                              item_id=entry.item_id)
    note = (entry.note or "").strip()
    if len(note) > 300:
        raise InspectionError(_l("The note is too long (at most 300 characters)."), field="note",
                              item_id=entry.item_id)
    return entry.status, measurement, note


def record_results(order_id: int, entries: list[ResultInput], *, actor: Actor,
                   now: datetime) -> list[InspectionResult]:
    """Record the technician's findings (green / yellow / red) on an order that is not ready yet.

    Entries without a status are skipped. A finding already proposed as work cannot change.
    Raises NotFound, OrderLocked, InspectionError (its `params["item_id"]` names the item), FindingProposed.
    """
    order = lock_order(order_id, actor=actor)
    require_state(order, *EDITABLE_STATES)
    entries = [entry for entry in entries if entry.status]
    item_ids = [entry.item_id for entry in entries]
    if len(set(item_ids)) != len(item_ids):
        raise InspectionError(_l("Each checklist item is recorded once."))
    items = {item.id: item for item in db.session.scalars(sa.select(InspectionItem).where(
        InspectionItem.store_id == order.store_id, InspectionItem.id.in_(item_ids)))} if item_ids else {}
    existing = {result.item_id: result for result in _results(order)}
    proposed = _proposed_jobs(order)
    # Every entry is checked before any is applied: a refusal leaves the session as it was.
    planned = []
    for entry in entries:
        values = _clean_result(entry)
        item = items.get(entry.item_id)
        result = existing.get(entry.item_id)
        if item is None or (result is None and not item.active):
            raise InspectionError(_l("This item is not on the store's checklist."), field="status",
                                  item_id=entry.item_id)
        if result is not None and (result.status, result.measurement, result.note) == values:
            continue
        if result is not None and result.id in proposed:
            raise FindingProposed(field="status", item_id=entry.item_id)
        planned.append((item, result, values))
    changed = []
    for item, result, (status, measurement, note) in planned:
        if result is None:
            result = InspectionResult(store_id=order.store_id, order_id=order.id, item_id=item.id)
            db.session.add(result)
        result.status, result.measurement, result.note = status, measurement, note
        result.recorded_by_id = actor.user_id
        result.recorded_at = now
        changed.append(result)
    db.session.commit()
    return changed


def _result(result_id: int, actor: Actor) -> InspectionResult:
    stmt = (sa.select(InspectionResult).where(InspectionResult.id == result_id)
            .options(joinedload(InspectionResult.item, innerjoin=True)))
    if actor.store_id is not None:
        stmt = stmt.where(InspectionResult.store_id == actor.store_id)
    result = db.session.scalars(stmt).one_or_none()
    if result is None:
        raise NotFound()
    return result


def get_result(result_id: int, *, actor: Actor) -> InspectionResult:
    """Return a finding of an order the actor may see. Raises NotFound."""
    return _result(result_id, actor)


def _concern(result: InspectionResult) -> str:
    concern = result.item.name
    if result.measurement:
        concern += f" ({result.measurement})"
    if result.note:
        concern += f": {result.note}"
    return concern[:500]


def propose_work(result_id: int, *, actor: Actor, now: datetime) -> RepairJob:
    """Turn a red or yellow finding into proposed work, in one transaction: a job linked to the finding.

    Before the owner approved the order, the job joins the estimate; after, it is extra work (增项) waiting
    for the owner's approval. The order's lock makes a second attempt, even a simultaneous one, see the
    first job. Raises NotFound, OrderLocked, InspectionError, FindingAlreadyProposed.
    """
    result = _result(result_id, actor)
    order = lock_order(result.order_id, actor=actor)
    require_state(order, *EDITABLE_STATES)
    db.session.refresh(result)  # as the locked order's transaction sees it
    if result.status not in (RED, YELLOW):
        raise InspectionError(_l("Only red and yellow findings are proposed as work."))
    if db.session.scalar(sa.select(RepairJob.id).where(RepairJob.order_id == order.id,
                                                       RepairJob.inspection_result_id == result.id)):
        raise FindingAlreadyProposed()
    job = new_job(order, _concern(result), reported_by_id=result.recorded_by_id or actor.user_id, actor=actor,
                  now=now, inspection_result_id=result.id)
    db.session.commit()
    return job


# -- the summary (order page, owner's progress page) ----------------------------------------------

@dataclass
class SummaryRow:
    result_id: int
    code: str
    name: str
    hint: str
    status: str
    measurement: str
    note: str
    photo_ids: list[int]
    job_id: int | None
    job_approval: str | None  # estimate, pending, approved or declined


@dataclass
class InspectionSummary:
    order_id: int
    editable: bool  # findings may still be recorded and proposed
    red: list[SummaryRow] = field(default_factory=list)
    yellow: list[SummaryRow] = field(default_factory=list)
    green: list[SummaryRow] = field(default_factory=list)
    unchecked: int = 0  # active items of the checklist without a finding

    @property
    def checked(self) -> int:
        return len(self.red) + len(self.yellow) + len(self.green)

    @property
    def empty(self) -> bool:
        return not self.checked


def summary_of(order: RepairOrder, results: list[InspectionResult], jobs: dict[int, RepairJob]) -> InspectionSummary:
    """Group findings (with their items and photos) red, yellow, green in checklist order; `jobs`: the jobs
    proposed from them, by result id. Counts no unchecked items (the caller does when it shows them)."""
    summary = InspectionSummary(order_id=order.id, editable=order.state in EDITABLE_STATES)
    for result in sorted(results, key=lambda r: (r.item.position, r.item.id)):
        job = jobs.get(result.id)
        getattr(summary, result.status).append(SummaryRow(
            result_id=result.id, code=result.item.code, name=result.item.name, hint=result.item.hint,
            status=result.status, measurement=result.measurement, note=result.note,
            photo_ids=[photo.id for photo in result.photos], job_id=job.id if job else None,
            job_approval=job.approval if job else None))
    return summary


def inspection_summary(order_id: int, *, actor: Actor) -> InspectionSummary:
    """Return the order's findings grouped red, yellow, green, in checklist order, with their photo ids.

    Reads only. The owner's progress page, once it has checked the owner's link, passes an actor without
    a store (dealer.access.SYSTEM). Raises NotFound.
    """
    order = get_order(order_id, actor=actor)
    results = _results(order)
    summary = summary_of(order, results, _proposed_jobs(order))
    checked_items = {result.item_id for result in results}
    summary.unchecked = db.session.scalar(sa.select(sa.func.count()).select_from(InspectionItem).where(
        InspectionItem.store_id == order.store_id, InspectionItem.active.is_(True),
        InspectionItem.id.not_in(checked_items) if checked_items else sa.true()))
    return summary
