"""Satisfaction pages: the owner's form from the link, CS's call and board, the month sheet and its export,
and the rule that the people assessed read results but cannot change what CS records."""
from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import sqlalchemy as sa
from openpyxl import load_workbook

from dealer.database import utcnow
from dealer.extensions import db
from dealer.satisfaction import services
from dealer.satisfaction.models import CallAttempt, Complaint, FeedbackForm, FollowUp, MonthAssessment
from tests.factories import UserFactory
from tests.helpers import count, login, persist, text
from tests.isolation import isolated_client
from tests.satisfaction.builders import delivered, follow_up_of, token_of

GRADES = {"timeliness": "2", "quality": "1", "attitude": "-1", "comment": "师傅很专业", "may_call": "y"}


def _fresh_follow_up(shop):
    """A follow-up delivered now (its link has not expired), committed so the pages see it."""
    follow_up = follow_up_of(delivered(shop, now=utcnow()))
    persist()
    return follow_up


def test_feedback_page_from_the_link_records_the_form_once(client, shop):
    follow_up = _fresh_follow_up(shop)
    url = f"/f/{token_of(follow_up)}"

    page = client.get(url)
    assert page.status_code == 200 and "服务及时性" in text(page) and 'data-testid="feedback"' in text(page)
    sent = client.post(url, data=GRADES)
    assert sent.status_code == 302 and sent.headers["Location"].endswith(url)
    again = client.post(url, data={**GRADES, "timeliness": "-2"})

    assert again.status_code == 200 and 'data-testid="feedback-thanks"' in text(again)
    form = db.session.scalar(sa.select(FeedbackForm))
    assert count(FeedbackForm) == 1 and (form.timeliness, form.quality, form.attitude) == (2, 1, -1)
    assert form.comment == "师傅很专业" and form.channel == "link"


def test_feedback_page_without_a_grade_shows_the_error_and_records_nothing(client, shop):
    follow_up = _fresh_follow_up(shop)
    response = client.post(f"/f/{token_of(follow_up)}", data={"timeliness": "2", "quality": "1"})
    assert response.status_code == 200 and "invalid-feedback" in text(response)
    assert count(FeedbackForm) == 0


def test_feedback_page_of_an_unknown_or_expired_link(client, shop):
    follow_up = follow_up_of(delivered(shop))  # delivered on 2026-11-23: its link expired a week later
    persist()
    assert client.get("/f/no-such-token").status_code == 404
    expired = client.get(f"/f/{token_of(follow_up)}")
    assert expired.status_code == 410 and 'data-testid="feedback-expired"' in text(expired)


def test_feedback_api_by_token_reads_and_submits(client, shop):
    follow_up = _fresh_follow_up(shop)
    url = f"/api/v1/feedback/{token_of(follow_up)}"
    assert client.get(url).get_json()["answered"] is False
    body = {"timeliness": 2, "quality": 2, "attitude": 2, "comment": "", "may_call": False}
    first = client.post(url, json=body)
    second = client.post(url, json={**body, "timeliness": -2})
    assert first.status_code == second.status_code == 200
    assert first.get_json() == second.get_json() and first.get_json()["points"] == 6
    assert client.get(url).get_json()["answered"] is True


def test_cs_records_a_reached_call_and_the_form_by_phone(client, staff, shop):
    follow_up = _fresh_follow_up(shop)
    login(client, staff["cs_supervisor"])

    response = client.post(f"/satisfaction/follow-ups/{follow_up.id}/calls",
                           data={"purpose": "follow_up", "reached": "yes", **GRADES})

    assert response.status_code == 302
    form = db.session.scalar(sa.select(FeedbackForm))
    assert form.channel == "phone" and form.recorded_by_id == staff["cs_supervisor"].id
    page = text(client.get(f"/satisfaction/follow-ups/{follow_up.id}"))
    assert 'data-testid="grade-attitude">D' in page and 'data-testid="case"' in page  # a D opens a case


def test_an_advisor_cannot_edit_a_feedback_form_or_take_a_complaints_step(app, client, staff, shop, cs):
    follow_up = _fresh_follow_up(shop)
    complaint = services.receive_complaint(services.ComplaintInput("hotline", "time", "等太久"), store_id=None,
                                           actor=cs, now=utcnow())
    persist()
    login(client, staff["service_advisor"])

    call = client.post(f"/satisfaction/follow-ups/{follow_up.id}/calls",
                       data={"purpose": "follow_up", "reached": "yes", **GRADES})
    close = client.post(f"/satisfaction/complaints/{complaint.id}/step", data={"action": "acknowledge"})
    manager = isolated_client(app)
    login(manager, staff["manager"])
    sign = manager.post("/satisfaction/month/sign?month=2026-11")

    assert call.status_code == close.status_code == sign.status_code == 403
    assert count(CallAttempt) == count(FeedbackForm) == count(MonthAssessment) == 0
    assert db.session.get(Complaint, complaint.id).state == "received"
    assert client.get(f"/satisfaction/follow-ups/{follow_up.id}").status_code == 200  # results they read


