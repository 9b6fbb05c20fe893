"""The owner's online decision against a double tap and the advisor's own approval, and the first opening of the
page from several tabs, at once on PostgreSQL."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from dealer.actors import ROLES
from dealer.booking import progress
from dealer.booking.errors import ItemAlreadyDecided
from dealer.booking.models import OnlineDecision, ProgressLink
from dealer.extensions import db
from dealer.repair import services as repair
from dealer.repair.models import JOB_APPROVED, Approval, OrderEvent, RepairJob, RepairOrder
from dealer.repair.services import WorkflowError
from dealer.sms.models import SmsMessage
from tests.concurrency import at_once
from tests.factories import StoreFactory, UserFactory
from tests.helpers import NOW, count
from tests.repair.builders import build_shop, by_phone, extra_work_order

pytestmark = pytest.mark.postgres_only


@pytest.fixture()
def waiting(shared_db):
    """A committed order in the workshop with extra work waiting for the owner, and the owner's token."""
    store = StoreFactory(code="SZ01")
    staff = {role: UserFactory(username=f"{role}-1", roles=[role], store=store) for role in ROLES}
    shop = build_shop(store, staff)
    db.session.commit()
    order, brakes, _ = extra_work_order(shop)
    link = db.session.scalar(sa.select(SmsMessage.params).where(SmsMessage.kind == "order_progress_link"))
    return shop, order.id, brakes.id, link["link"].rsplit("/", 1)[1]


def _extra_approvals(order_id: int) -> list[Approval]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Approval).where(Approval.order_id == order_id,
                                                             Approval.subject == "extra_work")))


def test_a_double_tap_at_once_approves_the_item_once(app, waiting):
    shop, order_id, job_id, token = waiting
    limit = db.session.get(RepairOrder, order_id).approved_total_fen
    tap = lambda: progress.decide(token, job_id, "approved", now=NOW).id  # noqa: E731
    results = at_once(app, tap, tap, tap)
    assert all(isinstance(result, int) for result in results) and len(set(results)) == 1, results
    approvals = _extra_approvals(order_id)
    assert len(approvals) == 1 and approvals[0].method == "online"
    assert count(OnlineDecision) == 1
    assert db.session.get(RepairOrder, order_id).approved_total_fen == limit + approvals[0].amount_fen


def test_the_owner_online_and_the_advisor_at_the_desk_at_once_approve_once(app, waiting):
    shop, order_id, job_id, token = waiting
    owner = lambda: progress.decide(token, job_id, "approved", now=NOW)  # noqa: E731
    desk = lambda: repair.approve_extra_work(order_id, [job_id], by_phone(aftermarket_consent=True),  # noqa: E731
                                             actor=shop.advisor, now=NOW)
    results = at_once(app, owner, desk)
    refused = [r for r in results if isinstance(r, (ItemAlreadyDecided, WorkflowError))]
    assert len(refused) == 1, results
    assert len(_extra_approvals(order_id)) == 1
    assert db.session.get(RepairJob, job_id).approval == JOB_APPROVED
    assert count(OnlineDecision) == (0 if isinstance(refused[0], ItemAlreadyDecided) else 1)


def test_three_first_openings_at_once_are_one_opening_that_tells_the_advisor_once(app, waiting):
    """Three taps at once: each is shown the page, the link is counted once (a reload within a minute is the same
    opening, and the count is checked again under the row's lock), the advisor told once."""
    _shop, order_id, _job_id, token = waiting
    opened = lambda: progress.open_progress(token, now=NOW).order.id  # noqa: E731
    results = at_once(app, opened, opened, opened)
    assert results == [order_id] * 3, results
    db.session.expire_all()
    link = db.session.scalar(sa.select(ProgressLink).where(ProgressLink.order_id == order_id))
    assert (link.opens, link.first_opened_at) == (1, NOW)
    assert count(OrderEvent, OrderEvent.order_id == order_id, OrderEvent.action == "owner_opened_progress") == 1
