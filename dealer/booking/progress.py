"""The owner's progress page (透明度) and their online decisions on extra work (费用安心).

Every repair order gets a private link when it opens: a random token texted to the owner (only its SHA-256 is
kept), not the order number. It shows the order's stages with their times, the promise and its changes, the
estimate, the inspection's findings with their photos, extra work waiting for the owner with each item's
price, and the statement once settled. The link ends LINK_DAYS after the car is handed over or the order
cancelled; a wrong or ended token is a plain "not found".

The repair module owns the order: this module reads it through `repair.services` / `repair.queries` with an
actor of the order's store, and records the owner's decisions through repair's own approval services (method
`online`), under the order's lock, so a double tap and the advisor's simultaneous approval are served one
after the other and the item is decided once.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from dealer.actors import Actor
from dealer.booking.errors import ItemAlreadyDecided
from dealer.booking.models import APPROVE, DECISIONS, OnlineDecision, ProgressLink
from dealer.dialect import is_postgresql
from dealer.errors import NotFound
from dealer.extensions import db
from dealer.quicklane.models import WASHING as LANE_WASHING
from dealer.quicklane.queries import OwnerLane, owner_lane
from dealer.repair import queries as repair_queries
from dealer.repair import services as repair
from dealer.repair.models import (
    APPROVED,
    CANCELLED,
    DELIVERED,
    ESTIMATED,
    IN_PROGRESS,
    JOB_APPROVED,
    JOB_DECLINED,
    JOB_PENDING,
    ONLINE,
    OPEN,
    QUALITY_CHECK,
    QUICK_LANE,
    READY,
    SETTLED,
    RepairOrder,
)
from dealer.repair.services.inspection import InspectionSummary
from dealer.repair.services.photos import photo_file
from dealer.repair.totals import Totals, display_totals, lines_by_payer
from dealer.sms import outbox

LINK_DAYS = 7  # the link works this many days after the car is handed over (or the order cancelled)
TOKEN_BYTES = 24
# The stages the owner follows, in order, and the order state each begins with. The wash (洗车) is no state of
# a repair order and repair records no step for it: a quick-lane order's wash is the lane's own stage (its time
# kept by the lane); any other order's car is washed between the quality check and ready, so the stage is done
# once the order is ready, with no time (none is recorded, none is made up).
WASHING = "washing"
STAGES = ((OPEN, _l("Car received")), (ESTIMATED, _l("Estimated")), (APPROVED, _l("Approved")),
          (IN_PROGRESS, _l("In repair")), (QUALITY_CHECK, _l("Quality check")), (WASHING, _l("Washing")),
          (READY, _l("Ready")), (SETTLED, _l("Settled")), (DELIVERED, _l("Handed over")))
_STAGE_INDEX = {state: index for index, (state, _) in enumerate(STAGES)}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def owner_actor(store_id: int) -> Actor:
    """Who acts from the link: the order's owner, in the order's store, with no staff role."""
    return Actor(user_id=None, store_id=store_id, roles=frozenset(), name=str(_l("Owner (online)")))


# -- the link (a handler calls it inside the opening service's transaction) ----------------------------------

def open_link(order: RepairOrder, *, now: datetime, link_base: str) -> ProgressLink | None:
    """Make the order's progress link and text it to the owner; never commits. One link per order.

    The order comes with its customer and vehicle (repair's ORDER_LOCK_LOADS). A reversing order gets none.
    """
    if order.is_reversal:
        return None
    existing = db.session.scalar(sa.select(ProgressLink).where(ProgressLink.store_id == order.store_id,
                                                               ProgressLink.order_id == order.id))
    if existing is not None:
        return existing
    # The store leads the token (token_urlsafe never writes a dot), so its lookup names the store like every
    # other load (sharding by store); the random part is what makes it unguessable.
    token = f"{order.store_id}.{secrets.token_urlsafe(TOKEN_BYTES)}"
    link = ProgressLink(store_id=order.store_id, order_id=order.id, token_hash=token_hash(token), created_at=now,
                        opens=0)
    db.session.add(link)
    customer = order.customer
    outbox.enqueue("order_progress_link", store_id=order.store_id, phone=customer.mobile, customer=customer,
                   vehicle_id=order.vehicle_id, dedupe_key=f"progress:{order.id}", now=now,
                   params={"name": customer.name, "plate": order.vehicle.plate,
                           "link": f"{link_base.rstrip('/')}/booking/p/{token}"})
    return link


def end_link(order: RepairOrder, *, now: datetime) -> None:
    """Let the order's link end LINK_DAYS from now (the car was handed over); never commits."""
    db.session.execute(sa.update(ProgressLink).where(ProgressLink.store_id == order.store_id,
                                                     ProgressLink.order_id == order.id)
                       .values(expires_at=now + timedelta(days=LINK_DAYS)))


# A token's live link, read or counted as opened: built once (the page is asked for more than anything else here).
_NOW = sa.bindparam("now", type_=ProgressLink.expires_at.type)  # the store's UTC times, as every column here
_LIVE = sa.and_(ProgressLink.store_id == sa.bindparam("link_store"),
                ProgressLink.token_hash == sa.bindparam("link_hash"),
                sa.or_(ProgressLink.expires_at.is_(None), ProgressLink.expires_at > _NOW))
_LINK_COLUMNS = (ProgressLink.id, ProgressLink.store_id, ProgressLink.order_id, ProgressLink.opens,
                 ProgressLink.last_opened_at)
_READ_LINK = sa.select(*_LINK_COLUMNS).where(_LIVE)
# An opening is a visit: a reload within SAME_OPENING of the last counted one (a phone's browser reloads the page it
# comes back to) is the same opening, neither counted again nor written, so the page is read without locking the
# link's row. The UPDATE checks it again under the row's lock: of openings at once, one counts.
SAME_OPENING = timedelta(minutes=1)
_OPEN_LINK = sa.update(ProgressLink).where(
    _LIVE, sa.or_(ProgressLink.last_opened_at.is_(None),
                  ProgressLink.last_opened_at <= sa.bindparam("again", type_=ProgressLink.last_opened_at.type))
).values(opens=ProgressLink.opens + 1, last_opened_at=_NOW,
         first_opened_at=sa.func.coalesce(ProgressLink.first_opened_at, _NOW)).execution_options(
    synchronize_session=False)
# On PostgreSQL an opening is worth a counter, not a wait for the disk: the same statement sets this transaction's
# synchronous_commit off (set_config(..., true) is SET LOCAL), so its commit does not wait for the WAL to be flushed
# (2-3 ms of the page on the shared machine). A crash of the server could lose the last fraction of a second of
# openings, never corrupt them; the owner's decisions commit in their own transactions, durably, as every other.
_OPEN_LINK_PG = _OPEN_LINK.returning(*_LINK_COLUMNS, sa.func.set_config("synchronous_commit", "off", sa.true()))
_OPEN_LINK = _OPEN_LINK.returning(*_LINK_COLUMNS)


def _link_of(token: str, now: datetime, *, count_open: bool = False) -> tuple[int, int, int, bool]:
    """(link id, store id, order id, whether this is the owner's first opening) of a token whose link still works.

    `count_open`: count the opening, unless it is a reload of the last one (SAME_OPENING): UPDATE ... RETURNING,
    whose counter, under the row's lock, tells exactly one request that it is the first. Raises NotFound.
    """
    store, dot, secret = (token or "").partition(".")
    if not (dot and secret and store.isdigit() and len(store) <= 9 and len(token) <= 64):
        raise NotFound()
    values = {"link_store": int(store), "link_hash": token_hash(token), "now": now}
    row = db.session.execute(_READ_LINK, values).first()
    if row is None:
        raise NotFound()
    again = now - SAME_OPENING
    if not count_open or (row.last_opened_at is not None and row.last_opened_at > again):
        return row.id, row.store_id, row.order_id, False
    opening = _OPEN_LINK_PG if is_postgresql() else _OPEN_LINK
    counted = db.session.execute(opening, {**values, "again": again}).first()
    return row.id, row.store_id, row.order_id, counted is not None and counted.opens == 1


def _ended(order: RepairOrder, now: datetime) -> bool:
    """A cancelled order's link ends LINK_DAYS after the cancellation."""
    return order.state == CANCELLED and order.cancelled_at is not None and \
        order.cancelled_at + timedelta(days=LINK_DAYS) <= now


def _live_link(token: str, now: datetime) -> RepairOrder:
    """The order of a token whose link still works, with repair's ORDER_LOADS (to decide on). Raises NotFound."""
    _, store_id, order_id, _ = _link_of(token, now)
    order = repair.get_order(order_id, actor=owner_actor(store_id))
    if _ended(order, now):
        raise NotFound()
    return order


# -- what the page shows -------------------------------------------------------------------------------------

@dataclass
class Stage:
    state: str
    label: object
    at: datetime | None
    done: bool
    current: bool


@dataclass
class PendingItem:
    job_id: int
    concern: str
    lines: list  # RepairLine: description, kind, payer
    price_fen: int  # what approving it adds to the owner's bill
    note: str  # the technician's note on the finding it came from
    photo_ids: list[int]
    aftermarket: bool  # includes non-genuine parts: approving it consents to them
    labor_minutes: int = 0  # its labor lines' hours
    ready_at: datetime | None = None  # the new ready time if approved: the current promise plus its labor


@dataclass
class Progress:
    order: RepairOrder
    link_id: int
    stages: list[Stage]
    promised_at: datetime | None
    promise_changes: int  # how often the promised time was moved
    totals: Totals
    estimate: list  # PayerLines of the approved (or quoted) work
    inspection: InspectionSummary
    pending: list[PendingItem] = field(default_factory=list)
    decided: dict[int, str] = field(default_factory=dict)  # job id -> approved / declined (online or at the desk)
    decisions: dict[int, OnlineDecision] = field(default_factory=dict)  # the owner's online ones, with their impact
    settled: bool = False

    @property
    def photo_ids(self) -> set[int]:
        rows = self.inspection.red + self.inspection.yellow + self.inspection.green
        return {photo_id for row in rows for photo_id in row.photo_ids}


def _lane_of(order: RepairOrder) -> OwnerLane | None:
    """The quick-lane order a lane's repair order came from (its wash, its pieces' minutes), else None."""
    if order.source_kind != QUICK_LANE or order.source_ref is None:
        return None
    return owner_lane(order.source_ref, store_id=order.store_id)


def _stages(order: RepairOrder, steps: list, lane: OwnerLane | None) -> list[Stage]:
    reached: dict[str, datetime] = {}
    for step in steps:
        if step.to_state in _STAGE_INDEX and step.to_state not in reached and step.action != "clock_on":
            reached[step.to_state] = step.at
    current = _STAGE_INDEX.get(order.state, -1)
    if lane is not None:  # the lane keeps the wash's time
        if lane.lane.washing_at is not None:
            reached[WASHING] = lane.lane.washing_at
        if lane.lane.stage == LANE_WASHING:
            current = _STAGE_INDEX[WASHING]
    return [Stage(state, label, reached.get(state), index <= current or state in reached, index == current)
            for index, (state, label) in enumerate(STAGES)]


def labor_minutes(job, lane: OwnerLane | None = None) -> int:
    """The item's time: a quick-lane piece's minutes as the lane proposed them to the owner (kept by the lane);
    otherwise its labor lines' hours (kept in hundredths of an hour), in minutes."""
    if lane is not None and job.id in lane.minutes:
        return lane.minutes[job.id]
    return round(sum(line.hours or 0 for line in job.lines if line.kind == "labor") * 60 / 100)


def ready_if_approved(order: RepairOrder, minutes: int, now: datetime) -> datetime | None:
    """The new ready time if the item is approved: its labor added to the current promise (to now, when the
    promise has passed). None for an order without a promise."""
    if order.promised_at is None:
        return None
    return max(order.promised_at, now) + timedelta(minutes=minutes)


def read_progress(token: str, *, now: datetime) -> Progress:
    """Return what the owner's page shows for a token. Reads only. Raises NotFound."""
    link_id, store_id, order_id, _ = _link_of(token, now)
    return _progress(link_id, store_id, order_id, now)


def _progress(link_id: int, store_id: int, order_id: int, now: datetime) -> Progress:
    """What the page shows, read once through repair's seam for it (repair.queries.owner_order): a fixed number
    of queries whatever the order's lines, steps, findings and photos. Raises NotFound."""
    seen = repair_queries.owner_order(order_id, store_id=store_id)
    order, steps, summary = seen.order, seen.steps, seen.inspection
    if _ended(order, now):
        raise NotFound()
    findings = {row.job_id: row for row in summary.red + summary.yellow + summary.green if row.job_id}
    lane = _lane_of(order)  # before pricing: the lane's package discount uses the lane order read here
    prices = repair.pending_prices(order, vat_rate_bp=seen.vat_rate_bp)
    pending = []
    for job in order.jobs:
        if job.approval != JOB_PENDING:
            continue
        finding, minutes = findings.get(job.id), labor_minutes(job, lane)
        pending.append(PendingItem(
            job.id, job.concern, list(job.lines), prices.get(job.id, 0), finding.note if finding else "",
            finding.photo_ids if finding else [],
            any(line.kind == "parts" and not line.genuine for line in job.lines), minutes,
            ready_if_approved(order, minutes, now)))
    decided = {job.id: job.approval for job in order.jobs if job.is_extra and job.approval in (JOB_APPROVED,
                                                                                                JOB_DECLINED)}
    decisions = {}
    if decided:  # the owner's online decisions, with the time impact they were shown
        decisions = {row.job_id: row for row in db.session.scalars(sa.select(OnlineDecision).where(
            OnlineDecision.store_id == order.store_id, OnlineDecision.order_id == order.id))}
    basis = repair.QUOTED if order.state in (OPEN, ESTIMATED) else repair.BILLED
    return Progress(order=order, link_id=link_id, stages=_stages(order, steps, lane), promised_at=order.promised_at,
                    promise_changes=sum(1 for step in steps if step.action == "promise_changed"),
                    totals=display_totals(order, vat_rate_bp=seen.vat_rate_bp), estimate=lines_by_payer(order, basis),
                    inspection=summary, pending=pending, decided=decided, settled=order.state in (SETTLED, DELIVERED),
                    decisions=decisions)


def open_progress(token: str, *, now: datetime) -> Progress:
    """Read the owner's page and count the opening (the advisor sees when the owner first and last opened it; a
    reload within SAME_OPENING is the same opening).

    Raises NotFound (and counts nothing: the request rolls back).
    """
    link_id, store_id, order_id, first = _link_of(token, now, count_open=True)
    progress = _progress(link_id, store_id, order_id, now)
    if first:  # the order's history tells the advisor, once, that the owner is following
        repair.record_event(progress.order, "owner_opened_progress", to_state=progress.order.state,
                            actor=owner_actor(store_id), now=now)
    # The page is drawn from what was just read: the commit (the opening's counter and step) keeps it as it is
    # instead of expiring it, so the template, the API and the member view read it without loading it all again.
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
    return progress


def photo_of(token: str, photo_id: int, *, folder: str, now: datetime):
    """The file and row of one of the order's inspection photos, by the owner's token. Raises NotFound."""
    progress = read_progress(token, now=now)
    if photo_id not in progress.photo_ids:
        raise NotFound()
    return photo_file(photo_id, folder=folder, actor=owner_actor(progress.order.store_id))


# -- the owner's decisions ----------------------------------------------------------------------------------

def decide(token: str, job_id: int, decision: str, *, now: datetime) -> OnlineDecision:
    """Record the owner's approval or refusal of one extra-work item, with the price they saw.

    Under the order's lock: a repeated tap returns the first decision; an item the advisor decided meanwhile,
    or an order that moved on, is refused with a clear message. The approval is repair's own (method online),
    so the item may be worked on and billed, and the approved limit rises by its price. Raises NotFound,
    ItemAlreadyDecided, IllegalTransition.
    """
    if decision not in DECISIONS:
        raise NotFound()
    order = _live_link(token, now)
    actor = owner_actor(order.store_id)
    order = repair.lock_order(order.id, actor=actor)
    earlier = db.session.scalar(sa.select(OnlineDecision).where(OnlineDecision.store_id == order.store_id,
                                                                OnlineDecision.job_id == job_id,
                                                                OnlineDecision.order_id == order.id))
    if earlier is not None:
        if earlier.decision == decision:
            db.session.rollback()
            return earlier
        raise ItemAlreadyDecided()
    job = next((job for job in order.jobs if job.id == job_id), None)
    if job is None:
        raise NotFound()
    if job.approval != JOB_PENDING:
        raise ItemAlreadyDecided(_l("This item was already decided with your service advisor."))
    if decision == APPROVE and order.state not in repair.EXTRA_WORK_STATES:
        raise ItemAlreadyDecided(_l("Your car has moved on from the workshop: please call your service advisor."))
    price_fen, minutes = repair.pending_prices(order).get(job.id, 0), labor_minutes(job, _lane_of(order))
    made = OnlineDecision(store_id=order.store_id, order_id=order.id, job_id=job.id, decision=decision,
                          price_fen=price_fen, estimate_version=len(order.approvals),
                          approved_total_fen=order.approved_total_fen, decided_at=now, labor_minutes=minutes,
                          ready_at=ready_if_approved(order, minutes, now))
    db.session.add(made)
    name = order.customer.name
    if decision == APPROVE:
        repair.approve_extra_work(order.id, [job.id], repair.ApprovalInput(
            method=ONLINE, approver_name=name, phone=order.customer.mobile, aftermarket_consent=True,
            note=str(_l("Approved on the progress page"))), actor=actor, now=now)
    else:
        repair.decline_extra_work(order.id, [job.id], reason=str(_l("Declined on the progress page")),
                                  actor=actor, now=now)
    return made  # committed by repair's service, with the decision row
