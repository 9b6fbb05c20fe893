"""Shift handover (交班): the open calls and units listed automatically, acknowledged by the incoming dispatcher."""
from datetime import timedelta

import pytest

from dealer.rescue import queries, services
from dealer.rescue.errors import RescueError
from dealer.rescue.models import Handover
from tests.factories import UserFactory
from tests.helpers import NOW, actor, fresh, login, persist, text
from tests.rescue.builders import NANSHAN, link, take_call, unit


@pytest.fixture()
def incoming(store):
    return actor(UserFactory(store=store, roles=["rescue_dispatcher"], full_name="接班调度"))


def test_write_handover_lists_open_calls_with_their_clocks_and_the_units_out(ctx, store, dispatcher):
    own = unit(store, "救援1", NANSHAN)
    unit(store, "救援2", NANSHAN)
    waiting = take_call(store, dispatcher, now=NOW - timedelta(minutes=8), phone="13800000001")
    sent = take_call(store, dispatcher, now=NOW, phone="13800000002")
    services.dispatch_call(sent.id, responder=f"unit:{own.id}", actor=dispatcher, now=NOW, crew_link=link)
    closed = take_call(store, dispatcher, phone="13800000003")
    services.cancel_call(closed.id, reason="重复来电", actor=dispatcher, now=NOW)
    handover = services.write_handover(store.id, note="  高速上还有一单等12122交车  ", actor=dispatcher,
                                       now=NOW + timedelta(minutes=1))
    assert handover.note == "高速上还有一单等12122交车" and handover.acknowledged_at is None
    listed = {c["id"]: c for c in handover.open_calls}
    assert set(listed) == {waiting.id, sent.id}
    assert listed[waiting.id]["age"] == 9 and listed[waiting.id]["dispatch_late"]
    assert listed[sent.id]["responder"] == "救援1" and listed[sent.id]["eta_left"] == 23
    assert handover.units_out == [{"name": "救援1", "status": "on_job"}]
    assert [h.id for h in queries.board([store.id]).handovers] == [handover.id]


def test_acknowledge_handover_by_the_incoming_dispatcher_once(ctx, store, dispatcher, incoming):
    handover = services.write_handover(store.id, note="", actor=dispatcher, now=NOW)
    with pytest.raises(RescueError):
        services.acknowledge_handover(handover.id, actor=dispatcher, now=NOW)  # not the one who wrote it
    assert fresh(Handover, handover.id).acknowledged_at is None
    services.acknowledge_handover(handover.id, actor=incoming, now=NOW + timedelta(minutes=2))
    services.acknowledge_handover(handover.id, actor=incoming, now=NOW + timedelta(minutes=3))  # a second tap
    handover = fresh(Handover, handover.id)
    assert handover.acknowledged_at == NOW + timedelta(minutes=2) and handover.acknowledged_by == "接班调度"
    assert queries.board([store.id]).handovers == []
    third = actor(UserFactory(store=store, roles=["rescue_dispatcher"]))
    with pytest.raises(RescueError):
        services.acknowledge_handover(handover.id, actor=third, now=NOW + timedelta(minutes=4))


def test_write_handover_too_long_a_note_is_refused(ctx, store, dispatcher):
    with pytest.raises(RescueError) as refused:
        services.write_handover(store.id, note="长" * 2001, actor=dispatcher, now=NOW)
    assert refused.value.field == "note"


def test_handover_pages_write_show_on_the_board_and_acknowledge(client, ctx, store, staff):
    other = UserFactory(store=store, roles=["rescue_dispatcher"], full_name="夜班调度")
    persist()
    login(client, staff["rescue_dispatcher"])
    client.post("/rescue/handovers", data={"note": "救援2 车胎待换"})
    handover = queries.handovers([store.id])[0]
    assert handover.note == "救援2 车胎待换"
    assert 'data-testid="handover-pending"' in text(client.get("/rescue/live"))
    client.post("/logout")
    login(client, other)
    page = text(client.get("/rescue/handovers"))
    assert "救援2 车胎待换" in page and f'data-testid="acknowledge-{handover.id}"' in page
    client.post(f"/rescue/handovers/{handover.id}/acknowledge")
    assert fresh(Handover, handover.id).acknowledged_by == "夜班调度"
    assert 'data-testid="handover-pending"' not in text(client.get("/rescue/live"))
