"""Overdue complaints are highlighted and counted: past the deadline, not resolved, the clock running (a paused
one never is); the list counts them and filters them, the API filters them."""
from __future__ import annotations

from datetime import timedelta

from dealer.database import utcnow
from dealer.satisfaction import queries, services
from tests.factories import UserFactory
from tests.helpers import NOW, bearer, login, persist, text


def _complaint(cs, store, now, description="等了三个小时"):
    return services.receive_complaint(services.ComplaintInput(channel="hotline", category="time",
                                                              description=description),
                                      store_id=store.id, actor=cs, now=now)


def _step(complaint, action, cs, now, **extra):
    return services.complaint_step(complaint.id, services.StepInput(action=action, **extra), actor=cs, now=now)


def _four(cs, store):
    """One overdue, one paused past its deadline, one resolved late, one received just now (not yet due)."""
    late = _complaint(cs, store, NOW, "超期未处理")
    paused = _complaint(cs, store, NOW, "等车主回电")
    _step(paused, "pause", cs, NOW + timedelta(days=1), reason="等车主回电")
    resolved = _complaint(cs, store, NOW, "已解决")
    _step(resolved, "acknowledge", cs, NOW)
    _step(resolved, "resolve", cs, NOW + timedelta(days=9), resolution="已道歉并补偿")
    fresh = _complaint(cs, store, utcnow(), "刚收到")
    return late, paused, resolved, fresh


def test_the_count_and_the_filter_match_the_overdue_mark(store, other_store, cs):
    late, paused, resolved, fresh = _four(cs, store)
    gz = UserFactory(username="cs-gz", roles=["cs_supervisor"], store=other_store).as_actor()
    _complaint(gz, other_store, NOW)  # another store's
    at = NOW + timedelta(days=8)  # past the 7 days of those received at NOW

    assert queries.overdue_complaints([store.id], at) == 1
    listed = queries.complaint_page([store.id], overdue_at=at).items
    assert [c.id for c in listed] == [late.id]
    assert [c.overdue(at) for c in (late, paused, resolved, fresh)] == [True, False, False, False]
    assert queries.overdue_complaints([store.id], NOW) == 0


def test_the_list_counts_the_overdue_and_shows_only_them_when_asked(client, store, staff, cs):
    late, *_ = _four(cs, store)
    persist()
    login(client, staff["manager"])

    page = text(client.get("/satisfaction/complaints"))
    only = text(client.get("/satisfaction/complaints?overdue=1"))

    assert "超期 1 件" in page.split('data-testid="overdue-count"')[1].split("</a>")[0]
    assert only.count("/satisfaction/complaints/") - only.count("/satisfaction/complaints/new") == 1
    assert f"/satisfaction/complaints/{late.id}" in only


def test_the_api_lists_the_overdue(client, store, staff, cs):
    late, *_ = _four(cs, store)
    persist()
    listed = client.get("/api/v1/complaints?overdue=true", headers=bearer(staff["cs_supervisor"])).get_json()
    assert [item["id"] for item in listed["items"]] == [late.id] and listed["total"] == 1
    assert client.get("/api/v1/complaints", headers=bearer(staff["cs_supervisor"])).get_json()["total"] == 4
