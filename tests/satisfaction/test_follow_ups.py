"""Follow-ups (回访): opened on delivery with an SMS link, the owner's form, CS's calls, cases for managers."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from dealer.errors import Forbidden, NotFound
from dealer.extensions import db
from dealer.satisfaction import services
from dealer.satisfaction.errors import FollowUpClosed, InvalidInput, LinkExpired, NotTheVerifier
from dealer.satisfaction.models import FeedbackForm, FollowUp, SatisfactionCase, SatisfactionSettings
from dealer.sms.models import SmsMessage
from tests.factories import UserFactory
from tests.helpers import NOW, actor, count
from tests.satisfaction.builders import answered, answers, delivered, follow_up_of, token_of


def test_open_follow_up_on_delivery_is_due_in_3_days_and_texts_the_owner_an_unguessable_link(shop):
    order = delivered(shop)

    follow_up = follow_up_of(order)
    assert follow_up.state == "waiting" and follow_up.due_at == NOW + timedelta(days=3)
    assert follow_up.source_number == order.number and follow_up.handled_by_id == shop.advisor.user_id
    assert follow_up.service_month.isoformat() == "2026-11-01"
    message = db.session.scalar(sa.select(SmsMessage).where(SmsMessage.kind == "feedback_link"))
    token = token_of(follow_up)
    assert len(token) >= 24 and token not in follow_up.token_hash  # only the token's hash is kept
    assert message.phone == shop.vehicle.owner.mobile and message.expires_at == NOW + timedelta(days=7)


def test_open_follow_up_once_per_order_however_often_announced(shop):
    order = delivered(shop)
    first = follow_up_of(order)
    again = services.open_follow_up(store_id=order.store_id, source_kind="repair_order", source_ref=order.id,
                                    source_number=order.number, customer=shop.vehicle.owner, vehicle=shop.vehicle,
                                    handled_by_id=None, now=NOW, link_base="http://x")
    assert again.id == first.id and count(FollowUp) == 1 and count(SmsMessage, SmsMessage.kind == "feedback_link") == 1


def test_open_follow_up_days_follow_the_store_setting(shop, store):
    db.session.add(SatisfactionSettings(store_id=store.id, follow_up_days=2))
    assert follow_up_of(delivered(shop)).due_at == NOW + timedelta(days=2)


def test_submit_feedback_records_the_form_and_a_repeat_is_the_same_form(shop):
    follow_up = follow_up_of(delivered(shop))
    token = token_of(follow_up)

    first = services.submit_feedback(token, answers(2, 1, 2, "很好"), now=NOW + timedelta(hours=2))
    second = services.submit_feedback(token, answers(-2, -2, -2, "改主意"), now=NOW + timedelta(hours=3))

    assert second.id == first.id and count(FeedbackForm) == 1
    form = db.session.get(FeedbackForm, first.id)
    assert (form.timeliness, form.quality, form.attitude, form.comment, form.channel) == (2, 1, 2, "很好", "link")
    assert db.session.get(FollowUp, follow_up.id).state == "answered"


def test_submit_feedback_refuses_an_unknown_or_expired_link(shop):
    follow_up = follow_up_of(delivered(shop))
    with pytest.raises(NotFound):
        services.submit_feedback("not-a-token", answers(), now=NOW)
    with pytest.raises(LinkExpired):
        services.submit_feedback(token_of(follow_up), answers(), now=NOW + timedelta(days=8))
    assert count(FeedbackForm) == 0


def test_submit_feedback_refuses_a_grade_outside_a_to_e(shop):
    follow_up = follow_up_of(delivered(shop))
    with pytest.raises(InvalidInput) as refused:
        services.submit_feedback(token_of(follow_up), answers(3, 0, 0), now=NOW)
    assert refused.value.field == "timeliness" and count(FeedbackForm) == 0


def test_a_d_grade_opens_a_case_for_the_stores_manager_with_a_deadline(shop, store):
    follow_up = answered(shop, 2, -1, 1)
    case = db.session.scalar(sa.select(SatisfactionCase))
    assert case.follow_up_id == follow_up.id and case.reason == "low_grade" and case.detail == "quality"
    assert case.responsible_id == shop.manager.user_id and case.deadline_at == NOW + timedelta(days=3)


@pytest.mark.parametrize("comment", ["刹车还是响", "上次返修过", "又坏了"])
def test_a_comment_naming_a_comeback_opens_a_case_despite_top_marks(shop, comment):
    answered(shop, 2, 2, 2, comment)
    case = db.session.scalar(sa.select(SatisfactionCase))
    assert case is not None and case.reason == "comment"


def test_the_store_edits_the_word_list(shop, store):
    db.session.add(SatisfactionSettings(store_id=store.id, case_words="异响"))
    answered(shop, 2, 2, 2, "还是有点异响")
    assert db.session.scalar(sa.select(SatisfactionCase.detail)) == "异响"


def test_good_marks_and_a_kind_word_open_no_case(shop):
    answered(shop, 2, 1, 0, "很满意")
    assert count(SatisfactionCase) == 0


def test_close_case_records_the_outcome(shop):
    answered(shop, -2, 0, 0)
    case = db.session.scalar(sa.select(SatisfactionCase))
    services.close_case(case.id, outcome="已重新检修，车主满意", actor=shop.manager, now=NOW)
    assert (case.state, case.outcome) == ("closed", "已重新检修，车主满意")
    with pytest.raises(FollowUpClosed):
        services.close_case(case.id, outcome="again", actor=shop.manager, now=NOW)


def _call(reached=False, grades=None, purpose="follow_up"):
    return services.CallInput(purpose=purpose, reached=reached, grades=grades)


def test_record_call_third_failed_try_closes_the_follow_up_as_unreachable(shop, cs):
    follow_up = follow_up_of(delivered(shop))
    for hour in (1, 2):
        services.record_call(follow_up.id, _call(), actor=cs, now=NOW + timedelta(hours=hour))
        assert db.session.get(FollowUp, follow_up.id).state == "waiting"
    services.record_call(follow_up.id, _call(), actor=cs, now=NOW + timedelta(hours=3))
    follow_up = db.session.get(FollowUp, follow_up.id)
    assert (follow_up.state, follow_up.tries) == ("unreachable", 3)
    with pytest.raises(FollowUpClosed):
        services.record_call(follow_up.id, _call(), actor=cs, now=NOW + timedelta(hours=4))


def test_record_call_reached_records_the_form_by_phone(shop, cs):
    follow_up = follow_up_of(delivered(shop))
    services.record_call(follow_up.id, _call(True, services.Grades(1, 1, 0)), actor=cs, now=NOW)
    form = db.session.scalar(sa.select(FeedbackForm))
    assert (form.channel, form.recorded_by_id, form.points) == ("phone", cs.user_id, 2)
    assert count(FeedbackForm) == 1


def test_record_call_reached_without_grades_is_refused(shop, cs):
    follow_up = follow_up_of(delivered(shop))
    with pytest.raises(InvalidInput):
        services.record_call(follow_up.id, _call(True, None), actor=cs, now=NOW)


def test_record_call_is_cs_work_an_advisor_or_manager_cannot(shop):
    follow_up = follow_up_of(delivered(shop))
    for who in (shop.advisor, shop.manager):
        with pytest.raises(Forbidden):
            services.record_call(follow_up.id, _call(), actor=who, now=NOW)


def test_verification_sample_follows_the_share_setting(shop, store):
    db.session.add(SatisfactionSettings(store_id=store.id, verify_share_pct=100))
    assert answered(shop).verify_state == "pending"
    db.session.get(SatisfactionSettings, store.id).verify_share_pct = 0
    assert answered(shop).verify_state == "none"


def test_verification_call_by_a_colleague_other_than_the_recorder(shop, store, cs, cs2):
    db.session.add(SatisfactionSettings(store_id=store.id, verify_share_pct=100))
    follow_up = follow_up_of(delivered(shop))
    services.record_call(follow_up.id, _call(True, services.Grades(2, 2, 2)), actor=cs, now=NOW)
    follow_up.verify_state = "pending"  # a form by phone drawn for verification too (as CS may choose)
    verify = _call(True, services.Grades(0, 0, 0), purpose="verification")
    with pytest.raises(NotTheVerifier):
        services.record_call(follow_up.id, verify, actor=cs, now=NOW)
    services.record_call(follow_up.id, verify, actor=cs2, now=NOW + timedelta(hours=1))
    assert db.session.get(FollowUp, follow_up.id).verify_state == "done"


def test_get_follow_up_of_another_store_is_not_found(shop, other_store):
    follow_up = follow_up_of(delivered(shop))
    stranger = actor(UserFactory(username="cs-gz", roles=["cs_supervisor"], store=other_store))
    with pytest.raises(NotFound):
        services.get_follow_up(follow_up.id, actor=stranger)
