"""CS's call list reads the waiting follow-ups and the pending verifications each in its index's order (one
statement): the same rows, in the same order, as filtering every follow-up of the store and sorting them."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from dealer.database import utcnow
from dealer.extensions import db
from dealer.parts.models import Part
from dealer.satisfaction import queries
from dealer.satisfaction.models import UNREACHABLE, WAITING, FollowUp
from tests.helpers import NOW, login, persist, text
from tests.satisfaction.builders import answered, delivered, follow_up_of


def _by_definition(store_id, limit) -> list[tuple[int, str]]:
    """The list's definition: waiting, or drawn for a verification call; waiting first, soonest due first."""
    rows = db.session.execute(
        sa.select(FollowUp.id, FollowUp.state).where(
            FollowUp.store_id == store_id, sa.or_(FollowUp.state == WAITING, FollowUp.verify_state == "pending"))
        .order_by(FollowUp.state.desc(), FollowUp.due_at, FollowUp.id).limit(limit))
    return [(follow_up_id, "follow_up" if state == WAITING else "verification") for follow_up_id, state in rows]


def test_call_list_is_the_waiting_then_the_pending_verifications_in_due_order(shop, cs):
    db.session.execute(sa.update(Part).where(Part.store_id == shop.store.id).values(on_hand=1_000_000))
    for hours in (5, 1, 3, 1):  # two due at the same time: the id decides
        delivered(shop, now=NOW + timedelta(hours=hours))
    drawn = [answered(shop, now=NOW + timedelta(hours=hours)) for hours in (4, 2, 6)]
    not_drawn = answered(shop, now=NOW + timedelta(hours=7))  # answered, not drawn (the draw is random): no call
    db.session.execute(sa.update(FollowUp).where(FollowUp.id == not_drawn.id).values(verify_state="none"))
    lost = follow_up_of(delivered(shop, now=NOW + timedelta(hours=8)))
    db.session.execute(sa.update(FollowUp).where(FollowUp.id.in_([f.id for f in drawn] + [lost.id]))
                       .values(verify_state="pending"))
    db.session.execute(sa.update(FollowUp).where(FollowUp.id == lost.id).values(state=UNREACHABLE))
    db.session.expire_all()
    store_id = shop.store.id
    full = _by_definition(store_id, 200)
    assert [purpose for _id, purpose in full] == ["follow_up"] * 4 + ["verification"] * 4
    for limit in (1, 3, 4, 5, 8, 200):
        listed = queries.call_list([store_id], actor=cs, limit=limit)
        assert [(call.follow_up.id, call.purpose) for call in listed] == _by_definition(store_id, limit)


def test_call_list_page_shows_the_owner_the_car_and_links_the_follow_up(client, staff, shop):
    follow_up = follow_up_of(delivered(shop, now=utcnow()))
    persist()
    login(client, staff["cs_supervisor"])

    page = text(client.get("/satisfaction/")).split('data-testid="calls"')[1]
    shown = page.split(f'href="/satisfaction/follow-ups/{follow_up.id}"')[1].split("</tr>")[0]
    assert shop.vehicle.plate in shown and shop.vehicle.owner.name in shown
    assert f'href="tel:{shop.vehicle.owner.mobile}"' in shown
