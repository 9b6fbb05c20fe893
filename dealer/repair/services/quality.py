"""The quality assurance (质量安心): comebacks (返修), the repair warranty, first-time-fix and comeback rates."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from dealer.actors import Actor
from dealer.auth.models import User
from dealer.extensions import db
from dealer.repair import measures, signals
from dealer.repair.errors import ComebackError
from dealer.repair.models import (
    COMEBACK_CONFIRMED,
    COMEBACK_DISMISSED,
    COMEBACK_PROPOSED,
    DELIVERED,
    INTERNAL,
    JOB_APPROVED,
    LABOR,
    PARTS,
    READY,
    SETTLED,
    WARRANTY_PAYER,
    JobAssignment,
    RepairJob,
    RepairLine,
    RepairOrder,
)
from dealer.repair.services.common import EDITABLE_STATES, get_job, lock_order, record_event
from dealer.repair.services.pricing import reprice
from dealer.repair.services.settings import settings_for
from dealer.stores.models import Store
from dealer.stores.services import narrowed_store_ids
from dealer.timezones import store_zone


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _earlier_jobs(order: RepairOrder, now: datetime):
    """Jobs of the same vehicle on settled or delivered orders finished inside the comeback window."""
    window = timedelta(days=settings_for(order.store_id).comeback_window_days)
    earlier = aliased(RepairOrder)
    finished = sa.func.coalesce(earlier.delivered_at, earlier.settled_at)
    return (sa.select(RepairJob)
            .join(earlier, earlier.id == RepairJob.order_id)
            .where(RepairJob.store_id == order.store_id, RepairJob.vehicle_id == order.vehicle_id,
                   RepairJob.order_id != order.id, RepairJob.approval == JOB_APPROVED,
                   earlier.state.in_((SETTLED, DELIVERED)), earlier.reversal_of_id.is_(None),
                   finished >= now - window)
            .order_by(finished.desc(), RepairJob.id.desc()))


def propose_comeback(job: RepairJob, line: RepairLine, order: RepairOrder, *, now: datetime) -> None:
    """Propose a link to an earlier job with the same labor operation or category (never commits).

    The advisor confirms or dismisses it; a job keeps the first decision.
    """
    if job.comeback_state is not None or line.kind != LABOR or order.is_reversal:
        return
    same = RepairLine.labor_operation_id == line.labor_operation_id if line.labor_operation_id else \
        RepairLine.category == line.category
    stmt = _earlier_jobs(order, now).where(
        sa.exists().where(RepairLine.job_id == RepairJob.id, RepairLine.kind == LABOR, same))
    match = db.session.scalars(stmt.limit(1)).first()
    if match is not None:
        job.comeback_of_id, job.comeback_of_order_id = match.id, match.order_id
        job.comeback_state = COMEBACK_PROPOSED


def _under_warranty(order: RepairOrder, earlier: RepairOrder, now: datetime) -> bool:
    """Inside the repair warranty: fewer months and fewer km than the store's terms, whichever ends first."""
    settings = settings_for(order.store_id)
    finished = earlier.delivered_at or earlier.settled_at
    store = order.store
    if store.local_date(now) > _add_months(store.local_date(finished), settings.warranty_months):
        return False
    if order.odometer_km is not None and earlier.odometer_km is not None:
        return order.odometer_km - earlier.odometer_km < settings.warranty_km
    return True


def confirm_comeback(job_id: int, *, earlier_job_id: int | None = None, actor: Actor, now: datetime) -> RepairJob:
    """Confirm that a job is a comeback (返修) of an earlier job: the proposed one, or one the advisor names.

    Under the repair warranty the owner pays nothing for it: its labor becomes internal, its parts a claim
    to the maker. Raises ComebackError.
    """
    job = get_job(job_id, actor=actor)
    order = lock_order(job.order_id, actor=actor)
    if order.state not in EDITABLE_STATES + (READY,):  # it only lowers the bill: allowed until settlement
        raise ComebackError(_l("This order can no longer be changed."))
    target_id = earlier_job_id or job.comeback_of_id
    if target_id is None:
        raise ComebackError(_l("Choose the earlier job this is a comeback of."), field="earlier_job_id")
    earlier = db.session.scalars(_earlier_jobs(order, now).where(RepairJob.id == target_id)).first()
    if earlier is None:
        raise ComebackError(_l("A comeback links to a job of this vehicle finished within the comeback window."),
                            field="earlier_job_id")
    job.comeback_of_id, job.comeback_of_order_id = earlier.id, earlier.order_id
    job.comeback_state = COMEBACK_CONFIRMED
    earlier_order = db.session.get(RepairOrder, earlier.order_id)
    job.under_warranty = _under_warranty(order, earlier_order, now)
    if job.under_warranty:
        for line in job.lines:
            line.payer = INTERNAL if line.kind != PARTS else WARRANTY_PAYER
            line.manual_discount_bp = 0
    record_event(order, "comeback_confirmed", to_state=order.state, actor=actor, now=now,
                 note=f"{earlier_order.number}: {earlier.concern}")
    reprice(order)
    signals.comeback_confirmed.send(order, job=job, earlier_order=earlier_order, actor=actor, now=now)
    db.session.commit()
    return job


