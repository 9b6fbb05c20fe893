"""A complaint names the technician concerned: one of the store's technicians, chosen by CS at intake (page and
API), shown on the complaint, counted per technician on the list's filter."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from dealer.extensions import db
from dealer.satisfaction import queries, services
from dealer.satisfaction.errors import InvalidInput
from dealer.satisfaction.models import Complaint
from tests.factories import UserFactory
from tests.helpers import NOW, assert_error, bearer, count, login, persist, text


def _receive(cs, store, technician_id=None, state_to=None):
    complaint = services.receive_complaint(services.ComplaintInput(
        channel="hotline", category="quality", description="刹车还是响", technician_id=technician_id),
        store_id=store.id, actor=cs, now=NOW)
    if state_to == "closed":
        for step in (services.StepInput("acknowledge"), services.StepInput("resolve", resolution="已更换刹车片",
                                                                            owner_confirmed=True),
                     services.StepInput("close", root_cause="workmanship")):
            services.complaint_step(complaint.id, step, actor=cs, now=NOW)
    return complaint


@pytest.fixture()
def second(db_session, store):
    return UserFactory(username="tech2-sz", full_name="李师傅", roles=["technician"], store=store)


def test_a_complaint_names_one_of_the_stores_technicians(store, staff, cs):
    complaint = _receive(cs, store, staff["technician"].id)
    assert db.session.get(Complaint, complaint.id).technician_id == staff["technician"].id
    assert complaint.technician.display_name == staff["technician"].display_name


@pytest.mark.parametrize("who", ["service_advisor", "other_stores_technician"])
def test_anyone_but_a_technician_of_the_store_is_refused_and_nothing_recorded(store, other_store, staff, cs, who):
    user = UserFactory(username="tech-gz", roles=["technician"], store=other_store) \
        if who == "other_stores_technician" else staff[who]
    with pytest.raises(InvalidInput) as refused:
        _receive(cs, store, user.id)
    assert refused.value.field == "technician_id" and count(Complaint) == 0


def test_complaints_are_counted_per_technician_open_ones_apart(store, other_store, staff, cs, second):
    technician = staff["technician"]
    _receive(cs, store, technician.id)
    _receive(cs, store, technician.id, state_to="closed")
    _receive(cs, store, second.id)
    _receive(cs, store)  # names nobody
    stranger = UserFactory(username="tech-gz", roles=["technician"], store=other_store)
    gz = UserFactory(username="cs-gz", roles=["cs_supervisor"], store=other_store).as_actor()
    _receive(gz, other_store, stranger.id)

    assert queries.complaints_per_technician([store.id]) == [
        (technician.id, technician.display_name, 2), (second.id, "李师傅", 1)]
    assert sorted(queries.complaints_per_technician([store.id], open_only=True)) == sorted([
        (technician.id, technician.display_name, 1), (second.id, "李师傅", 1)])


def test_cs_names_the_technician_on_the_intake_form_and_the_page_shows_it(client, store, staff, second):
    login(client, staff["cs_supervisor"])
    form = text(client.get("/satisfaction/complaints/new"))
    assert f'value="{second.id}">李师傅<' in form
    assert f'value="{staff["service_advisor"].id}"' not in form.split('name="technician_id"')[1].split("</select>")[0]

    response = client.post("/satisfaction/complaints/new", data={
        "channel": "hotline", "category": "quality", "severity": "normal", "description": "刹车还是响",
        "technician_id": str(second.id)})

    complaint = db.session.scalar(sa.select(Complaint))
    assert response.status_code == 302 and complaint.technician_id == second.id
    page = text(client.get(f"/satisfaction/complaints/{complaint.id}"))
    assert "李师傅" in page.split('data-testid="complaint-technician"')[1].split("</dd>")[0]


def test_the_intake_form_refuses_someone_not_on_the_list(client, store, staff):
    login(client, staff["cs_supervisor"])
    response = client.post("/satisfaction/complaints/new", data={
        "channel": "hotline", "category": "quality", "severity": "normal", "description": "刹车还是响",
        "technician_id": str(staff["service_advisor"].id)})
    assert response.status_code == 200 and "is-invalid" in text(response) and count(Complaint) == 0


def test_the_list_counts_per_technician_and_filters_by_one(client, store, staff, cs, second):
    technician = staff["technician"]
    _receive(cs, store, technician.id)
    _receive(cs, store, technician.id)
    only = _receive(cs, store, second.id)
    persist()
    login(client, staff["manager"])

    page = text(client.get("/satisfaction/complaints"))
    filtered = text(client.get(f"/satisfaction/complaints?technician={second.id}"))

    menu = page.split('data-testid="technician-filter"')[1].split("</select>")[0]
    assert f"{technician.display_name} (2)" in menu and "李师傅 (1)" in menu
    assert filtered.count("/satisfaction/complaints/") == 1 + filtered.count("/satisfaction/complaints/new")
    assert f"/satisfaction/complaints/{only.id}" in filtered


def test_the_api_names_the_technician_and_filters_by_them(client, store, staff, second):
    headers = bearer(staff["cs_supervisor"])
    persist()
    body = {"channel": "hotline", "category": "quality", "description": "刹车还是响"}
    named = client.post("/api/v1/complaints", json={**body, "technician_id": second.id}, headers=headers)
    client.post("/api/v1/complaints", json=body, headers=headers)
    refused = client.post("/api/v1/complaints", json={**body, "technician_id": staff["manager"].id}, headers=headers)

    assert named.status_code == 201 and named.get_json()["technician_id"] == second.id
    error = assert_error(refused, 422, "satisfaction.invalid", fields=["technician_id"])
    assert error["message"] == "请选择本店的技师。"
    listed = client.get(f"/api/v1/complaints?technician_id={second.id}", headers=headers).get_json()
    assert [item["id"] for item in listed["items"]] == [named.get_json()["id"]] and count(Complaint) == 2
