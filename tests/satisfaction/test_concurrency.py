"""The owner's form sent twice at once (two taps, two tabs), on PostgreSQL: one form, the same for both."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from dealer.database import utcnow
from dealer.extensions import db
from dealer.satisfaction import services
from dealer.satisfaction.models import FeedbackForm
from tests.concurrency import at_once
from tests.factories import StoreFactory, VehicleFactory
from tests.helpers import count
from tests.satisfaction.builders import answers, token_of

pytestmark = pytest.mark.postgres_only


def test_submit_feedback_twice_at_once_records_one_form(app, shared_db):
    store = StoreFactory(code="SZ01")
    vehicle = VehicleFactory(owner__store=store, store=store)
    db.session.flush()
    follow_up = services.open_follow_up(store_id=store.id, source_kind="repair_order", source_ref=1,
                                        source_number="RO-1", customer=vehicle.owner, vehicle=vehicle,
                                        handled_by_id=None, now=utcnow(), link_base="http://127.0.0.1")
    db.session.commit()
    token = token_of(follow_up)

    def send(grade):
        return lambda: services.submit_feedback(token, answers(grade, grade, grade), now=utcnow()).id

    results = at_once(app, send(2), send(-2))

    assert all(isinstance(result, int) for result in results), results
    assert results[0] == results[1] and count(FeedbackForm) == 1
    assert db.session.scalar(sa.select(FeedbackForm.timeliness)) in (2, -2)
