"""Demo complaints (投诉): one per store, received yesterday by CS and acknowledged. The follow-ups come by
themselves: the demo's delivered orders open theirs and text their owners the feedback link."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from dealer.actors import CS_SUPERVISOR
from dealer.auth.models import User, UserRole
from dealer.extensions import db
from dealer.satisfaction import services
from dealer.satisfaction.models import Complaint
from dealer.stores.models import Store


def seed_complaints(store: Store, *, now: datetime) -> int:
    """Add the store's demo complaint once (none when the store has complaints or no CS). Returns the count."""
    if db.session.scalar(sa.select(Complaint.id).where(Complaint.store_id == store.id).limit(1)) is not None:
        return 0
    cs = db.session.scalar(sa.select(User).join(UserRole, UserRole.user_id == User.id).where(
        User.store_id == store.id, UserRole.role == CS_SUPERVISOR).order_by(User.id).limit(1))
    if cs is None:
        return 0
    actor = cs.as_actor()
    complaint = services.receive_complaint(services.ComplaintInput(
        channel="hotline", category="time", severity="normal", contact_name="黄先生",
        description="保养约好一小时，实际等了两个多小时，前台也没有主动告知进度。"),
        store_id=store.id, actor=actor, now=now - timedelta(days=1))
    services.complaint_step(complaint.id, services.StepInput(action="acknowledge"), actor=actor,
                            now=now - timedelta(hours=20))
    return 1