def test_cs_home_shows_the_follow_up_calls_not_coming_soon(client, staff, shop):
    follow_up = _fresh_follow_up(shop)
    login(client, staff["cs_supervisor"])
    page = text(client.get("/"))
    assert 'data-testid="home-follow-ups"' in page and 'data-testid="coming"' not in page
    assert f"/satisfaction/follow-ups/{follow_up.id}" in page and 'data-testid="nav-follow-ups"' in page


def test_cs_board_lists_owners_without_a_form(client, staff, shop):
    follow_up = _fresh_follow_up(shop)
    login(client, staff["cs_supervisor"])
    board = text(client.get("/satisfaction/"))
    assert follow_up.source_number in board.split('data-testid="calls"')[1]


def test_month_sheet_shows_n_and_average_and_exports_to_excel(client, staff, shop):
    follow_up = _fresh_follow_up(shop)
    services.submit_feedback(token_of(follow_up), services.FormInput(services.Grades(2, 1, 1)), now=utcnow())
    persist()
    month = follow_up.service_month.strftime("%Y-%m")
    login(client, staff["manager"])

    page = text(client.get(f"/satisfaction/month?month={month}"))
    export = client.get(f"/satisfaction/month.xlsx?month={month}")

    assert 'data-testid="n">1' in page and 'data-testid="average">4.00' in page and 'data-testid="thin"' in page
    assert export.status_code == 200 and export.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(BytesIO(export.data))
    title = book.worksheets[0]["A1"]  # the assessment's title, in its own format, beside the store and the month
    assert (title.font.b, title.font.sz) == (True, 14) and title.value
    assert [cell.value for cell in book.worksheets[0][1]][1:3] == [shop.store.name, month]
    forms_sheet = book.worksheets[1]
    assert [cell.value for cell in forms_sheet[2]][:7] == [follow_up.source_number, shop.vehicle.plate,
                                                            shop.vehicle.owner.name, "A", "B", "B", 4]


def test_cs_signs_the_month_off_on_the_page(client, staff, shop):
    follow_up = _fresh_follow_up(shop)
    month = follow_up.service_month.strftime("%Y-%m")
    login(client, staff["cs_supervisor"])
    assert client.post(f"/satisfaction/month/sign?month={month}").status_code == 302
    assert 'data-testid="signed"' in text(client.get(f"/satisfaction/month?month={month}"))
    refused = client.post(f"/satisfaction/month/sign?month={month}", follow_redirects=True)
    assert count(MonthAssessment) == 1 and "alert-danger" in text(refused)


def test_cs_records_a_complaint_on_the_page(client, staff, store):
    login(client, staff["cs_supervisor"])
    response = client.post("/satisfaction/complaints/new", data={
        "channel": "hotline", "category": "quality", "severity": "high", "description": "刹车还是响",
        "responsible_id": str(staff["manager"].id), "contact_name": "王先生"})
    assert response.status_code == 302
    complaint = db.session.scalar(sa.select(Complaint))
    assert (complaint.category, complaint.responsible_id, complaint.store_id) == (
        "quality", staff["manager"].id, store.id)
    assert complaint.deadline_at - complaint.received_at == timedelta(days=7)
    assert "王先生" in text(client.get("/satisfaction/complaints"))


def test_follow_up_of_another_store_is_not_found(app, other_store, shop):
    follow_up = _fresh_follow_up(shop)
    stranger = UserFactory(username="cs-gz", roles=["cs_supervisor"], store=other_store)
    persist()
    client = isolated_client(app)
    login(client, stranger)
    assert client.get(f"/satisfaction/follow-ups/{follow_up.id}").status_code == 404
    assert db.session.get(FollowUp, follow_up.id).state == "waiting"


def test_month_export_keeps_an_owners_formula_like_comment_as_text(client, staff, shop):
    follow_up = _fresh_follow_up(shop)
    comment = '=HYPERLINK("http://evil.example","点我")'
    services.submit_feedback(token_of(follow_up), services.FormInput(services.Grades(2, 2, 2), comment=comment),
                             now=utcnow())
    persist()
    login(client, staff["cs_supervisor"])
    export = client.get(f"/satisfaction/month.xlsx?month={follow_up.service_month:%Y-%m}")
    cell = load_workbook(BytesIO(export.data)).worksheets[1].cell(row=2, column=8)
    assert cell.value == comment and cell.data_type == "s"


def test_cs_opens_a_waiting_follow_up_with_its_call_form(client, staff, shop):
    follow_up = _fresh_follow_up(shop)
    login(client, staff["cs_supervisor"])
    page = client.get(f"/satisfaction/follow-ups/{follow_up.id}")
    assert page.status_code == 200 and 'data-testid="call-form"' in text(page)
    assert 'name="purpose" value="follow_up"' in text(page)
