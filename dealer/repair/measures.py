"""The time and quality measures (时间安心, 质量安心) of repair orders, defined once (DOMAIN.md, "The five assurances,
made measurable"), as SQL for every page that shows them: repair's figures (`services.quality`), the manager's day
at a glance (`home`) and customer satisfaction's five assurances, which call these rather than say it again.

- **Ready on time** (时间安心): the orders that became ready (完工) in the period with a promised time (an order
  without a promise is neither on time nor late: it is not counted); on time when `ready_at <= promised_at`;
  the lateness of a late one is `ready_at - promised_at`, averaged over the late ones in whole minutes.
- **Settled** (结算) orders carry the quality measures: first-time fix (一次修好) unless a later confirmed comeback
  (返修) points at one of the order's jobs; the comeback rate counts the orders that are themselves confirmed
  comebacks; QC first pass: checked orders with no failed check.
- A reversing order (红冲) is never counted in a share: it corrects money, not work.
- A share is a percentage with one decimal, None without a base (`pct`): the pages print that one number.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from dealer.dialect import seconds_between
from dealer.repair.models import COMEBACK_CONFIRMED, RepairJob, RepairOrder


def pct(part: int, whole: int) -> float | None:
    """A share in percent with one decimal, None without a base (never a division by zero)."""
    return round(100 * part / whole, 1) if whole else None


def average_minutes(seconds: float, count: int) -> int | None:
    """The average of `count` durations summing `seconds`, in whole minutes; None when there are none."""
    return round(seconds / 60 / count) if count else None


def counted(column):
    """The orders a measure on `column` (ready_at, settled_at, opened_at) counts: any but a reversing order."""
    return sa.and_(column.is_not(None), RepairOrder.reversal_of_id.is_(None))


def promised():
    """The orders the time measure counts, besides being ready in the period: those with a promised time."""
    return sa.and_(counted(RepairOrder.ready_at), RepairOrder.promised_at.is_not(None))


def late():
    """Ready after the promised time (of an order with a promise)."""
    return RepairOrder.ready_at > RepairOrder.promised_at


def on_time():
    return sa.and_(promised(), sa.not_(late()))


def late_seconds():
    """How late a late order was, in seconds (0 for one on time): summed, then `average_minutes`."""
    return sa.case((late(), seconds_between(RepairOrder.ready_at, RepairOrder.promised_at)), else_=0)


# The jobs a measure reads beside an order's own: made once (an alias made per call is adapted anew each time, about
# 1 ms of Python a statement).
_COMEBACK = aliased(RepairJob, name="comeback_jobs")
_ORDER_JOB = aliased(RepairJob, name="comeback_order_jobs")
_LATER = aliased(RepairJob, name="later_jobs")


def _ids(store_ids):
    """Store ids as `in_` takes them: a list, or an expanding parameter of a statement built once."""
    return store_ids if isinstance(store_ids, sa.BindParameter) else list(store_ids)


def came_back(store_ids, *, few: bool = False):
    """A later confirmed comeback (返修) points at one of the order's jobs: not a first-time fix.

    `store_ids`: the stores the query counts. The comeback job keeps the earlier job's order beside the link
    (`comeback_of_order_id`), so the stores' confirmed comebacks are read as a set of order ids straight from the
    partial index (store_id, comeback_of_order_id) of the confirmed comebacks (index only: a few hundred a store)
    and each order is looked up in it. Joining each comeback to the job it points at cost 130 ms for a group at
    1,000,000 orders, and an EXISTS per order grows with the month's orders (120 ms for a group's month); this
    way 1-2 ms. `few`: the query counts few orders (the hours since the night: about 1,300 for a group of 20
    stores), so each probes the same index (an EXISTS) instead of the stores' whole set being read and hashed
    (10,700 confirmed comebacks: 3-4 ms a set).
    """
    again = _COMEBACK
    if few:
        return sa.exists().where(again.store_id == RepairOrder.store_id, again.comeback_state == COMEBACK_CONFIRMED,
                                 again.comeback_of_order_id == RepairOrder.id)
    return RepairOrder.id.in_(
        sa.select(again.comeback_of_order_id)
        .where(again.store_id.in_(_ids(store_ids)), again.comeback_state == COMEBACK_CONFIRMED))


def is_comeback(store_ids, *, few: bool = False):
    """The order is itself a confirmed comeback: one of its jobs was confirmed a comeback of an earlier job (a
    confirmed job always has its link: `services.quality.confirm_comeback` sets both). Read as `came_back`: the
    stores' confirmed comebacks as a set, from the partial index (store_id, order_id); `few`: probed per order."""
    job = _ORDER_JOB
    if few:
        return sa.exists().where(job.store_id == RepairOrder.store_id, job.comeback_state == COMEBACK_CONFIRMED,
                                 job.order_id == RepairOrder.id)
    return RepairOrder.id.in_(
        sa.select(job.order_id).where(job.store_id.in_(_ids(store_ids)), job.comeback_state == COMEBACK_CONFIRMED))


def job_came_back(job):
    """The same as `came_back`, for one job (a technician's figures count jobs)."""
    again = _LATER
    return sa.exists().where(again.store_id == job.store_id, again.comeback_state == COMEBACK_CONFIRMED,
                             again.comeback_of_id == job.id)


def job_is_comeback(job):
    return sa.and_(job.comeback_of_id.is_not(None), job.comeback_state == COMEBACK_CONFIRMED)


def qc_checked(passed: bool | None = None):
    """The order had a QC check (None), or a failed one (False): the outcome the order keeps (`qc_failed`, set as
    each check is signed), a column of the row read, not two probes of the checks per order."""
    if passed is None:
        return RepairOrder.qc_failed.is_not(None)
    return RepairOrder.qc_failed.is_(not passed)
