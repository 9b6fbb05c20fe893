"""Customer loss's nightly counts (客户流失): each store's months' figures, so the loss page counts only the owners
who came since the night live (the 12 months' definition reads every paid visit of the store: about 250 ms at 50,000 owners a
store); and when each owner was last seen, so the lists and the campaign preview read the not-seen owners as one
index range (with the paid visits since the night live)."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from dealer.customers.models import Customer, Vehicle
from dealer.extensions import db
from dealer.members.models import LossMonth, OwnerSeen, OwnerSeenRun
from dealer.members.queries.loss import monthly_figures
from dealer.members.services.common import settings_for, store_today
from dealer.members.targeting import PAID, SETTLING, local_midnight
from dealer.repair.models import RepairOrder
from dealer.sms.outbox import zone_of_store
from dealer.stores.models import Store

MONTHS = 12


def roll_up_loss(*, now: datetime, day: date | None = None, store_ids: list[int] | None = None) -> int:
    """Count the last 11 closed months of each store and the current one (its visits settled up to SETTLING before
    the count: the page adds the owners who came since) with the definition (`queries.monthly_figures`) and its
    months as they are tonight, and replace the store's rows; commit. Every night recounts them all, so a
    change of the months (or history imported late) is right by the next night. Returns the closed months
    written."""
    stores = store_ids if store_ids is not None else list(db.session.scalars(
        sa.select(Store.id).where(Store.active).order_by(Store.id)))
    written = 0
    for store_id in stores:
        settings, today = settings_for(store_id), day or store_today(store_id, now)
        counted = monthly_figures(store_id, settings=settings, today=today, zone=zone_of_store(store_id),
                                  months=MONTHS, before=now - SETTLING)
        db.session.execute(sa.delete(LossMonth).where(LossMonth.store_id == store_id))
        db.session.execute(sa.insert(LossMonth), [
            {"store_id": store_id, "month": figures.month, "at_risk_months": settings.at_risk_months,
             "lost_months": settings.lost_months, "active": figures.active, "newly_at_risk": figures.newly_at_risk,
             "newly_lost": figures.newly_lost, "won_back": figures.won_back, "computed_at": now}
            for figures in counted])
        written += len(counted) - 1
        count_seen(store_id, now=now)
        db.session.commit()
    return written


def count_seen(store_id: int, *, now: datetime) -> int:
    """Count when each owner of the store was last seen (`member_owner_seen`: the later of the last paid visit and
    the start of the cars' last maintenance day, else the file's making, as `targeting.not_seen_for` defines it
    live), with the two and the lifetime customer-paid spend of the orders settled before `now` less SETTLING
    (reversals count against it), and record the run; never commits. Returns the owners counted."""
    zone = zone_of_store(store_id)
    settled_at = RepairOrder.settled_at
    visits = (sa.select(RepairOrder.customer_id,
                        sa.func.max(sa.case((RepairOrder.reversal_of_id.is_(None), settled_at))).label("at"),
                        sa.func.sum(sa.case((settled_at < now - SETTLING, RepairOrder.customer_total_fen), else_=0))
                        .label("spend_fen"))
              .where(RepairOrder.store_id == store_id, RepairOrder.state.in_(PAID))
              .group_by(RepairOrder.customer_id).subquery("visit"))
    serviced = (sa.select(Vehicle.owner_id, sa.func.max(Vehicle.last_maintenance_date).label("on"))
                .where(Vehicle.store_id == store_id, Vehicle.last_maintenance_date.is_not(None))
                .group_by(Vehicle.owner_id).subquery("serviced"))
    rows = db.session.execute(
        sa.select(Customer.id, Customer.created_at, visits.c.at, serviced.c.on, visits.c.spend_fen)
        .outerjoin(visits, visits.c.customer_id == Customer.id).outerjoin(serviced, serviced.c.owner_id == Customer.id)
        .where(Customer.store_id == store_id)).all()
    seen = []
    for customer_id, created_at, visit_at, serviced_on, spend_fen in rows:
        times = [t for t in (visit_at, local_midnight(serviced_on, zone) if serviced_on else None) if t is not None]
        seen.append({"store_id": store_id, "customer_id": customer_id, "seen_at": max(times) if times else created_at,
                     "last_order_at": visit_at, "last_service_on": serviced_on, "spend_fen": int(spend_fen or 0)})
    db.session.execute(sa.delete(OwnerSeen).where(OwnerSeen.store_id == store_id))
    if seen:  # the table's insert: the ORM's batches rows by which columns are None (23,000 statements, not 50)
        db.session.execute(sa.insert(OwnerSeen.__table__), seen)
    db.session.execute(sa.delete(OwnerSeenRun).where(OwnerSeenRun.store_id == store_id))
    db.session.execute(sa.insert(OwnerSeenRun), [{"store_id": store_id, "computed_at": now}])
    return len(seen)
