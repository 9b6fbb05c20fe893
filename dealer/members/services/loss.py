"""Customer loss's nightly roll-up (客户流失): each store's closed months' figures, written once a night, so the
loss page counts only the current month live (the 12 months' definition reads every paid visit of the store:
about 250 ms at 50,000 owners a store)."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from dealer.extensions import db
from dealer.members.models import LossMonth
from dealer.members.queries.loss import monthly_figures
from dealer.members.services.common import settings_for, store_today
from dealer.sms.outbox import zone_of_store
from dealer.stores.models import Store

MONTHS = 12


def roll_up_loss(*, now: datetime, day: date | None = None, store_ids: list[int] | None = None) -> int:
    """Count the last 11 closed months of each store with the definition (`queries.monthly_figures`) and its
    months as they are tonight, and replace the store's rows; commit. Every night recounts them all, so a
    change of the months (or history imported late) is right by the next night. Returns the rows written."""
    stores = store_ids if store_ids is not None else list(db.session.scalars(
        sa.select(Store.id).where(Store.active).order_by(Store.id)))
    written = 0
    for store_id in stores:
        settings, today = settings_for(store_id), day or store_today(store_id, now)
        closed = monthly_figures(store_id, settings=settings, today=today, zone=zone_of_store(store_id),
                                 months=MONTHS)[:-1]  # the current month is the page's, live
        db.session.execute(sa.delete(LossMonth).where(LossMonth.store_id == store_id))
        db.session.execute(sa.insert(LossMonth), [
            {"store_id": store_id, "month": figures.month, "at_risk_months": settings.at_risk_months,
             "lost_months": settings.lost_months, "active": figures.active, "newly_at_risk": figures.newly_at_risk,
             "newly_lost": figures.newly_lost, "won_back": figures.won_back, "computed_at": now}
            for figures in closed])
        written += len(closed)
        db.session.commit()
    return written
