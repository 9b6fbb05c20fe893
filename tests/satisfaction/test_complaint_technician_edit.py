"""Naming the technician concerned on an existing complaint (after intake): CS only, one of the complaint's store's
technicians, audited with who was named before; on the page and in the API."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from dealer.errors import Forbidden
from dealer.extensions import db
from dealer.satisfaction import services
from dealer.satisfaction.errors import IllegalStep, InvalidInput
from dealer.satisfaction.models import Complaint
from tests.factories import UserFactory
from tests.helpers import NOW, actor, assert_error, audit_entries, bearer, fresh, login, persist, text


def _receive(cs, store, technician_id=None):
    return services.receive_complaint(services.ComplaintInput(
        channel="hotline", category="quality", description="刹车还是响", technician_id=technician_id),
        store_id=store.id, actor=cs, now=NOW)


@pytest.fixture()
def second(db_session, store):
    return UserFactory(username="tech2-sz", full_name="李师傅", roles=["technician"], store=store)


def test_cs_names_a_technician_after_intake_and_the_log_says_who_was_named_before(store, staff, cs, second):
    complaint = _receive(cs, store, staff["technician"].id)

    named = services.name_technician(complaint.id, second.id, actor=cs, now=NOW)

    assert fresh(Complaint, complaint.id).technician_id == second.id and named.technician.display_name == "李师傅"
    [entry] = audit_entries("complaint_technician_named")
    assert entry.changes["technician"] == [staff["technician"].display_name, "李师傅"]
    assert entry.changes["technician_id"] == [staff["technician"].id, second.id]


def test_naming_nobody_clears_it_and_naming_the_same_one_records_nothing(store, staff, cs, second):
    complaint = _receive(cs, store)
    services.name_technician(complaint.id, second.id, actor=cs, now=NOW)
    services.name_technician(complaint.id, second.id, actor=cs, now=NOW)
    services.name_technician(complaint.id, None, actor=cs, now=NOW)

    assert fresh(Complaint, complaint.id).technician_id is None
    assert [entry.changes["technician"] for entry in audit_entries("complaint_technician_named")] == [
        ["", "李师傅"], ["李师傅", ""]]


@pytest.mark.parametrize("who", ["service_advisor", "other_stores_technician"])
def test_anyone_but_a_technician_of_the_complaints_store_is_refused_and_nothing_changes(store, other_store, staff,
                                                                                      cs, second, who):
    user = UserFactory(username="tech-gz", roles=["technician"], store=other_store) \
        if who == "other_stores_technician" else staff[who]
    complaint = _receive(cs, store, second.id)
    with pytest.raises(InvalidInput) as refused:
        services.name_technician(complaint.id, user.id, actor=cs, now=NOW)
    assert refused.value.field == "technician_id"
    assert fresh(Complaint, complaint.id).technician_id == second.id
    assert audit_entries("complaint_technician_named") == []


def test_only_cs_names_the_technician_and_not_on_a_closed_complaint(store, staff, cs, second):
    complaint = _receive(cs, store)
    for role in ("service_advisor", "manager", "technician"):
        with pytest.raises(Forbidden):
            services.name_technician(complaint.id, second.id, actor=actor(staff[role]), now=NOW)
    for step in (services.StepInput("acknowledge"),
                 services.StepInput("resolve", resolution="已更换刹车片", owner_confirmed=True),
                 services.StepInput("close", root_cause="workmanship")):
        services.complaint_step(complaint.id, step, actor=cs, now=NOW)
    with pytest.raises(IllegalStep):
        services.name_technician(complaint.id, second.id, actor=cs, now=NOW)
    assert fresh(Complaint, complaint.id).technician_id is None


def test_cs_names_the_technician_on_the_complaints_page(client, store, staff, cs, second):
    complaint = _receive(cs, store)
    persist()
    login(client, staff["cs_supervisor"])
    page = text(client.get(f"/satisfaction/complaints/{complaint.id}"))
    menu = page.split('data-testid="name-technician"')[1].split("</form>")[0]
    assert f'value="{second.id}">李师傅<' in menu and f'value="{staff["service_advisor"].id}"' not in menu

    response = client.post(f"/satisfaction/complaints/{complaint.id}/technician",
                           data={"technician_id": str(second.id)})
    refused = client.post(f"/satisfaction/complaints/{complaint.id}/technician",
                          data={"technician_id": str(staff["service_advisor"].id)}, follow_redirects=True)

    assert response.status_code == 302
    assert db.session.scalar(sa.select(Complaint.technician_id).where(Complaint.id == complaint.id)) == second.id
    assert "请选择本店的技师" in text(refused)
    shown = text(client.get(f"/satisfaction/complaints/{complaint.id}"))
    assert "李师傅" in shown.split('data-testid="complaint-technician"')[1].split("<form")[0]


def test_a_manager_reads_the_technician_but_gets_no_form_and_cannot_post(client, store, staff, cs, second):
    complaint = _receive(cs, store, second.id)
    persist()
    login(client, staff["manager"])
    page = text(client.get(f"/satisfaction/complaints/{complaint.id}"))
    assert "李师傅" in page and 'data-testid="name-technician"' not in page
    response = client.post(f"/satisfaction/complaints/{complaint.id}/technician", data={"technician_id": "0"})
    assert response.status_code == 403 and fresh(Complaint, complaint.id).technician_id == second.id


def test_the_api_names_changes_and_clears_the_technician(client, store, staff, cs, second):
    complaint = _receive(cs, store)
    persist()
    headers = bearer(staff["cs_supervisor"])
    url = f"/api/v1/complaints/{complaint.id}/technician"

    named = client.put(url, json={"technician_id": second.id}, headers=headers)
    refused = client.put(url, json={"technician_id": staff["manager"].id}, headers=headers)
    advisor = client.put(url, json={"technician_id": None}, headers=bearer(staff["service_advisor"]))

    assert named.status_code == 200 and named.get_json()["technician_id"] == second.id
    assert_error(refused, 422, "satisfaction.invalid", fields=["technician_id"])
    assert advisor.status_code == 403 and fresh(Complaint, complaint.id).technician_id == second.id
    cleared = client.put(url, json={"technician_id": None}, headers=headers)
    assert cleared.status_code == 200 and cleared.get_json()["technician_id"] is None


def test_the_audit_log_reads_the_change_as_a_sentence(client, store, staff, cs, second):
    complaint = _receive(cs, store)
    services.name_technician(complaint.id, second.id, actor=cs, now=NOW)
    persist()
    login(client, staff["manager"])
    page = text(client.get("/audit/"))
    assert "指定涉及技师：- → 李师傅" in page and "complaint_technician_named" not in page
