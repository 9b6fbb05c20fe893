"""The outbox: messages written in the caller's transaction, consent, quiet hours, dedupe, wording, length."""
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from dealer.extensions import db
from dealer.sms import services
from dealer.sms.kinds import KINDS, OPT_OUT_LINE
from dealer.sms.models import CANCELLED, QUEUED, SENT, SmsMessage, SmsSettings
from dealer.sms.outbox import cancel_queued, compose, default_sign_name, enqueue, segments
from tests.factories import CustomerFactory, StoreFactory, VehicleFactory
from tests.helpers import actor

SIGN = "宝安大众"
UTC = timezone.utc


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in November 2026 given as Shanghai wall-clock time (UTC+8), returned in UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=timezone(timedelta(hours=8))).astimezone(UTC)


NOON = local(23, 12)

REMINDER = {"name": "王先生", "plate": "粤B12345", "due_date": "2026-12-31", "store_phone": "0755-27781234"}
RESCUE = {"name": "王先生", "plate": "粤B12345", "eta_minutes": "25", "responder": "李师傅",
          "responder_phone": "13800138000"}
BOOKING = {"name": "王先生", "plate": "粤B12345", "code": "836152", "slot": "12月1日 09:30"}
CAMPAIGN = {"name": "王先生", "campaign": "秋季关爱活动", "period": "10月1日至10月31日", "store_phone": "0755-27781234"}


@pytest.fixture()
def shop(ctx, store):
    db.session.add(SmsSettings(store_id=store.id, sign_name=SIGN, quiet_start="21:00", quiet_end="08:00",
                               daily_cap_per_phone=3))
    db.session.commit()
    return store


def owner(store, **extra):
    return CustomerFactory(store=store, mobile="13812345678", mobile_last4="5678", **extra)


def messages(*where) -> list[SmsMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(SmsMessage).where(*where).order_by(SmsMessage.id)))


def remind(store, customer, *, now=NOON, kind="maintenance_reminder", params=REMINDER, **extra):
    return enqueue(kind, store_id=store.id, phone=customer.mobile, params=params, now=now, customer=customer,
                   **extra)


# -- the transaction ---------------------------------------------------------------------------

def test_enqueue_rolled_back_with_its_transaction_leaves_no_message(shop):
    customer = owner(shop)
    db.session.commit()  # the owner exists before the business event begins

    message = remind(shop, customer)
    db.session.flush()
    assert message.id is not None  # written, inside the transaction
    db.session.rollback()  # the business event failed

    assert messages() == []


def test_enqueue_committed_with_its_transaction_is_queued(shop):
    customer = owner(shop)
    remind(shop, customer)
    db.session.commit()

    [message] = messages()
    assert (message.state, message.kind, message.category, message.phone) == (
        QUEUED, "maintenance_reminder", "service", "13812345678")
    assert message.customer_id == customer.id and message.store_id == shop.id
    assert message.priority == KINDS["maintenance_reminder"].priority
    assert message.attempts == 0 and message.next_attempt_at == NOON
    assert message.body.startswith(f"【{SIGN}】王先生您好")
    assert "2026年12月31日" in message.body  # ISO dates read the Chinese way
    assert len(message.out_id) == 32


def test_enqueue_gives_every_message_its_own_out_id(shop):
    customer = owner(shop)
    first, second = remind(shop, customer), remind(shop, customer)
    db.session.commit()
    assert first.out_id != second.out_id


# -- consent -----------------------------------------------------------------------------------

def test_enqueue_marketing_without_consent_is_refused(shop):
    customer = owner(shop, marketing_consent=False)

    assert remind(shop, customer, kind="campaign_invitation", params=CAMPAIGN) is None
    db.session.commit()
    assert messages() == []


def test_enqueue_marketing_with_consent_ends_with_the_opt_out_line(shop):
    customer = owner(shop, marketing_consent=True)

    message = remind(shop, customer, kind="campaign_invitation", params=CAMPAIGN)
    db.session.commit()

    assert message.category == "marketing"
    assert message.body.startswith(f"【{SIGN}】王先生您好，秋季关爱活动")
    assert message.body.endswith(OPT_OUT_LINE) and OPT_OUT_LINE == "回T退订"


