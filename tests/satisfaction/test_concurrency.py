"""On PostgreSQL: the owner's form sent twice at once (two taps, two tabs): one form, the same for both; a late form
while the night rolls its month up; a comeback while the hour moves the current month forward."""
from __future__ import annotations

import threading
import time
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from dealer.database import utcnow
from dealer.extensions import db
from dealer.satisfaction import assurance, services
from dealer.satisfaction.models import FeedbackForm, RollupMonth
from dealer.satisfaction.rollup import mark_stale
from dealer.satisfaction.services.rollup import advance_current_months, roll_up
from dealer.stores.models import Store
from tests.concurrency import at_once
from tests.factories import StoreFactory, VehicleFactory
from tests.helpers import NOW, count
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


@pytest.mark.parametrize("part_before", [False, True], ids=["no-row-yet", "october-partial"])
def test_a_late_form_while_the_night_rolls_its_month_up_marks_it_stale_after(app, shared_db, monkeypatch,
                                                                             part_before):
    """The night holds the month's row while it computes: a form that lands meanwhile waits, then marks the month
    stale, so the roll-up written without it is not read (without the lock it would be, the form lost to it).
    Also when the row was October's part, written the night before (a partial month is never marked by a form,
    but the mark still waits, and then finds the month whole)."""
    store = StoreFactory(code="SZ01")
    vehicle = VehicleFactory(owner__store=store, store=store)
    db.session.flush()
    served = datetime(2026, 10, 30, 2, 0, tzinfo=timezone.utc)
    follow_up = services.open_follow_up(store_id=store.id, source_kind="repair_order", source_ref=1,
                                        source_number="RO-1", customer=vehicle.owner, vehicle=vehicle,
                                        handled_by_id=None, now=served, link_base="http://127.0.0.1")
    db.session.commit()
    if part_before:
        roll_up(now=datetime(2026, 10, 30, 19, 0, tzinfo=timezone.utc), store_ids=[store.id])  # 31 Oct, 03:00
        assert db.session.scalar(sa.select(RollupMonth.until).where(RollupMonth.month == date(2026, 10, 1)))
    night_at = datetime(2026, 11, 1, 19, 0, tzinfo=timezone.utc)  # 2 November 03:00 at the store
    token, store_id, october = token_of(follow_up), store.id, date(2026, 10, 1)
    computed = threading.Event()
    live = assurance.live_figures

    def slowly(store, months):  # the night has counted the month; the owner sends the form before it writes
        found = live(store, months)
        computed.set()
        time.sleep(1.0)
        return found

    monkeypatch.setattr(assurance, "live_figures", slowly)

    def night():
        return roll_up(now=night_at, store_ids=[store_id])

    def owner():
        assert computed.wait(timeout=10)
        return services.submit_feedback(token, answers(2, 2, 2), now=night_at + timedelta(minutes=5)).id

    results = at_once(app, night, owner)

    assert isinstance(results[0], int) and isinstance(results[1], int), results
    assert db.session.scalar(sa.select(RollupMonth.stale).where(RollupMonth.store_id == store_id,
                                                                RollupMonth.month == october)) is True
    monkeypatch.setattr(assurance, "live_figures", live)
    assert assurance.store_trend(db.session.get(Store, store_id), october, now=NOW).current.forms == 1


def test_a_comeback_while_the_hour_moves_the_month_forward_marks_it_stale_after(app, shared_db, monkeypatch):
    """The hourly part holds the current month's row while it counts, as the night does: a comeback confirmed
    meanwhile (its mark, `rollup.mark_stale`, in its own transaction) waits, then marks the month stale, so the part
    written without it is not read (without the lock the part, counted afresh, would clear the mark: the comeback
    lost)."""
    store = StoreFactory(code="SZ01")
    db.session.commit()
    store_id, november = store.id, date(2026, 11, 1)
    night = datetime(2026, 11, 22, 19, 0, tzinfo=timezone.utc)  # 23 November 03:00 at the store
    roll_up(now=night, store_ids=[store_id])
    mark_stale(store_id, november)  # an earlier comeback: the hour counts the month afresh and clears the mark
    db.session.commit()
    counted = threading.Event()
    order_counts = assurance.order_counts

    def slowly(*args):  # the hour has counted the month's orders; the comeback is confirmed before it writes
        found = order_counts(*args)
        counted.set()
        time.sleep(1.0)
        return found

    monkeypatch.setattr(assurance, "order_counts", slowly)

    def hour():
        return advance_current_months(now=night + timedelta(hours=3), store_ids=[store_id])

    def comeback():
        assert counted.wait(timeout=10)
        mark_stale(store_id, november)
        db.session.commit()
        return True

    results = at_once(app, hour, comeback)

    assert results == [1, True], results
    row = db.session.scalar(sa.select(RollupMonth).where(RollupMonth.store_id == store_id,
                                                         RollupMonth.month == november))
    assert (row.stale, row.until) == (True, night + timedelta(hours=2))
