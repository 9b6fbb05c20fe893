"""The public complaint and suggestion form (投诉与建议): no sign-in, CSRF, rate-limited, mobile-first, no script."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from dealer.errors import NotFound
from dealer.extensions import db, limiter
from dealer.satisfaction import services
from dealer.satisfaction.errors import InvalidInput
from dealer.satisfaction.models import Complaint
from tests.factories import CustomerFactory
from tests.helpers import NOW, count, persist, text

FORM = {"kind": "complaint", "category": "time", "description": "等了三个小时，没人告诉我进度。",
        "contact_phone": "138 1234 5678", "contact_name": "黄先生", "order_number": "RO-1"}


@pytest.fixture(autouse=True)
def _fresh_limits():
    limiter.reset()  # the limiter's counters of earlier tests (memory storage, one app per session)
    yield
    limiter.reset()


def _input(**changes) -> services.PublicComplaintInput:
    return services.PublicComplaintInput(**{**{k: v for k, v in FORM.items()}, **changes})


def test_submit_public_complaint_is_received_through_the_site_with_its_deadlines(store):
    owner = CustomerFactory(store=store, mobile="13812345678")

    complaint = services.submit_public_complaint(store.code, _input(), now=NOW)

    complaint = db.session.get(Complaint, complaint.id)
    assert (complaint.state, complaint.channel, complaint.kind, complaint.category) == (
        "received", "site", "complaint", "time")
    assert complaint.contact_phone == "13812345678" and complaint.customer_id == owner.id
    assert complaint.recorded_by_id is None and complaint.ack_due_at == NOW + timedelta(hours=24)
    assert complaint.deadline_at == NOW + timedelta(days=7)


def test_submit_public_complaint_refuses_a_bad_phone_an_empty_text_or_an_unknown_store(store):
    for changes, field in (({"contact_phone": "12345"}, "contact_phone"), ({"description": "  "}, "description"),
                           ({"kind": "praise"}, "kind")):
        with pytest.raises(InvalidInput) as refused:
            services.submit_public_complaint(store.code, _input(**changes), now=NOW)
        assert refused.value.field == field
    with pytest.raises(NotFound):
        services.submit_public_complaint("NOPE", _input(), now=NOW)
    assert count(Complaint) == 0


def test_a_suggestion_is_not_counted_as_a_complaint_on_the_month_sheet(store, cs):
    services.submit_public_complaint(store.code, _input(kind="suggestion"), now=NOW)
    services.submit_public_complaint(store.code, _input(), now=NOW)
    sheet = services.month_sheet(store.id, date(2026, 11, 1), actor=cs)
    assert sheet.assessment.complaints == 1 and count(Complaint) == 2


def test_public_complaint_page_takes_a_complaint_without_sign_in_and_no_script(client, store):
    persist()
    url = f"/f/complaint/{store.code}"

    page = client.get(url)
    assert page.status_code == 200 and 'data-testid="public-complaint"' in text(page) and "<script" not in text(page)
    sent = client.post(url, data=FORM)
    assert sent.status_code == 302 and sent.headers["Location"].endswith(f"{url}?sent=1")
    assert 'data-testid="complaint-thanks"' in text(client.get(sent.headers["Location"]))
    bad = client.post(url, data={**FORM, "contact_phone": "555"})
    assert bad.status_code == 200 and 'data-testid="error-contact_phone"' in text(bad)
    assert db.session.scalar(sa.select(sa.func.count(Complaint.id)).where(Complaint.channel == "site")) == 1
    assert client.get("/f/complaint/NOPE").status_code == 404


def test_public_complaint_page_is_rate_limited_per_address(app, client, store, monkeypatch):
    persist()
    monkeypatch.setitem(app.config, "SATISFACTION_PUBLIC_RATE_LIMIT", "2 per minute")
    url = f"/f/complaint/{store.code}"
    assert [client.post(url, data=FORM).status_code for _ in range(3)] == [302, 302, 429]
    assert client.get(url).status_code == 200  # reading the form is not limited
    assert count(Complaint) == 2