def test_enqueue_service_message_has_no_opt_out_line_and_needs_no_marketing_consent(shop):
    customer = owner(shop, marketing_consent=False)

    message = remind(shop, customer)

    assert message is not None and not message.body.endswith(OPT_OUT_LINE)


def test_enqueue_service_to_owner_opted_out_of_service_sms_is_refused(shop):
    customer = owner(shop, service_sms_opt_out=True, marketing_consent=True)

    assert remind(shop, customer) is None
    assert remind(shop, customer, kind="booking_code", params=BOOKING) is None
    db.session.commit()
    assert messages() == []


def test_enqueue_marketing_without_a_customer_file_is_refused(shop):
    """A number with no file behind it has given no consent."""
    assert enqueue("greeting_holiday", store_id=shop.id, phone="13812345678", params={"name": "王先生",
                                                                                      "holiday": "春节"},
                   now=NOON) is None
    assert enqueue("rescue_eta", store_id=shop.id, phone="13812345678", params=RESCUE, now=NOON) is not None


# -- dedupe --------------------------------------------------------------------------------------

def test_enqueue_same_dedupe_key_twice_writes_one_message(shop):
    customer = owner(shop)
    first = remind(shop, customer, dedupe_key="maint:1:2026-12-31")
    db.session.commit()

    second = remind(shop, customer, dedupe_key="maint:1:2026-12-31", now=NOON + timedelta(days=1))
    db.session.commit()

    assert second.id == first.id
    assert len(messages()) == 1


def test_enqueue_same_dedupe_key_twice_in_one_transaction_writes_one_message(shop):
    customer = owner(shop)
    first = remind(shop, customer, dedupe_key="k")
    second = remind(shop, customer, dedupe_key="k")
    db.session.commit()

    assert second.id == first.id and len(messages()) == 1


def test_enqueue_same_dedupe_key_in_two_stores_writes_two_messages(shop, other_store):
    remind(shop, owner(shop), dedupe_key="k")
    remind(other_store, owner(other_store), dedupe_key="k")
    db.session.commit()

    assert len(messages()) == 2


# -- quiet hours ---------------------------------------------------------------------------------

def test_enqueue_reminder_at_half_past_ten_at_night_waits_until_eight(shop):
    message = remind(shop, owner(shop), now=local(23, 22, 30))

    assert message.next_attempt_at == local(24, 8, 0)
    assert message.created_at == local(23, 22, 30)


def test_enqueue_reminder_after_midnight_waits_until_eight_the_same_morning(shop):
    assert remind(shop, owner(shop), now=local(24, 3, 15)).next_attempt_at == local(24, 8, 0)


@pytest.mark.parametrize("hour, minute, waits", [(20, 59, False), (21, 0, True), (7, 59, True), (8, 0, False)])
def test_enqueue_quiet_hours_boundaries(shop, hour, minute, waits):
    now = local(23, hour, minute)

    message = remind(shop, owner(shop), now=now)

    assert (message.next_attempt_at != now) is waits


@pytest.mark.parametrize("kind, params", [("rescue_eta", RESCUE), ("booking_code", BOOKING)])
def test_enqueue_rescue_and_booking_code_at_night_go_at_once(shop, kind, params):
    now = local(23, 22, 30)

    message = remind(shop, owner(shop), kind=kind, params=params, now=now)

    assert message.next_attempt_at == now


def test_enqueue_follows_the_store_quiet_hours(shop):
    settings = db.session.get(SmsSettings, shop.id)
    settings.quiet_start, settings.quiet_end = "22:00", "07:30"
    db.session.commit()

    customer = owner(shop)
    assert remind(shop, customer, now=local(23, 21, 30)).next_attempt_at == local(23, 21, 30)
    assert remind(shop, customer, now=local(23, 22, 30)).next_attempt_at == local(24, 7, 30)


def test_enqueue_follows_the_store_time_zone(shop):
    shop.timezone = "Asia/Urumqi"  # UTC+6: 22:30 in Shanghai is 20:30 there, before quiet hours
    db.session.commit()

    now = local(23, 22, 30)
    assert remind(shop, owner(shop), now=now).next_attempt_at == now


def test_enqueue_without_saved_settings_uses_the_default_quiet_hours(ctx, store):
    message = remind(store, owner(store), now=local(23, 22, 30))

    assert message.next_attempt_at == local(24, 8, 0)
    assert message.sign_name == default_sign_name(store)


