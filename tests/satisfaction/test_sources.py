"""Follow-ups of every kind of service: repair orders, quick-lane orders (told apart) and finished rescues."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from dealer.extensions import db
from dealer.repair import services as repair
from dealer.repair.models import RepairOrder
from dealer.rescue import services as rescue
from dealer.satisfaction import services
from dealer.satisfaction.models import FollowUp
from dealer.sms.models import SmsMessage
from tests.helpers import NOW, actor, count
from tests.repair.builders import finished_order, pay
from tests.rescue.builders import NANSHAN, link, take_call, unit
from tests.satisfaction.builders import answers, delivered, token_of


def _rescued(store, dispatcher, *, completed_by=None, now=NOW):
    """A rescue taken and dispatched by `dispatcher`, then finished (by `completed_by`, the dispatcher by default)."""
    van = unit(store, "救援1号", NANSHAN)
    call = rescue.dispatch_call(take_call(store, dispatcher, now=now).id, responder=f"unit:{van.id}",
                                actor=dispatcher, now=now + timedelta(minutes=3), crew_link=link)[0]
    rescue.advance_call(call.id, "on_scene", actor=dispatcher, now=now + timedelta(minutes=25))
    return rescue.advance_call(call.id, "completed", actor=completed_by or dispatcher, now=now + timedelta(minutes=50))


def _quick_lane_delivered(shop):
    """A quick-lane order (快修): a repair order whose source says quick_lane, handed back through repair."""
    order = finished_order(shop)
    db.session.execute(sa.update(RepairOrder).where(RepairOrder.id == order.id).values(source_kind="quick_lane"))
    db.session.expire_all()
    repair.settle(order.id, pay(order, (36600, "cash")), actor=shop.cashier, now=NOW)
    repair.deliver(order.id, actor=shop.advisor, now=NOW)
    return order


def test_open_follow_up_on_a_finished_rescue_is_handled_by_the_dispatcher_and_texts_the_caller(ctx, store, staff):
    dispatcher = actor(staff["rescue_dispatcher"])
    call = _rescued(store, dispatcher)

    follow_up = db.session.scalar(sa.select(FollowUp).where(FollowUp.source_kind == "rescue"))
    assert (follow_up.source_ref, follow_up.source_number) == (call.id, f"R{call.id}")
    assert follow_up.handled_by_id == dispatcher.user_id and follow_up.customer_id == call.customer_id
    assert follow_up.due_at == NOW + timedelta(minutes=50, days=3)
    message = db.session.scalar(sa.select(SmsMessage).where(SmsMessage.kind == "feedback_link"))
    assert message.phone == "13812345678" and f"feedback_link:{follow_up.id}" == message.dedupe_key
    # The owner answers from the link, as for an order.
    services.submit_feedback(token_of(follow_up), answers(2, 1, 2), now=NOW + timedelta(hours=2))
    assert db.session.get(FollowUp, follow_up.id).state == "answered"


def test_open_follow_up_on_a_rescue_the_crew_finished_names_the_dispatcher_who_sent_them(ctx, store, staff):
    dispatcher = actor(staff["rescue_dispatcher"])
    van = unit(store, "救援1号", NANSHAN)
    call, sent = rescue.dispatch_call(take_call(store, dispatcher).id, responder=f"unit:{van.id}", actor=dispatcher,
                                      now=NOW + timedelta(minutes=3), crew_link=link)
    token = sent.rsplit("/", 1)[-1]
    rescue.crew_step(token, "on_scene", photo=None, folder="/nonexistent", now=NOW + timedelta(minutes=20))
    rescue.crew_step(token, "completed", photo=None, folder="/nonexistent", now=NOW + timedelta(minutes=40),
                     owner_absent_reason="车主已先行离开")  # no signature file to write

    follow_up = db.session.scalar(sa.select(FollowUp).where(FollowUp.source_kind == "rescue"))
    assert follow_up.source_ref == call.id and follow_up.handled_by_id == dispatcher.user_id
    assert count(FollowUp) == 1


def test_open_follow_up_of_a_quick_lane_order_is_its_own_kind(shop):
    order = _quick_lane_delivered(shop)
    plain = delivered(shop)

    kinds = dict(db.session.execute(sa.select(FollowUp.source_ref, FollowUp.source_kind)).all())
    assert kinds == {order.id: "quick_lane", plain.id: "repair_order"}


def test_month_sheet_counts_each_kind_of_service_apart(shop, store, staff, cs):
    dispatcher = actor(staff["rescue_dispatcher"])
    first = delivered(shop)
    delivered(shop)
    lane = _quick_lane_delivered(shop)
    _rescued(store, dispatcher)
    follow_ups = {f.source_ref if f.source_kind != "rescue" else "rescue": f for f in db.session.scalars(
        sa.select(FollowUp))}
    services.submit_feedback(token_of(follow_ups[first.id]), answers(2, 2, 1), now=NOW + timedelta(hours=1))
    services.submit_feedback(token_of(follow_ups[lane.id]), answers(1, 1, 1), now=NOW + timedelta(hours=1))
    services.submit_feedback(token_of(follow_ups["rescue"]), answers(-1, 0, 0), now=NOW + timedelta(hours=1))

    sheet = services.month_sheet(store.id, date(2026, 11, 1), actor=cs)

    figures = {s.kind: (s.follow_ups, s.n, s.total, s.response_rate_pct, str(s.average)) for s in sheet.sources}
    assert figures == {"repair_order": (2, 1, 5, 50, "5.00"), "quick_lane": (1, 1, 3, 100, "3.00"),
                       "rescue": (1, 1, -1, 100, "-1.00")}
    assert sheet.follow_ups == 4 and sheet.assessment.n == 3 and sheet.assessment.total == 7
