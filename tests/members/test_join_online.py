"""Joining the membership on the public site (网上入会) after phone verification (dealer.sms.verification, the
purpose member_join): the store's customer file with that mobile becomes a member."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from dealer.booking.services import BOOKING
from dealer.customers.models import Customer
from dealer.extensions import db
from dealer.members import services
from dealer.members.errors import AlreadyMember, MembershipError
from dealer.members.models import ONLINE, ONLINE_NEW_FILE, Member
from dealer.sms import verification
from dealer.sms.errors import CodeRefused
from dealer.sms.models import SmsMessage
from tests.factories import CustomerFactory
from tests.helpers import NOW, audit_entries, count, fresh, inputs
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


def test_a_mobile_without_a_customer_file_must_give_a_name_and_changes_nothing_without(store, other_store):
    CustomerFactory(store=other_store, mobile=PHONE, mobile_last4=PHONE[-4:])  # on file at another store only
    verification.send_code(PHONE, store_id=store.id, purpose=services.MEMBER_JOIN, now=NOW)
    with pytest.raises(MembershipError) as refused:
        services.join_online(store.id, PHONE, verification.PhoneCheck(code=code_sent()), now=NOW, name="  ")
    assert refused.value.field == "name"
    db.session.rollback()
    assert count(Member) == 0 and count(Customer, Customer.store_id == store.id) == 0


def test_an_owner_without_a_file_joins_with_a_new_file_in_one_step(store):
    verification.send_code(PHONE, store_id=store.id, purpose=services.MEMBER_JOIN, now=NOW)
    code = code_sent()
    with pytest.raises(MembershipError):  # no name: refused, and the code is still good (nothing was kept)
        services.join_online(store.id, PHONE, verification.PhoneCheck(code=code), now=NOW)
    db.session.rollback()
    member = services.join_online(store.id, PHONE, verification.PhoneCheck(code=code), now=NOW, name=" 李  女士 ",
                                  marketing_consent=True)
    customer = db.session.scalar(sa.select(Customer).where(Customer.store_id == store.id, Customer.mobile == PHONE))
    assert (customer.name, customer.marketing_consent, customer.marketing_consent_at) == ("李 女士", True, NOW)
    assert (member.customer_id, member.origin, member.number) == (customer.id, ONLINE_NEW_FILE, f"VIP{customer.id:08d}")
    assert [e.entity_id for e in audit_entries("customer_created")] == [customer.id]
    assert [e.changes["origin"] for e in audit_entries("member_joined")] == [ONLINE_NEW_FILE]


def test_an_owner_on_file_keeps_the_file_and_joins_as_online(store):
    customer = CustomerFactory(store=store, mobile=PHONE, mobile_last4=PHONE[-4:], name="王先生")
    verification.send_code(PHONE, store_id=store.id, purpose=services.MEMBER_JOIN, now=NOW)
    member = services.join_online(store.id, PHONE, verification.PhoneCheck(code=code_sent()), now=NOW,
                                  name="别人的名字")
    assert (member.customer_id, member.origin, fresh(Customer, customer.id).name) == (customer.id, ONLINE, "王先生")
    assert count(Customer, Customer.store_id == store.id) == 1


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


def test_the_public_page_opens_a_file_for_an_owner_it_does_not_know(app, store):
    db.session.commit()
    client = isolated_client(app)
    token = inputs(client.get("/members/join-online")).get("csrf_token", {}).get("value", "")
    client.post("/members/join-online", data={"csrf_token": token, "store": store.id, "phone": PHONE, "send": "1"})
    form = {"csrf_token": token, "store": store.id, "phone": PHONE, "code": code_sent(), "submit": "1"}
    nameless = client.post("/members/join-online", data=form)
    assert nameless.status_code == 422 and count(Member) == 0
    joined = client.post("/members/join-online", data={**form, "name": "李女士", "marketing_consent": "y"})
    assert joined.status_code == 200 and 'data-testid="joined-number"' in joined.get_data(as_text=True)
    assert db.session.scalar(sa.select(Member.origin)) == ONLINE_NEW_FILE