def dismiss_comeback(job_id: int, *, actor: Actor, now: datetime) -> RepairJob:
    """Dismiss the proposed comeback link: the concern is new. Raises ComebackError."""
    job = get_job(job_id, actor=actor)
    order = lock_order(job.order_id, actor=actor)
    if job.comeback_state != COMEBACK_PROPOSED:
        raise ComebackError(_l("There is no proposed comeback link to dismiss."))
    job.comeback_state = COMEBACK_DISMISSED
    record_event(order, "comeback_dismissed", to_state=order.state, actor=actor, now=now, note=job.concern)
    db.session.commit()
    return job


# -- figures ------------------------------------------------------------------------------------

@dataclass
class QualityRow:
    key: str  # "store", a store's code, or a person's name (with the login where two share a name)
    user_id: int | None
    delivered: int  # orders (or a technician's jobs) settled in the month
    came_back: int  # of those, how many had a confirmed comeback
    comebacks: int  # orders in the month that were themselves comebacks
    store_id: int | None = None  # the store of the row (a person's figures are per person and store)

    @property
    def first_time_fix_rate(self) -> float | None:
        return None if not self.delivered else 1 - self.came_back / self.delivered

    @property
    def comeback_rate(self) -> float | None:
        return None if not self.delivered else self.comebacks / self.delivered

    @property
    def first_time_fix_pct(self) -> float | None:
        """What the pages print (the assurance page prints the same, `measures.pct`)."""
        return measures.pct(self.delivered - self.came_back, self.delivered)

    @property
    def comeback_pct(self) -> float | None:
        return measures.pct(self.comebacks, self.delivered)


def _month_range(month: date, actor: Actor, store_ids: list[int]) -> tuple[datetime, datetime]:
    """Return the month's bounds in the time zone of the store shown (China's for several stores)."""
    store_id = actor.store_id if actor.store_id is not None else (store_ids[0] if len(store_ids) == 1 else None)
    store = db.session.get(Store, store_id) if store_id is not None else None
    zone = store_zone(store)
    start = datetime(month.year, month.month, 1, tzinfo=zone)
    end = datetime(month.year + (month.month == 12), month.month % 12 + 1, 1, tzinfo=zone)
    return start, end


