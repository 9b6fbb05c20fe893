"""Complaints (投诉) with their pausable clock, and the month sheet from built records (signed, versioned)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from dealer.errors import Forbidden
from dealer.extensions import db
from dealer.satisfaction import services
from dealer.satisfaction.errors import AlreadySigned, IllegalStep, InvalidInput
from dealer.satisfaction.models import Complaint, MonthAssessment, SatisfactionSettings
from tests.helpers import NOW, count, login
from tests.satisfaction.builders import answered, delivered

NOVEMBER = date(2026, 11, 1)


def _complaint(cs, now=NOW, **extra):
    data = services.ComplaintInput(channel=extra.pop("channel", "hotline"), category=extra.pop("category", "time"),
                                   description=extra.pop("description", "等了三个小时"), **extra)
    return services.receive_complaint(data, store_id=None, actor=cs, now=now)


def _step(complaint, action, cs, now, **extra):
    return services.complaint_step(complaint.id, services.StepInput(action=action, **extra), actor=cs, now=now)


def test_receive_complaint_sets_the_acknowledge_and_resolve_deadlines(store, cs):
    complaint = _complaint(cs)
    assert complaint.store_id == store.id and complaint.state == "received"
    assert complaint.ack_due_at == NOW + timedelta(hours=24) and complaint.deadline_at == NOW + timedelta(days=7)


def test_receive_complaint_is_cs_work(shop):
    with pytest.raises(Forbidden):
        _complaint(shop.advisor)
    with pytest.raises(Forbidden):
        _complaint(shop.manager)
    assert count(Complaint) == 0


def test_receive_complaint_refuses_an_unknown_category_and_an_empty_description(cs):
    with pytest.raises(InvalidInput) as refused:
        _complaint(cs, category="weather")
    assert refused.value.field == "category"
    with pytest.raises(InvalidInput) as refused:
        _complaint(cs, description="   ")
    assert refused.value.field == "description"


def test_the_clock_pauses_while_waiting_for_the_owner_and_the_deadline_moves_on(cs):
    complaint = _complaint(cs)
    _step(complaint, "acknowledge", cs, NOW + timedelta(hours=2))
    _step(complaint, "investigate", cs, NOW + timedelta(hours=3))
    paused = _step(complaint, "pause", cs, NOW + timedelta(days=6), reason="等车主提供照片")
    assert paused.paused_at is not None and paused.pause_reason == "等车主提供照片"
    assert not paused.overdue(NOW + timedelta(days=9))  # a paused clock is never overdue

    resumed = _step(complaint, "resume", cs, NOW + timedelta(days=9))

    assert resumed.paused_at is None and resumed.paused_seconds == 3 * 86400
    assert resumed.deadline_at == NOW + timedelta(days=10)
    assert not resumed.overdue(NOW + timedelta(days=9, hours=23))
    assert resumed.overdue(NOW + timedelta(days=10, minutes=1))


def test_pause_needs_its_reason_and_cannot_pause_twice(cs):
    complaint = _complaint(cs)
    with pytest.raises(InvalidInput):
        _step(complaint, "pause", cs, NOW, reason=" ")
    _step(complaint, "pause", cs, NOW, reason="等配件")
    with pytest.raises(IllegalStep):
        _step(complaint, "pause", cs, NOW, reason="again")


def test_resolve_then_close_needs_the_root_cause_and_the_owners_confirmation(cs):
    complaint = _complaint(cs)
    _step(complaint, "investigate", cs, NOW)
    _step(complaint, "resolve", cs, NOW + timedelta(days=1), resolution="免费重新检修")
    with pytest.raises(InvalidInput) as refused:
        _step(complaint, "close", cs, NOW + timedelta(days=2))
    assert refused.value.field == "root_cause"
    with pytest.raises(InvalidInput) as refused:
        _step(complaint, "close", cs, NOW + timedelta(days=2), root_cause="workmanship")
    assert refused.value.field == "owner_confirmed"
    closed = _step(complaint, "close", cs, NOW + timedelta(days=2), root_cause="workmanship", owner_confirmed=True)
    assert (closed.state, closed.root_cause, closed.owner_confirmed) == ("closed", "workmanship", True)
    reopened = _step(complaint, "reopen", cs, NOW + timedelta(days=3))
    assert reopened.state == "investigating" and reopened.closed_at is None


def test_only_cs_takes_a_complaints_steps(shop, cs):
    complaint = _complaint(cs)
    with pytest.raises(Forbidden):
        _step(complaint, "acknowledge", shop.manager, NOW)
    assert db.session.get(Complaint, complaint.id).state == "received"


def test_a_step_out_of_order_is_refused(cs):
    with pytest.raises(IllegalStep):
        _step(_complaint(cs), "close", cs, NOW, root_cause="other", owner_confirmed=True)


# -- the month sheet ------------------------------------------------------------------------------

def test_month_sheet_from_records_n_total_average_response_rate_and_complaints(shop, store, cs):
    db.session.add(SatisfactionSettings(store_id=store.id, verify_share_pct=0))
    answered(shop, 2, 2, 0)  # 4
    answered(shop, 1, 1, 0)  # 2
    delivered(shop)  # no form yet
    october = datetime(2026, 10, 15, 2, tzinfo=timezone.utc)
    answered(shop, 1, 0, 0, now=october)  # the previous month: average 1.00
    _complaint(cs)
    _complaint(cs, now=october)

    sheet = services.month_sheet(store.id, NOVEMBER, actor=cs)

    a = sheet.assessment
    assert (a.n, a.total, str(a.average), str(a.previous_average)) == (2, 6, "3.00", "1.00")
    assert a.comparison == "higher" and a.score_fen == 100_000 and a.complaints == 1 and a.complaints_fen == 0
    assert sheet.follow_ups == 3 and sheet.response_rate_pct == 67 and sheet.thin  # 2 forms, under 10


def test_month_sheet_of_a_month_without_forms(store, cs):
    sheet = services.month_sheet(store.id, NOVEMBER, actor=cs)
    assert sheet.assessment.n == 0 and sheet.assessment.average is None and sheet.response_rate_pct is None
    assert sheet.assessment.net_fen == 500_000  # no complaints either


def test_sign_month_freezes_it_and_a_correction_is_a_new_version_with_both_kept(shop, store, cs):
    answered(shop, 2, 2, 2)
    first = services.sign_month(store.id, NOVEMBER, note="", actor=cs, now=NOW)
    assert first.version == 1 and first.figures["n"] == 1 and first.figures["average"] == "6.00"

    answered(shop, -2, -2, -2)  # a late form of the month
    sheet = services.month_sheet(store.id, NOVEMBER, actor=cs)
    assert sheet.changed_since_signed and sheet.versions[0].figures["n"] == 1  # the signed one is frozen
    with pytest.raises(AlreadySigned):
        services.sign_month(store.id, NOVEMBER, note="", actor=cs, now=NOW)
    second = services.sign_month(store.id, NOVEMBER, note="补录一张反馈表", actor=cs, now=NOW)

    assert second.version == 2 and second.figures["n"] == 2
    assert count(MonthAssessment) == 2 and db.session.get(MonthAssessment, first.id).figures["n"] == 1


def test_sign_month_is_cs_work(shop, store):
    with pytest.raises(Forbidden):
        services.sign_month(store.id, NOVEMBER, note="", actor=shop.manager, now=NOW)


def _settings_values(**changes) -> dict:
    current = services.settings_for(0)
    return {**{name: getattr(current, name) for name in services.EDITABLE}, **changes}


def test_save_settings_changes_the_month_amounts_and_bands(shop, store, cs):
    services.save_settings(store.id, _settings_values(complaints_none_fen=800_000, reward_fen=200_000), actor=cs,
                           now=NOW)
    answered(shop, 2, 2, 2)
    sheet = services.month_sheet(store.id, NOVEMBER, actor=cs)
    assert sheet.rules.reward_fen == 200_000 and sheet.assessment.complaints_fen == 800_000


def test_save_settings_refuses_falling_bands_and_a_manager(shop, store, cs):
    with pytest.raises(InvalidInput):
        services.save_settings(store.id, _settings_values(complaints_mid_max=3), actor=cs, now=NOW)
    with pytest.raises(Forbidden):
        services.save_settings(store.id, _settings_values(), actor=shop.manager, now=NOW)
    assert db.session.get(SatisfactionSettings, store.id) is None


def test_settings_page_saves_amounts_in_yuan(client, staff, store):
    login(client, staff["cs_supervisor"])
    page = client.get("/satisfaction/settings")
    assert page.status_code == 200
    values = {**{name: str(getattr(services.settings_for(store.id), name)) for name in services.EDITABLE
                 if not name.endswith("_fen")},
              **{name[:-4] + "_yuan": str(getattr(services.settings_for(store.id), name) // 100)
                 for name in services.EDITABLE if name.endswith("_fen")}}
    assert client.post("/satisfaction/settings", data={**values, "penalty_yuan": "1500"}).status_code == 302
    assert db.session.get(SatisfactionSettings, store.id).penalty_fen == 150_000
