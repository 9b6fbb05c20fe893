"""Builders for satisfaction tests: a delivered order (its follow-up and SMS), the link's token, a form."""
from __future__ import annotations

import re

import sqlalchemy as sa

from dealer.extensions import db
from dealer.repair import services as repair
from dealer.satisfaction import services
from dealer.satisfaction.models import FollowUp
from dealer.sms.models import SmsMessage
from tests.helpers import NOW
from tests.repair.builders import finished_order, pay

LINK = re.compile(r"/f/([A-Za-z0-9_-]+)")


def delivered(shop, now=NOW, **order_fields):
    """An order finished, paid and handed back at `now`: its follow-up is open and its SMS queued."""
    order = finished_order(shop, now=now, **order_fields)
    repair.settle(order.id, pay(order, (36600, "cash")), actor=shop.cashier, now=now)
    repair.deliver(order.id, actor=shop.advisor, now=now)
    return order


def follow_up_of(order) -> FollowUp:
    return db.session.scalar(sa.select(FollowUp).where(FollowUp.source_kind == "repair_order",
                                                       FollowUp.source_ref == order.id))


def token_of(follow_up) -> str:
    """The token of the follow-up's link, read from its SMS as the owner reads it."""
    message = db.session.scalar(sa.select(SmsMessage).where(SmsMessage.dedupe_key == f"feedback_link:{follow_up.id}"))
    return LINK.search(message.body).group(1)


def answers(t=2, q=2, a=2, comment="", may_call=True) -> services.FormInput:
    return services.FormInput(services.Grades(t, q, a), comment=comment, may_call=may_call)


def answered(shop, t=2, q=2, a=2, comment="", now=NOW):
    """A delivered order whose owner sent the form through the link."""
    follow_up = follow_up_of(delivered(shop, now=now))
    services.submit_feedback(token_of(follow_up), answers(t, q, a, comment), now=now)
    return follow_up
