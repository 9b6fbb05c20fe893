"""Joining the membership on the public site (网上入会) after phone verification (dealer.sms.verification, the
purpose member_join): the store's customer file with that mobile becomes a member."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from dealer.booking.services import BOOKING
from dealer.extensions import db
from dealer.members import services
from dealer.members.errors import AlreadyMember, NotAMember
from dealer.members.models import Member
from dealer.sms import verification
from dealer.sms.errors import CodeRefused
from dealer.sms.models import SmsMessage
from tests.factories import CustomerFactory
from tests.helpers import NOW, audit_entries, count, inputs
from tests.isolation import isolated_client

PHONE = "13912345678"


def code_sent(phone: str = PHONE, kind: str = "member_join_code") -> str:
    message = db.session.scalars(sa.select(SmsMessage).where(SmsMessage.phone == phone, SmsMessage.kind == kind)
                                 .order_by(SmsMessage.id.desc())).first()
    return message.params["code"]


def test_an_owner_on_file_joins_after_proving_the_phone(store):
    customer = CustomerFactory(store=store, mobile=PHONE, mobile_last4=PHONE[-4:])
    verification.send_code(PHONE, store_id=store.id, purpose=services.MEMBER_JOIN, now=NOW)
    member = services.join_online(store.id, PHONE, verification.PhoneCheck(code=code_sent()), now=NOW)
    assert (member.customer_id, member.number, member.tier.name) == (customer.id, f"VIP{customer.id:08d}", "普卡")
    assert [e.changes["number"] for e in audit_entries("member_joined")] == [member.number]
    with pytest.raises(AlreadyMember):  # a second time: already a member (the code is used up first)
        verification.send_code(PHONE, store_id=store.id, purpose=services.MEMBER_JOIN, now=NOW.replace(minute=5))
        services.join_online(store.id, PHONE, verification.PhoneCheck(code=code_sent()), now=NOW.replace(minute=5))


def test_a_wrong_code_or_another_purposes_code_joins_nobody(store):
    CustomerFactory(store=store, mobile=PHONE, mobile_last4=PHONE[-4:])
    verification.send_code(PHONE, store_id=store.id, purpose=BOOKING, now=NOW)  # a booking's code
    with pytest.raises(CodeRefused) as refused:
        services.join_online(store.id, PHONE, verification.PhoneCheck(code=code_sent(kind="booking_verification")),
                             now=NOW)
    assert refused.value.code == "member_join.code_refused"
    db.session.rollback()
    later = NOW + timedelta(minutes=2)  # a phone gets one code a minute, whatever it is for
    verification.send_code(PHONE, store_id=store.id, purpose=services.MEMBER_JOIN, now=later)
    wrong = "000000" if code_sent() != "000000" else "111111"
    with pytest.raises(CodeRefused):
        services.join_online(store.id, PHONE, verification.PhoneCheck(code=wrong), now=later)
    db.session.rollback()
    assert count(Member) == 0


def test_a_mobile_without_a_customer_file_is_told_to_join_at_the_desk(store, other_store):
    CustomerFactory(store=other_store, mobile=PHONE, mobile_last4=PHONE[-4:])  # on file at another store only
    verification.send_code(PHONE, store_id=store.id, purpose=services.MEMBER_JOIN, now=NOW)
    with pytest.raises(NotAMember) as refused:
        services.join_online(store.id, PHONE, verification.PhoneCheck(code=code_sent()), now=NOW)
    assert refused.value.field == "phone"
    db.session.rollback()
    assert count(Member) == 0


def test_the_public_page_sends_the_code_then_joins(app, store):
    CustomerFactory(store=store, mobile=PHONE, mobile_last4=PHONE[-4:])
    db.session.commit()
    client = isolated_client(app)
    page = client.get("/members/join-online")
    assert page.status_code == 200
    token = inputs(page).get("csrf_token", {}).get("value", "")  # none where the tests' config turns CSRF off
    sent = client.post("/members/join-online", data={"csrf_token": token, "store": store.id, "phone": PHONE,
                                                     "send": "1"})
    assert sent.status_code == 200 and 'data-testid="join-code-sent"' in sent.get_data(as_text=True)
    joined = client.post("/members/join-online", data={"csrf_token": token, "store": store.id, "phone": PHONE,
                                                       "code": code_sent(), "submit": "1"})
    assert joined.status_code == 200
    number = db.session.scalar(sa.select(Member.number))
    assert f'data-testid="joined-number">{number}<' in joined.get_data(as_text=True)
    wrong = client.post("/members/join-online", data={"csrf_token": token, "store": store.id, "phone": "123",
                                                      "send": "1"})
    assert wrong.status_code == 422
