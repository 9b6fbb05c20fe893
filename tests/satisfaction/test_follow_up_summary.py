"""A follow-up keeps its form's time and points (`answered_at`, `points`, set when the form is recorded) and the
five assurances' after-repair figures read them there: on follow-ups built through the services (forms by the SMS
link in time and late, one after its month ended; by phone; an owner never reached; one not answered yet), the
figures equal their definition through the forms themselves, month by month."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from dealer.extensions import db
from dealer.parts.models import Part
from dealer.satisfaction import assurance, services
from dealer.satisfaction.models import FeedbackForm, FollowUp
from tests.helpers import NOW
from tests.satisfaction.builders import answers, delivered, follow_up_of, token_of

NOVEMBER, DECEMBER = date(2026, 11, 1), date(2026, 12, 1)


def _by_the_forms(store_id, month) -> tuple[int, int, int, int]:
    """Follow-ups of the month, forms by their due time, forms, points: read through the forms (the definition)."""
    in_time = sa.and_(FeedbackForm.id.is_not(None), FeedbackForm.submitted_at <= FollowUp.due_at)
    n, done, forms, points = db.session.execute(
        sa.select(sa.func.count(FollowUp.id), sa.func.sum(sa.case((in_time, 1), else_=0)),
                  sa.func.count(FeedbackForm.id),
                  sa.func.sum(FeedbackForm.timeliness + FeedbackForm.quality + FeedbackForm.attitude))
        .outerjoin(FeedbackForm, sa.and_(FeedbackForm.follow_up_id == FollowUp.id,
                                         FeedbackForm.store_id == FollowUp.store_id))
        .where(FollowUp.store_id == store_id, FollowUp.service_month == month,
               FollowUp.source_kind.in_(("repair_order", "quick_lane")))).one()
    return int(n), int(done or 0), int(forms), int(points or 0)


def test_after_repair_figures_from_the_follow_ups_equal_those_through_the_forms(app, shop, cs):
    db.session.execute(sa.update(Part).where(Part.store_id == shop.store.id).values(on_hand=1_000_000))
    served = [follow_up_of(delivered(shop, now=NOW + timedelta(days=day))) for day in (0, 1, 2, 3, 4, 5)]
    # by the link, in time (A B C) and late (D D E: 4 days after a hand-over due in 3, in the next month)
    services.submit_feedback(token_of(served[0]), answers(2, 1, 0), now=NOW + timedelta(days=1))
    services.submit_feedback(token_of(served[5]), answers(-1, -1, -2), now=NOW + timedelta(days=9))
    # by phone, in time
    services.record_call(served[1].id, services.CallInput(purpose="follow_up", reached=True,
                                                          grades=services.Grades(1, 2, 2)),
                         actor=cs, now=NOW + timedelta(days=2))
    # never reached: three failed calls
    for hour in (1, 2, 3):
        services.record_call(served[2].id, services.CallInput(purpose="follow_up", reached=False), actor=cs,
                             now=NOW + timedelta(days=3, hours=hour))
    # served[3] and served[4]: no answer yet

    kept = db.session.execute(sa.select(FollowUp.answered_at, FollowUp.points, FeedbackForm.submitted_at,
                                        FeedbackForm.timeliness + FeedbackForm.quality + FeedbackForm.attitude)
                              .outerjoin(FeedbackForm, FeedbackForm.follow_up_id == FollowUp.id)
                              .where(FollowUp.store_id == shop.store.id)).all()
    assert len(kept) == 6 and all((row[0], row[1]) == (row[2], row[3]) for row in kept)
    assert sorted(row[1] for row in kept if row[1] is not None) == [-4, 3, 5]

    found = assurance.live_figures(shop.store, [NOVEMBER, DECEMBER])
    for month in (NOVEMBER, DECEMBER):
        figure = found[month]
        assert (figure.follow_ups, figure.done_in_time, figure.forms, figure.points) == \
            _by_the_forms(shop.store.id, month)
    november = found[NOVEMBER]
    assert (november.follow_ups, november.done_in_time, november.forms, november.points) == (6, 2, 3, 4)