def quality_figures(*, actor: Actor, month: date, store_ids: list[int] | None = None) -> dict[str, list[QualityRow]]:
    """Return first-time-fix and comeback figures of a month: for the stores shown (all, and each), per advisor
    and per technician (grouped by the person's id and store, never by a name two people may share).

    An order counts in the month it was settled. First-time fix (一次修好): no confirmed comeback of it yet.
    `store_ids` narrows the stores the actor sees (the store filter).
    """
    stores = narrowed_store_ids(actor, store_ids)
    start, end = _month_range(month, actor, stores)
    finished = sa.and_(RepairOrder.store_id.in_(stores), measures.counted(RepairOrder.settled_at),
                       RepairOrder.settled_at >= start, RepairOrder.settled_at < end)
    came_back, is_comeback = measures.came_back(stores), measures.is_comeback(stores)
    by_advisor = list(db.session.execute(sa.select(
        RepairOrder.store_id, RepairOrder.advisor_id,
        sa.func.count(RepairOrder.id),
        sa.func.sum(sa.case((came_back, 1), else_=0)),
        sa.func.sum(sa.case((is_comeback, 1), else_=0)),
    ).where(finished).group_by(RepairOrder.store_id, RepairOrder.advisor_id)))
    per_store: dict[int, list[int]] = {}
    for store_id, _uid, n, back, cb in by_advisor:
        sums = per_store.setdefault(store_id, [0, 0, 0])
        sums[0], sums[1], sums[2] = sums[0] + n, sums[1] + (back or 0), sums[2] + (cb or 0)
    total = QualityRow("store", None, *(sum(s[i] for s in per_store.values()) for i in range(3)))
    job_came_back, job_is_comeback = measures.job_came_back(RepairJob), measures.job_is_comeback(RepairJob)
    tech_rows = db.session.execute(
        sa.select(RepairOrder.store_id, JobAssignment.technician_id, sa.func.count(RepairJob.id),
                  sa.func.sum(sa.case((job_came_back, 1), else_=0)),
                  sa.func.sum(sa.case((job_is_comeback, 1), else_=0)))
        .join(RepairJob, RepairJob.id == JobAssignment.job_id)
        .join(RepairOrder, RepairOrder.id == RepairJob.order_id)
        .where(finished, JobAssignment.store_id.in_(stores), RepairJob.store_id.in_(stores),
               RepairJob.approval == JOB_APPROVED)
        .group_by(RepairOrder.store_id, JobAssignment.technician_id)).all()
    people = _people({uid for _s, uid, *_ in by_advisor} | {uid for _s, uid, *_ in tech_rows})
    return {"store": [total],  # the pages name a store row by its store_id
            "stores": [QualityRow(str(store_id), None, *per_store[store_id], store_id=store_id)
                       for store_id in sorted(per_store)] if len(per_store) > 1 else [],
            "advisors": _person_rows(by_advisor, people), "technicians": _person_rows(tech_rows, people)}


def _people(user_ids) -> dict[int, tuple[str, str]]:
    """Return each user's (display name, login), for the figures' rows."""
    ids = {uid for uid in user_ids if uid is not None}
    if not ids:
        return {}
    return {uid: (full_name or username, username) for uid, full_name, username in db.session.execute(
        sa.select(User.id, User.full_name, User.username).where(User.id.in_(ids)))}


def _person_rows(rows, people: dict[int, tuple[str, str]]) -> list[QualityRow]:
    """One row per person and store, named; two people of one name in one store are told apart by their login
    (the store column tells the stores apart)."""
    names = [(store_id, people.get(uid, ("-", ""))[0]) for store_id, uid, *_ in rows]
    shared = {named for named in names if names.count(named) > 1}
    found = []
    for store_id, uid, n, back, cb in rows:
        name, login = people.get(uid, ("-", ""))
        key = f"{name} ({login})" if (store_id, name) in shared and login and login != name else name
        found.append(QualityRow(key, uid, n, back or 0, cb or 0, store_id=store_id))
    return sorted(found, key=lambda r: (r.key, r.store_id or 0, r.user_id or 0))


@dataclass
class TimeRow:
    ready: int  # orders ready in the month that had a promised time
    on_time: int
    average_late_minutes: int | None  # of the late ones, whole minutes

    @property
    def on_time_rate(self) -> float | None:
        return None if not self.ready else self.on_time / self.ready

    @property
    def on_time_pct(self) -> float | None:
        """What the pages print (the assurance page prints the same, `measures.pct`)."""
        return measures.pct(self.on_time, self.ready)


def time_figures(*, actor: Actor, month: date, store_ids: list[int] | None = None) -> TimeRow:
    """Return the time assurance (时间安心) of a month: orders ready with a promise, ready on time, the average
    lateness of the late ones (`measures`: one aggregate).

    `store_ids` narrows the stores the actor sees (the store filter)."""
    stores = narrowed_store_ids(actor, store_ids)
    start, end = _month_range(month, actor, stores)
    ready, on_time, late_seconds = db.session.execute(sa.select(
        sa.func.count(), sa.func.sum(sa.case((measures.late(), 0), else_=1)), sa.func.sum(measures.late_seconds()))
        .where(RepairOrder.store_id.in_(stores), measures.promised(), RepairOrder.ready_at >= start,
               RepairOrder.ready_at < end)).one()
    ready, on_time = int(ready), int(on_time or 0)
    return TimeRow(ready=ready, on_time=on_time,
                   average_late_minutes=measures.average_minutes(float(late_seconds or 0), ready - on_time))
