"""Supervision notes (监督记录): observations (啄木鸟) and key-customer visits (拜访), read by CS and managers only."""
from __future__ import annotations

from datetime import date

import pytest

from dealer.errors import Forbidden
from dealer.satisfaction import queries, services
from dealer.satisfaction.errors import InvalidInput
from dealer.satisfaction.models import SupervisionNote
from tests.helpers import NOW, count, login, persist, text
from tests.isolation import isolated_client

SEEN = services.NoteInput(kind="observation", noted_on=date(2026, 11, 22), subject="前台",
                          text="顾问让车主当场在手机上打满分。", needs_action=True)


def test_record_note_by_cs_and_a_managers_visit(store, staff, cs, manager):
    seen = services.record_note(store.id, services.NoteInput(**{**SEEN.__dict__, "concerns_id":
                                                                 staff["service_advisor"].id}), actor=cs, now=NOW)
    visit = services.record_note(store.id, services.NoteInput(kind="visit", noted_on=date(2026, 11, 23),
                                                              subject="顺丰车队 李经理", text="希望周末也能保养"),
                                 actor=manager, now=NOW)

    notes = queries.note_page([store.id]).items
    assert [n.id for n in notes] == [visit.id, seen.id]
    assert (seen.concerns_id, seen.recorded_by_id, seen.needs_action) == (staff["service_advisor"].id, cs.user_id, True)


def test_record_note_refuses_a_managers_observation_the_people_assessed_and_bad_input(store, manager, advisor, cs):
    with pytest.raises(Forbidden):
        services.record_note(store.id, SEEN, actor=manager, now=NOW)
    with pytest.raises(Forbidden):
        services.record_note(store.id, services.NoteInput(**{**SEEN.__dict__, "kind": "visit"}), actor=advisor,
                             now=NOW)
    for changes, field in (({"noted_on": date(2026, 11, 24)}, "noted_on"), ({"text": " "}, "text"),
                           ({"subject": ""}, "subject"), ({"kind": "rumour"}, "kind")):
        with pytest.raises(InvalidInput) as refused:
            services.record_note(store.id, services.NoteInput(**{**SEEN.__dict__, **changes}), actor=cs, now=NOW)
        assert refused.value.field == field
    assert count(SupervisionNote) == 0


def test_notes_page_records_a_note_and_only_cs_and_managers_see_it(app, client, store, staff, cs):
    services.record_note(store.id, SEEN, actor=cs, now=NOW)
    persist()
    login(client, staff["cs_supervisor"])
    sent = client.post("/satisfaction/notes", data={"kind": "visit", "noted_on": "2026-11-20", "subject": "车队",
                                                     "text": "满意", "concerns_id": "0"})
    assert sent.status_code == 302 and count(SupervisionNote) == 2
    manager = isolated_client(app)
    login(manager, staff["manager"])
    assert "顾问让车主当场在手机上打满分" in text(manager.get("/satisfaction/notes"))
    for role in ("service_advisor", "technician"):
        other = isolated_client(app)
        login(other, staff[role])
        assert other.get("/satisfaction/notes").status_code == 403
