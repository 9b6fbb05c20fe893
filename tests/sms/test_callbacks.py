"""The provider's callbacks, pushed by the stand-in through our HTTP routes: delivery reports and replies."""
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from dealer.audit.models import AuditEntry
from dealer.customers.models import Customer
from dealer.extensions import db
from dealer.sms.callbacks import is_opt_out
from dealer.sms.kinds import KINDS
from dealer.sms.models import (
    CANCELLED,
    DELIVERED,
    FAILED,
    QUEUED,
    SENDING,
    SENT,
    SmsInbound,
    SmsMessage,
    SmsSettings,
    SmsTemplate,
)
from dealer.sms.outbox import default_sign_name, enqueue
from dealer.sms.sender import LEASE, send_due
from tests.factories import CustomerFactory
from tests.helpers import fresh

TOKEN = "cb-7f3a9c1e5b2d4f60a8e1c3b5d7f9a2c4"
REPORTS = f"/api/v1/sms/callbacks/{TOKEN}/report"
REPLIES = f"/api/v1/sms/callbacks/{TOKEN}/reply"
SIGN = "宝安大众"
OTHER_SIGN = "天河大众"
PHONE = "13812345678"
CHINA = timezone(timedelta(hours=8))
PARAMS = {
    "car_ready": {"name": "王先生", "plate": "粤B12345", "store_phone": "0755-27781234"},
    "maintenance_reminder": {"name": "王先生", "plate": "粤B12345", "due_date": "2026-12-31",
                             "store_phone": "0755-27781234"},
    "campaign_invitation": {"name": "王先生", "campaign": "秋季关爱活动", "period": "10月1日至10月31日",
                            "store_phone": "0755-27781234"},
}


def today_at(hour: int) -> datetime:
    day = datetime.now(CHINA).date()
    return datetime(day.year, day.month, day.day, hour, tzinfo=CHINA).astimezone(timezone.utc)


NOW = today_at(10)


@pytest.fixture(autouse=True)
def callback_token(app, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_CALLBACK_TOKEN", TOKEN)


def set_up_store(store, sign: str):
    db.session.add(SmsSettings(store_id=store.id, sign_name=sign, quiet_start="21:00", quiet_end="08:00",
                               daily_cap_per_phone=10))
    for number, kind in enumerate(KINDS):
        db.session.add(SmsTemplate(store_id=store.id, kind=kind, body=KINDS[kind].default_body,
                                   provider_template_code=f"SMS_46{number:07d}"))
    db.session.commit()
    return store


@pytest.fixture()
def shop(ctx, store):
    return set_up_store(store, SIGN)


@pytest.fixture()
def customer(shop):
    customer = CustomerFactory(store=shop, mobile=PHONE, mobile_last4=PHONE[-4:], marketing_consent=True)
    db.session.commit()
    return customer


def queue(customer, kind="car_ready", *, phone=None) -> SmsMessage:
    message = enqueue(kind, store_id=customer.store_id, phone=phone or customer.mobile, params=PARAMS[kind],
                      now=NOW, customer=customer)
    db.session.commit()
    return message


def send_all(standin) -> None:
    while send_due(gateway=standin.gateway(), now_fn=lambda: NOW).claimed:
        pass


def rows(model, *where) -> list:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(model).where(*where).order_by(model.id)))


@pytest.fixture()
def sent(customer, sms_standin):
    """One message sent through the stand-in (SENT, with the provider's BizId)."""
    message = queue(customer)
    send_all(sms_standin)
    assert fresh(SmsMessage, message.id).state == SENT
    return fresh(SmsMessage, message.id)


# -- delivery reports (回执) ----------------------------------------------------------------------

def test_delivery_report_marks_the_message_delivered(client, sent, sms_standin):
    result = sms_standin.deliver_reports(REPORTS, via=client)

    assert result.acknowledged
    message = fresh(SmsMessage, sent.id)
    assert message.state == DELIVERED and message.delivered_at is not None
    assert sms_standin.deliver_reports(REPORTS, via=client) is None  # nothing left to report


def test_delivery_failure_report_marks_the_message_failed_with_the_code(client, sent, sms_standin):
    sms_standin.undeliverable(PHONE, err_code="MK:0012", err_msg="用户停机")

    assert sms_standin.deliver_reports(REPORTS, via=client).acknowledged

    message = fresh(SmsMessage, sent.id)
    assert (message.state, message.error_code, message.error_message) == (FAILED, "MK:0012", "用户停机")
    assert message.failed_at is not None