# -- wording and length ------------------------------------------------------------------------

@pytest.mark.parametrize("length, expected", [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)])
def test_segments_seventy_for_one_then_sixty_seven_per_part(length, expected):
    assert segments("字" * length) == expected


def test_segments_count_the_signature_and_the_opt_out_line(ctx, shop):
    room = 70 - len(f"【{SIGN}】")
    service, marketing = KINDS["car_ready"], KINDS["greeting_birthday"]

    assert segments(compose(service, "好" * room, {}, SIGN)) == 1
    assert segments(compose(service, "好" * (room + 1), {}, SIGN)) == 2
    assert segments(compose(marketing, "好" * (room - len(OPT_OUT_LINE)), {}, SIGN)) == 1
    assert segments(compose(marketing, "好" * (room - len(OPT_OUT_LINE) + 1), {}, SIGN)) == 2


def test_compose_uses_the_store_template_when_saved(shop, other_store, staff):
    services.save_template(shop.id, kind="maintenance_reminder", body="${name}，${plate}该保养了（${due_date}前）。",
                           provider_template_code="SMS_465000001", actor=actor(staff["manager"]))

    message = remind(shop, owner(shop))
    elsewhere = remind(other_store, owner(other_store))

    assert message.body == f"【{SIGN}】王先生，粤B12345该保养了（2026年12月31日前）。"
    assert message.template_code == "SMS_465000001"
    assert "该保养了" not in elsewhere.body and "预计2026年12月31日前需要保养" in elsewhere.body
    assert elsewhere.template_code == ""


def test_compose_marketing_template_gets_the_opt_out_line_once(shop, staff):
    services.save_template(shop.id, kind="greeting_holiday", body="${name}，${holiday}快乐！",
                           provider_template_code="", actor=actor(staff["manager"]))

    message = remind(shop, owner(shop, marketing_consent=True), kind="greeting_holiday",
                     params={"name": "王先生", "holiday": "春节"})

    assert message.body == f"【{SIGN}】王先生，春节快乐！{OPT_OUT_LINE}"


def test_default_sign_name_drops_the_brand_and_the_4s_noise(ctx):
    store = StoreFactory(code="SZ09", name="深圳宝安一汽-大众4S店", brand="一汽-大众")

    assert default_sign_name(store) == "深圳宝安"


# -- cancelling --------------------------------------------------------------------------------

def test_cancel_queued_cancels_only_queued_messages_of_that_phone_and_category(shop):
    customer = owner(shop, marketing_consent=True)
    other = CustomerFactory(store=shop, mobile="13900000000", mobile_last4="0000", marketing_consent=True)
    campaign = remind(shop, customer, kind="campaign_invitation", params=CAMPAIGN)
    sent_campaign = remind(shop, customer, kind="campaign_invitation", params=CAMPAIGN)
    reminder = remind(shop, customer)
    other_campaign = remind(shop, other, kind="campaign_invitation", params=CAMPAIGN)
    db.session.flush()
    sent_campaign.state = SENT
    db.session.commit()

    count = cancel_queued(store_id=shop.id, phone=customer.mobile, category="marketing", now=NOON)
    db.session.commit()

    assert count == 1
    states = {m.id: m.state for m in messages()}
    assert states == {campaign.id: CANCELLED, sent_campaign.id: SENT, reminder.id: QUEUED,
                      other_campaign.id: QUEUED}


def test_cancel_queued_by_dedupe_keys(shop):
    customer = owner(shop)
    first = remind(shop, customer, dedupe_key="a")
    second = remind(shop, customer, dedupe_key="b")
    db.session.commit()

    assert cancel_queued(store_id=shop.id, dedupe_keys=[]) == 0
    assert cancel_queued(store_id=shop.id, dedupe_keys=["a"]) == 1
    db.session.commit()

    assert {m.id: m.state for m in messages()} == {first.id: CANCELLED, second.id: QUEUED}


def test_enqueue_with_a_vehicle_records_it(shop):
    vehicle = VehicleFactory(owner=owner(shop), plate="粤B12345")

    message = remind(shop, vehicle.owner, vehicle_id=vehicle.id)
    db.session.commit()

    assert messages()[0].vehicle_id == vehicle.id == message.vehicle_id