def test_delivery_reports_for_many_messages_in_one_push(client, customer, sms_standin):
    messages = [queue(customer) for _ in range(3)]
    send_all(sms_standin)

    result = sms_standin.deliver_reports(REPORTS, via=client)

    assert result.acknowledged and len(result.payload) == 3
    assert {fresh(SmsMessage, m.id).state for m in messages} == {DELIVERED}


def test_late_failure_report_does_not_undo_a_delivery(client, sent, sms_standin):
    sms_standin.deliver_reports(REPORTS, via=client)
    report = sms_standin.report(sms_standin.message(sent.out_id), success=False, err_code="MK:0001")

    sms_standin.post_callback(REPORTS, [report], via=client)

    assert fresh(SmsMessage, sent.id).state == DELIVERED


@pytest.mark.parametrize("forge", [
    {"biz_id": "900000000000000000^0"},
    {"out_id": "0" * 32},
    {"phone_number": "13900000000"},
    {"biz_id": ""},
])
def test_forged_delivery_report_changes_nothing(client, sent, sms_standin, forge):
    report = {**sms_standin.report(sms_standin.message(sent.out_id)), **forge}

    result = sms_standin.post_callback(REPORTS, [report], via=client)

    assert result.status == 200  # acknowledged, so the sender does not learn what we know
    message = fresh(SmsMessage, sent.id)
    assert (message.state, message.delivered_at) == (SENT, None)


def test_delivery_report_on_a_wrong_token_is_404_and_changes_nothing(client, sent, sms_standin):
    result = sms_standin.deliver_reports("/api/v1/sms/callbacks/not-the-token/report", via=client)

    assert result.status == 404
    assert fresh(SmsMessage, sent.id).state == SENT
    # The provider retries on the right URL: then it counts.
    assert sms_standin.deliver_reports(REPORTS, via=client).acknowledged
    assert fresh(SmsMessage, sent.id).state == DELIVERED


def test_callbacks_are_off_without_a_configured_token(app, client, sent, sms_standin, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_CALLBACK_TOKEN", "")

    assert sms_standin.deliver_reports("/api/v1/sms/callbacks//report", via=client).status == 404
    assert sms_standin.deliver_reports(REPORTS, via=client).status == 404
    assert fresh(SmsMessage, sent.id).state == SENT


def test_delivery_report_malformed_is_400(client, sent):
    response = client.post(REPORTS, data="not json", headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    assert fresh(SmsMessage, sent.id).state == SENT


def test_delivery_report_for_a_message_found_by_lookup_is_applied(client, customer, sms_standin):
    """A message whose sender died mid-send is marked sent from QuerySendDetails, which tells no BizId."""
    message = queue(customer)
    started = datetime.now(timezone.utc)  # the provider files the message by the real date of the send
    accepted = sms_standin.gateway().send(phone=PHONE, sign_name=SIGN, template_code=message.template_code,
                                          params=message.params, out_id=message.out_id)
    assert accepted.accepted
    db.session.execute(sa.update(SmsMessage).where(SmsMessage.id == message.id).values(
        state=SENDING, lease_owner="sender-dead", lease_expires_at=NOW - LEASE, send_started_at=started))
    db.session.commit()
    send_all(sms_standin)
    assert (fresh(SmsMessage, message.id).state, fresh(SmsMessage, message.id).provider_id) == (SENT, None)

    assert sms_standin.deliver_reports(REPORTS, via=client).acknowledged

    delivered = fresh(SmsMessage, message.id)
    assert delivered.state == DELIVERED
    assert delivered.provider_id == accepted.provider_id  # learnt from the report
    assert sms_standin.deliveries(message.out_id) == 1


def test_delivery_report_for_a_message_found_by_lookup_still_needs_its_phone(client, customer, sms_standin):
    message = queue(customer)
    started = datetime.now(timezone.utc)
    sms_standin.gateway().send(phone=PHONE, sign_name=SIGN, template_code=message.template_code,
                               params=message.params, out_id=message.out_id)
    db.session.execute(sa.update(SmsMessage).where(SmsMessage.id == message.id).values(
        state=SENDING, lease_owner="sender-dead", lease_expires_at=NOW - LEASE, send_started_at=started))
    db.session.commit()
    send_all(sms_standin)
    report = {**sms_standin.report(sms_standin.message(message.out_id)), "phone_number": "13900000000"}

    sms_standin.post_callback(REPORTS, [report], via=client)

    assert (fresh(SmsMessage, message.id).state, fresh(SmsMessage, message.id).provider_id) == (SENT, None)


def test_delivery_report_for_a_message_in_doubt_settles_it_and_it_is_not_sent_again(client, customer, sms_standin):
    """The answer to SendSms timed out, but the provider took the message and reports it delivered."""
    message = queue(customer)
    sms_standin.delay_answers(1, 0.8)
    send_due(gateway=sms_standin.gateway(read_timeout=0.3), now_fn=lambda: NOW)
    doubtful = fresh(SmsMessage, message.id)
    assert (doubtful.state, doubtful.error_code) == (QUEUED, "timeout") and doubtful.send_started_at is not None

    assert sms_standin.deliver_reports(REPORTS, via=client).acknowledged

    settled = fresh(SmsMessage, message.id)
    assert settled.state == DELIVERED and settled.send_started_at is None
    assert settled.provider_id == sms_standin.message(message.out_id).biz_id
    assert settled.sent_at is not None and settled.error_code is None
    assert send_due(gateway=sms_standin.gateway(), now_fn=lambda: NOW + timedelta(minutes=10)).claimed == 0
    assert sms_standin.deliveries(message.out_id) == 1


def test_delivery_failure_report_for_a_message_in_doubt_marks_it_failed(client, customer, sms_standin):
    message = queue(customer)
    sms_standin.delay_answers(1, 0.8)
    sms_standin.undeliverable(PHONE, err_code="MK:0012", err_msg="用户停机")
    send_due(gateway=sms_standin.gateway(read_timeout=0.3), now_fn=lambda: NOW)

    sms_standin.deliver_reports(REPORTS, via=client)

    failed = fresh(SmsMessage, message.id)
    assert (failed.state, failed.error_code, failed.send_started_at) == (FAILED, "MK:0012", None)


def test_delivery_report_for_a_queued_message_never_sent_changes_nothing(client, customer, sms_standin):
    sent = queue(customer)
    send_all(sms_standin)
    waiting = queue(customer)  # never handed to the provider: no report can be about it
    report = {**sms_standin.report(sms_standin.message(sent.out_id)), "out_id": waiting.out_id}

    sms_standin.post_callback(REPORTS, [report], via=client)

    assert fresh(SmsMessage, waiting.id).state == QUEUED


# -- replies (上行): T to opt out ----------------------------------------------------------------

@pytest.mark.parametrize("content", ["T", "t", "ｔ", "Ｔ", " td ", "TD", "退订", "T。"])
def test_is_opt_out_t_td_and_tuiding_in_any_case_and_width(content):
    assert is_opt_out(content)


@pytest.mark.parametrize("content", ["", "谢谢", "TT", "T1", "好的 T", "不退订"])
def test_is_opt_out_other_replies_are_not(content):
    assert not is_opt_out(content)


@pytest.mark.parametrize("content", ["T", "ｔ", " td ", "退订"])
def test_reply_t_opts_out_cancels_queued_marketing_and_confirms_once(client, customer, sms_standin, content):
    campaign = queue(customer, "campaign_invitation")
    reminder = queue(customer, "maintenance_reminder")

    result = sms_standin.send_reply(REPLIES, PHONE, content, SIGN, via=client)

    assert result.acknowledged
    owner = fresh(Customer, customer.id)
    assert owner.marketing_consent is False and owner.opt_out_confirmed_at is not None
    assert fresh(SmsMessage, campaign.id).state == CANCELLED
    assert fresh(SmsMessage, reminder.id).state == QUEUED  # service reminders are not affected
    [confirmation] = rows(SmsMessage, SmsMessage.kind == "opt_out_confirmation")
    assert (confirmation.phone, confirmation.state, confirmation.customer_id) == (PHONE, QUEUED, customer.id)
    assert confirmation.body.startswith(f"【{SIGN}】您已成功退订")
    [inbound] = rows(SmsInbound)
    assert (inbound.phone, inbound.content, inbound.action) == (PHONE, content, "opt_out")
    assert [a.action for a in rows(AuditEntry, AuditEntry.action == "marketing_opt_out")] == ["marketing_opt_out"]


def test_reply_t_twice_confirms_once(client, customer, sms_standin):
    sms_standin.send_reply(REPLIES, PHONE, "T", SIGN, via=client)
    sms_standin.send_reply(REPLIES, PHONE, "TD", SIGN, via=client)

    assert len(rows(SmsMessage, SmsMessage.kind == "opt_out_confirmation")) == 1
    assert len(rows(SmsInbound)) == 2  # both recorded
    assert fresh(Customer, customer.id).marketing_consent is False


def test_reply_pushed_twice_is_acted_on_once(client, customer, sms_standin):
    first = sms_standin.send_reply(REPLIES, PHONE, "T", SIGN, via=client)
    # The owner changes their mind at the front desk; then the provider pushes the old reply again.
    fresh(Customer, customer.id).marketing_consent = True
    db.session.commit()

    again = sms_standin.post_callback(REPLIES, first.payload, via=client)

    assert again.acknowledged
    assert fresh(Customer, customer.id).marketing_consent is True
    assert len(rows(SmsInbound)) == 1
    assert len(rows(SmsMessage, SmsMessage.kind == "opt_out_confirmation")) == 1


def test_reply_t_after_consent_given_again_opts_out_and_confirms_again(client, customer, sms_standin):
    sms_standin.send_reply(REPLIES, PHONE, "T", SIGN, via=client)
    fresh(Customer, customer.id).marketing_consent = True
    db.session.commit()

    sms_standin.send_reply(REPLIES, PHONE, "T", SIGN, via=client)  # a new reply (new sequence id)

    assert fresh(Customer, customer.id).marketing_consent is False
    assert len(rows(SmsMessage, SmsMessage.kind == "opt_out_confirmation")) == 2


def test_reply_other_text_is_recorded_and_changes_nothing(client, customer, sms_standin):
    campaign = queue(customer, "campaign_invitation")

    assert sms_standin.send_reply(REPLIES, PHONE, "好的，谢谢", SIGN, via=client).acknowledged

    assert fresh(Customer, customer.id).marketing_consent is True
    assert fresh(SmsMessage, campaign.id).state == QUEUED
    [inbound] = rows(SmsInbound)
    assert (inbound.content, inbound.action) == ("好的，谢谢", "none")


def test_reply_t_to_one_store_signature_opts_out_of_that_store_only(client, customer, other_store, sms_standin):
    set_up_store(other_store, OTHER_SIGN)
    elsewhere = CustomerFactory(store=other_store, mobile=PHONE, mobile_last4=PHONE[-4:], marketing_consent=True)
    db.session.commit()

    sms_standin.send_reply(REPLIES, PHONE, "T", SIGN, via=client)

    assert fresh(Customer, customer.id).marketing_consent is False
    assert fresh(Customer, elsewhere.id).marketing_consent is True


def test_reply_t_to_a_store_signature_without_saved_settings_opts_out_of_that_store_only(
        client, customer, other_store, sms_standin):

    elsewhere = CustomerFactory(store=other_store, mobile=PHONE, mobile_last4=PHONE[-4:], marketing_consent=True)
    db.session.commit()

    sms_standin.send_reply(REPLIES, PHONE, "T", default_sign_name(other_store), via=client)

    assert fresh(Customer, elsewhere.id).marketing_consent is False
    assert fresh(Customer, customer.id).marketing_consent is True


def test_reply_t_to_an_unknown_signature_opts_out_everywhere(client, customer, other_store, sms_standin):
    elsewhere = CustomerFactory(store=other_store, mobile=PHONE, mobile_last4=PHONE[-4:], marketing_consent=True)
    db.session.commit()

    sms_standin.send_reply(REPLIES, PHONE, "T", "不认识的签名", via=client)

    assert fresh(Customer, customer.id).marketing_consent is False
    assert fresh(Customer, elsewhere.id).marketing_consent is False


def test_reply_on_a_wrong_token_is_404_and_changes_nothing(client, customer, sms_standin):
    result = sms_standin.send_reply(f"/api/v1/sms/callbacks/{TOKEN[:-1]}x/reply", PHONE, "T", SIGN, via=client)

    assert result.status == 404
    assert fresh(Customer, customer.id).marketing_consent is True
    assert rows(SmsInbound) == [] and rows(SmsMessage) == []


def test_reply_t_confirmation_goes_out_through_the_provider(client, customer, sms_standin):
    sms_standin.send_reply(REPLIES, PHONE, "T", SIGN, via=client)
    [confirmation] = rows(SmsMessage, SmsMessage.kind == "opt_out_confirmation")
    due = confirmation.next_attempt_at  # received now (the route's clock); the morning if now is night

    send_due(gateway=sms_standin.gateway(), now_fn=lambda: due)

    confirmation = fresh(SmsMessage, confirmation.id)
    assert confirmation.state == SENT
    assert sms_standin.deliveries(confirmation.out_id) == 1
