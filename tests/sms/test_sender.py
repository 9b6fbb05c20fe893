"""The sender job with the real Alibaba SDK against the stand-in: nothing lost, nothing sent twice.

The sender's clock (`now_fn`) is a test clock set to the stand-in's China day, so quiet hours, caps and
backoff are exact; the stand-in files messages by its own (real) clock, which is the same day.
"""
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from dealer.extensions import db
from dealer.sms import sender
from dealer.sms.kinds import KINDS
from dealer.sms.models import FAILED, QUEUED, SENDING, SENT, SmsMessage, SmsSettings, SmsTemplate
from dealer.sms.outbox import enqueue
from dealer.sms.sender import GIVE_UP_IN_DOUBT, LEASE, MAX_ATTEMPTS, claim, expire_leases, send_due
from tests.factories import CustomerFactory, StoreFactory
from tests.helpers import fresh

SIGN = "宝安大众"
PHONE = "13812345678"
CHINA = timezone(timedelta(hours=8))
UTC = timezone.utc
# Every kind the tests send has an approved template at the provider.
TEMPLATE_CODES = {kind: f"SMS_46{number:07d}" for number, kind in enumerate(KINDS)}
PARAMS = {
    "rescue_eta": {"name": "王先生", "plate": "粤B12345", "eta_minutes": "25", "responder": "李师傅",
                   "responder_phone": "13900000000"},
    "booking_code": {"name": "王先生", "plate": "粤B12345", "code": "836152", "slot": "12月1日 09:30", "service": "保养"},
    "car_ready": {"name": "王先生", "plate": "粤B12345", "store_phone": "0755-27781234"},
    "maintenance_reminder": {"name": "王先生", "plate": "粤B12345", "due_date": "2026-12-31",
                             "store_phone": "0755-27781234"},
    "campaign_invitation": {"name": "王先生", "campaign": "秋季关爱活动", "period": "10月1日至10月31日",
                            "store_phone": "0755-27781234"},
}


def today_at(hour: int, minute: int = 0, *, days: int = 0) -> datetime:
    """Today in China (the stand-in's filing day) at a wall-clock time, in UTC."""
    day = datetime.now(CHINA).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA).astimezone(UTC)


class Clock:
    """The sender's `now_fn`: stands still unless moved."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture()
def clock():
    return Clock(today_at(10))


def set_up_store(store, *, cap: int = 3):
    db.session.add(SmsSettings(store_id=store.id, sign_name=SIGN, quiet_start="21:00", quiet_end="08:00",
                               daily_cap_per_phone=cap))
    for kind, code in TEMPLATE_CODES.items():
        db.session.add(SmsTemplate(store_id=store.id, kind=kind, body=KINDS[kind].default_body,
                                   provider_template_code=code))
    db.session.commit()
    return store


@pytest.fixture()
def shop(ctx, store):
    return set_up_store(store)


@pytest.fixture()
def customer(shop):
    customer = CustomerFactory(store=shop, mobile=PHONE, mobile_last4=PHONE[-4:], marketing_consent=True)
    db.session.commit()
    return customer


def queue(customer, kind="car_ready", *, now, phone=None) -> SmsMessage:
    message = enqueue(kind, store_id=customer.store_id, phone=phone or customer.mobile, params=PARAMS[kind],
                      now=now, customer=customer)
    db.session.commit()
    return message


def run(gateway, clock, **kwargs) -> sender.SendReport:
    return send_due(gateway=gateway, now_fn=clock, **kwargs)


# -- one message, each answer ------------------------------------------------------------------

def test_send_due_accepted_records_provider_id_and_sent(customer, sms_standin, clock):
    message = queue(customer, now=clock())

    report = run(sms_standin.gateway(), clock)

    assert (report.claimed, report.sent) == (1, 1)
    message = fresh(SmsMessage, message.id)
    delivered = sms_standin.message(message.out_id)
    assert message.state == SENT
    assert (message.provider, message.provider_id) == ("aliyun", delivered.biz_id)
    assert message.sent_at == clock() and message.attempts == 1
    assert message.send_started_at is None and message.lease_owner is None and message.lease_expires_at is None
    assert (delivered.phone, delivered.sign_name, delivered.template_code) == (PHONE, SIGN,
                                                                              TEMPLATE_CODES["car_ready"])
    assert delivered.params == PARAMS["car_ready"]
    assert sms_standin.deliveries(message.out_id) == 1


def test_send_due_sends_nothing_before_its_time_and_nothing_twice(customer, sms_standin, clock):
    message = queue(customer, now=clock() + timedelta(minutes=5))
    gateway = sms_standin.gateway()

    assert run(gateway, clock).claimed == 0
    clock.advance(minutes=5)
    assert run(gateway, clock).sent == 1
    assert run(gateway, clock).claimed == 0

    assert sms_standin.requests_for(fresh(SmsMessage, message.id).out_id) == 1


def test_send_due_throttled_is_retried_later_with_backoff(customer, sms_standin, clock):
    message = queue(customer, now=clock())
    gateway = sms_standin.gateway()
    sms_standin.throttle_next(2)

    report = run(gateway, clock)

    assert report.retried == 1 and report.errors == {"isv.BUSINESS_LIMIT_CONTROL": 1}
    first = fresh(SmsMessage, message.id)
    assert (first.state, first.attempts, first.error_code) == (QUEUED, 1, "isv.BUSINESS_LIMIT_CONTROL")
    assert first.error_message  # the provider's words, shown to staff
    assert first.next_attempt_at == clock() + timedelta(seconds=30)
    assert first.send_started_at is None and first.lease_owner is None

    clock.advance(seconds=29)
    assert run(gateway, clock).claimed == 0  # not before its backoff
    clock.advance(seconds=1)
    run(gateway, clock)
    second = fresh(SmsMessage, message.id)
    assert (second.state, second.attempts) == (QUEUED, 2)
    assert second.next_attempt_at == clock() + timedelta(seconds=60)  # the wait doubles

    clock.advance(seconds=60)
    run(gateway, clock)
    sent = fresh(SmsMessage, message.id)
    assert (sent.state, sent.attempts, sent.error_code) == (SENT, 3, None)
    assert sms_standin.requests_for(sent.out_id) == 3 and sms_standin.deliveries(sent.out_id) == 1


def test_send_due_invalid_number_fails_at_once_with_the_code_shown(customer, sms_standin, clock):
    message = queue(customer, now=clock(), phone="1381234567")  # ten digits
    gateway = sms_standin.gateway()

    report = run(gateway, clock)
    clock.advance(hours=2)
    run(gateway, clock)

    assert report.failed == 1
    message = fresh(SmsMessage, message.id)
    assert (message.state, message.error_code, message.attempts) == (FAILED, "isv.MOBILE_NUMBER_ILLEGAL", 1)
    assert message.error_message == "非法手机号" and message.failed_at == clock() - timedelta(hours=2)
    assert message.send_started_at is None and message.lease_owner is None
    assert sms_standin.requests_for(message.out_id) == 1  # never tried again


def test_send_due_template_not_approved_fails(customer, sms_standin, clock):
    message = queue(customer, now=clock())
    sms_standin.reject_template(TEMPLATE_CODES["car_ready"])

    run(sms_standin.gateway(), clock)

    message = fresh(SmsMessage, message.id)
    assert (message.state, message.error_code) == (FAILED, "isv.SMS_TEMPLATE_ILLEGAL")
    assert sms_standin.deliveries(message.out_id) == 0


def test_send_due_fails_after_max_attempts_of_a_temporary_error(customer, sms_standin, clock):
    message = queue(customer, now=clock())
    gateway = sms_standin.gateway()
    sms_standin.fail_phone(PHONE, "isp.SYSTEM_ERROR")

    for _ in range(MAX_ATTEMPTS + 2):  # an hour apart (the longest backoff), all in the daytime
        run(gateway, clock)
        clock.advance(hours=1)

    message = fresh(SmsMessage, message.id)
    assert (message.state, message.attempts, message.error_code) == (FAILED, MAX_ATTEMPTS, "isp.SYSTEM_ERROR")
    assert sms_standin.requests_for(message.out_id) == MAX_ATTEMPTS


# -- quiet hours and the daily cap, at send time -------------------------------------------------

def test_send_due_cap_per_phone_defers_to_the_next_morning(ctx, store, sms_standin, clock):
    set_up_store(store, cap=2)
    customer = CustomerFactory(store=store, mobile=PHONE, mobile_last4=PHONE[-4:])
    db.session.commit()
    reminders = [queue(customer, "maintenance_reminder", now=clock()) for _ in range(3)]
    gateway = sms_standin.gateway()

    report = run(gateway, clock)

    assert (report.sent, report.deferred) == (2, 1)
    assert [fresh(SmsMessage, m.id).state for m in reminders] == [SENT, SENT, QUEUED]
    waiting = fresh(SmsMessage, reminders[2].id)
    assert waiting.next_attempt_at == today_at(8, days=1) and waiting.attempts == 0
    assert sms_standin.requests_for(waiting.out_id) == 0

    clock.now = today_at(8, days=1)
    run(gateway, clock)
    assert fresh(SmsMessage, waiting.id).state == SENT  # yesterday's messages do not count today


@pytest.mark.parametrize("kind", ["rescue_eta", "booking_code", "car_ready"])
def test_send_due_cap_reached_does_not_hold_back_uncapped_kinds(ctx, store, sms_standin, clock, kind):
    set_up_store(store, cap=1)
    customer = CustomerFactory(store=store, mobile=PHONE, mobile_last4=PHONE[-4:])
    db.session.commit()
    queue(customer, "maintenance_reminder", now=clock())
    gateway = sms_standin.gateway()
    run(gateway, clock)  # the cap of one is reached

    clock.advance(minutes=5)
    urgent = queue(customer, kind, now=clock())
    reminder = queue(customer, "maintenance_reminder", now=clock())
    run(gateway, clock)

    assert fresh(SmsMessage, urgent.id).state == SENT
    assert fresh(SmsMessage, reminder.id).state == QUEUED  # while the capped kind waits for tomorrow


def test_send_due_cap_counts_only_capped_kinds(ctx, store, sms_standin, clock):
    set_up_store(store, cap=1)
    customer = CustomerFactory(store=store, mobile=PHONE, mobile_last4=PHONE[-4:])
    db.session.commit()
    queue(customer, "booking_code", now=clock())
    queue(customer, "car_ready", now=clock())
    gateway = sms_standin.gateway()
    run(gateway, clock)

    reminder = queue(customer, "maintenance_reminder", now=clock())
    run(gateway, clock)

    assert fresh(SmsMessage, reminder.id).state == SENT


def test_send_due_in_quiet_hours_defers_to_the_morning_except_rescue(customer, sms_standin, clock):
    reminder = queue(customer, "maintenance_reminder", now=today_at(20, 50))
    ready = queue(customer, "car_ready", now=today_at(20, 50))
    rescue = queue(customer, "rescue_eta", now=today_at(20, 50))
    clock.now = today_at(21, 10)  # the sender was late: quiet hours began meanwhile

    report = run(sms_standin.gateway(), clock)

    assert (report.sent, report.deferred) == (1, 2)
    assert fresh(SmsMessage, rescue.id).state == SENT
    for message in (reminder, ready):
        message = fresh(SmsMessage, message.id)
        assert (message.state, message.attempts) == (QUEUED, 0)
        assert message.next_attempt_at == today_at(8, days=1)
        assert sms_standin.requests_for(message.out_id) == 0


# -- the gateway down ----------------------------------------------------------------------------

class StopsProvider:
    """The real gateway, with the provider going down right after its `after`-th accepted message."""

    def __init__(self, standin, after: int):
        self.standin, self.after, self.accepted = standin, after, 0
        self.gateway = standin.gateway()
        self.name = self.gateway.name

    def send(self, **message):
        result = self.gateway.send(**message)
        self.accepted += result.accepted
        if self.accepted == self.after:
            self.standin.stop()
        return result

    def find_sent(self, **question):
        return self.gateway.find_sent(**question)


def test_send_due_gateway_down_midway_loses_nothing_sends_nothing_twice_and_keeps_priority(
        customer, sms_standin, clock):
    db.session.get(SmsSettings, customer.store_id).daily_cap_per_phone = 20  # the cap is tested elsewhere
    campaigns = [queue(customer, "campaign_invitation", now=clock()) for _ in range(4)]
    ready = [queue(customer, "car_ready", now=clock()) for _ in range(3)]

    down = run(StopsProvider(sms_standin, after=2), clock, limit=10)

    assert down.gateway_down and (down.claimed, down.sent, down.released) == (7, 2, 5)
    # car-ready first: higher priority
    assert [fresh(SmsMessage, m.id).state for m in ready] == [SENT, SENT, QUEUED]
    for message in ready[2:] + campaigns:
        message = fresh(SmsMessage, message.id)
        assert (message.state, message.attempts, message.lease_owner) == (QUEUED, 0, None)
        assert message.send_started_at is None  # never reached the provider: not in doubt

    # Still down: a rescue ETA comes in, a later run fails at its first message and uses no attempt.
    clock.advance(seconds=10)
    rescues = [queue(customer, "rescue_eta", now=clock()) for _ in range(2)]
    clock.advance(seconds=30)
    still_down = run(sms_standin.gateway(), clock)
    assert still_down.gateway_down and still_down.sent == 0
    assert {fresh(SmsMessage, m.id).attempts for m in rescues + campaigns} == {0}

    sms_standin.start()
    clock.advance(seconds=60)
    before = len(sms_standin.messages)
    while run(sms_standin.gateway(), clock, limit=3).claimed:
        pass

    everything = campaigns + ready + rescues
    assert {fresh(SmsMessage, m.id).state for m in everything} == {SENT}
    assert all(sms_standin.deliveries(m.out_id) == 1 for m in everything)
    kind_of = {m.out_id: m.kind for m in everything}
    after_restart = [kind_of[m.out_id] for m in sms_standin.messages[before:]]
    assert after_restart == ["rescue_eta"] * 2 + ["car_ready"] + ["campaign_invitation"] * 4


# -- in doubt: a sender that died, an answer that never came ---------------------------------------

def accepted_by_provider_then_sender_died(standin, message: SmsMessage, started: datetime) -> None:
    """The provider took the message; its sender died before recording it (lease left to expire)."""
    result = standin.gateway().send(phone=message.phone, sign_name=message.sign_name,
                                     template_code=message.template_code, params=message.params,
                                     out_id=message.out_id)
    assert result.accepted
    died_before_it_left(message, started)


def died_before_it_left(message: SmsMessage, started: datetime) -> None:
    db.session.execute(sa.update(SmsMessage).where(SmsMessage.id == message.id).values(
        state=SENDING, lease_owner="sender-dead", lease_expires_at=started + LEASE, send_started_at=started))
    db.session.commit()


def test_send_due_after_a_sender_died_mid_send_finds_it_sent_and_sends_no_second_copy(
        customer, sms_standin, clock):
    message = queue(customer, now=clock())
    accepted_by_provider_then_sender_died(sms_standin, message, clock())
    gateway = sms_standin.gateway()

    assert run(gateway, clock).claimed == 0  # the dead sender's lease still holds
    clock.advance(minutes=3)
    report = run(gateway, clock)

    assert report.found_sent == 1 and report.sent == 0
    message = fresh(SmsMessage, message.id)
    assert (message.state, message.sent_at, message.send_started_at, message.lease_owner) == (
        SENT, clock(), None, None)
    assert sms_standin.deliveries(message.out_id) == 1 and sms_standin.requests_for(message.out_id) == 1
    assert sms_standin.lookups  # it asked the provider


def test_send_due_after_expire_leases_finds_it_sent_too(customer, sms_standin, clock):
    message = queue(customer, now=clock())
    accepted_by_provider_then_sender_died(sms_standin, message, clock())
    clock.advance(minutes=3)

    assert expire_leases(now=clock()) == 1
    assert fresh(SmsMessage, message.id).send_started_at is not None  # still in doubt
    run(sms_standin.gateway(), clock)

    assert fresh(SmsMessage, message.id).state == SENT
    assert sms_standin.deliveries(message.out_id) == 1


def test_send_due_after_a_sender_died_before_the_request_left_sends_it_once(customer, sms_standin, clock):
    message = queue(customer, now=clock())
    died_before_it_left(message, clock())
    clock.advance(minutes=3)

    early = run(sms_standin.gateway(), clock)  # "not found" so soon may be the provider's records lagging
    assert (early.sent == 0 and fresh(SmsMessage, message.id).state == QUEUED
            and fresh(SmsMessage, message.id).send_started_at is not None)
    clock.advance(minutes=3)
    report = run(sms_standin.gateway(), clock)

    assert report.sent == 1
    assert fresh(SmsMessage, message.id).state == SENT and fresh(SmsMessage, message.id).provider_id
    assert sms_standin.deliveries(message.out_id) == 1


def test_send_due_timeout_is_in_doubt_and_not_resent_blindly(customer, sms_standin, clock):
    message = queue(customer, now=clock())
    gateway = sms_standin.gateway(read_timeout=0.3)
    sms_standin.delay_answers(1, 0.8)  # the provider sends it, but answers too late

    report = run(gateway, clock)

    assert report.errors == {"timeout": 1} and report.sent == 0
    doubtful = fresh(SmsMessage, message.id)
    assert doubtful.state == QUEUED and doubtful.send_started_at == clock()
    assert (doubtful.attempts, doubtful.error_code) == (1, "timeout")  # shown, and counted
    assert doubtful.next_attempt_at == clock() + sender.RETRY_IN_DOUBT
    assert sms_standin.deliveries(message.out_id) == 1

    clock.advance(minutes=2)
    report = run(gateway, clock)

    assert report.found_sent == 1
    assert fresh(SmsMessage, message.id).state == SENT
    assert sms_standin.requests_for(message.out_id) == 1 and sms_standin.deliveries(message.out_id) == 1


def test_send_due_in_doubt_while_the_provider_cannot_say_waits(customer, sms_standin, clock):
    message = queue(customer, now=clock())
    accepted_by_provider_then_sender_died(sms_standin, message, clock())
    clock.advance(minutes=3)
    gateway = sms_standin.gateway()
    sms_standin.throttle_lookups(1)

    report = run(gateway, clock)

    assert report.sent == report.found_sent == 0
    waiting = fresh(SmsMessage, message.id)
    assert waiting.state == QUEUED and waiting.send_started_at is not None
    assert sms_standin.requests_for(message.out_id) == 1  # not sent again while unsure

    clock.advance(minutes=2)
    run(gateway, clock)
    assert fresh(SmsMessage, message.id).state == SENT and sms_standin.deliveries(message.out_id) == 1


def test_send_due_in_doubt_after_the_last_attempt_found_sent_is_sent(customer, sms_standin, clock):
    message = queue(customer, now=clock())
    accepted_by_provider_then_sender_died(sms_standin, message, clock())
    db.session.execute(sa.update(SmsMessage).where(SmsMessage.id == message.id).values(attempts=MAX_ATTEMPTS))
    db.session.commit()
    clock.advance(minutes=3)

    run(sms_standin.gateway(), clock)

    assert fresh(SmsMessage, message.id).state == SENT and sms_standin.deliveries(message.out_id) == 1


def test_send_due_in_doubt_after_the_last_attempt_not_found_fails_without_resending(
        customer, sms_standin, clock):
    message = queue(customer, now=clock())
    died_before_it_left(message, clock())  # its last attempt timed out and never reached the provider
    db.session.execute(sa.update(SmsMessage).where(SmsMessage.id == message.id).values(attempts=MAX_ATTEMPTS))
    db.session.commit()
    clock.advance(minutes=6)  # past the time the provider's records may lag a send

    report = run(sms_standin.gateway(), clock)

    assert report.failed == 1
    failed = fresh(SmsMessage, message.id)
    assert (failed.state, failed.error_code, failed.attempts) == (FAILED, "timeout", MAX_ATTEMPTS)
    assert sms_standin.requests_for(message.out_id) == 0


# -- leases ------------------------------------------------------------------------------------

def test_claim_leased_message_is_not_claimed_by_another_sender_until_its_lease_expires(customer, clock):
    message = queue(customer, now=clock())

    first = claim(worker="sender-a", now=clock(), limit=10)
    second = claim(worker="sender-b", now=clock() + LEASE - timedelta(seconds=1), limit=10)
    third = claim(worker="sender-c", now=clock() + LEASE + timedelta(seconds=1), limit=10)

    assert [m.id for m in first] == [message.id] and second == []
    assert [m.id for m in third] == [message.id] and fresh(SmsMessage, message.id).lease_owner == "sender-c"


def test_expire_leases_puts_stuck_messages_back_and_leaves_live_ones(customer, clock):
    stuck, live = queue(customer, now=clock()), queue(customer, now=clock())
    for message, expires in ((stuck, clock() - timedelta(seconds=1)), (live, clock() + timedelta(seconds=60))):
        db.session.execute(sa.update(SmsMessage).where(SmsMessage.id == message.id).values(
            state=SENDING, lease_owner="sender-x", lease_expires_at=expires))
    db.session.commit()

    assert expire_leases(now=clock()) == 1

    stuck, live = fresh(SmsMessage, stuck.id), fresh(SmsMessage, live.id)
    assert (stuck.state, stuck.lease_owner, stuck.lease_expires_at, stuck.next_attempt_at) == (
        QUEUED, None, None, clock())
    assert (live.state, live.lease_owner) == (SENDING, "sender-x")


def test_send_due_result_of_a_sender_whose_lease_was_taken_over_is_not_written(customer, sms_standin, clock):
    message = queue(customer, now=clock())
    [mine] = claim(worker="sender-slow", now=clock(), limit=10)
    clock.advance(minutes=3)

    report = run(sms_standin.gateway(), clock, worker="sender-new")  # takes the expired lease and sends

    assert report.sent == 1
    assert sender._finish(mine.id, "sender-slow", state=FAILED) is False  # the slow one cannot overwrite it
    assert fresh(SmsMessage, message.id).state == SENT


# -- two (three) senders at once ---------------------------------------------------------------

@pytest.mark.postgres_only
def test_send_due_three_senders_at_once_send_each_of_1000_messages_exactly_once(
        app, backend, request, sms_standin):
    if backend != "postgresql":
        pytest.skip("concurrent senders need PostgreSQL (SQLite serialises writers)")
    request.getfixturevalue("committed_db")
    store = set_up_store(StoreFactory(code="SZ01"))
    start = today_at(10)
    setup = time.monotonic()
    for number in range(1000):  # service messages need no customer file; one phone each (no cap)
        enqueue("car_ready", store_id=store.id, phone=f"139{number:08d}", params=PARAMS["car_ready"], now=start)
    db.session.commit()
    setup = time.monotonic() - setup
    out_ids = list(db.session.scalars(sa.select(SmsMessage.out_id)))
    assert len(out_ids) == 1000

    began = time.monotonic()

    def now_fn():
        return start + timedelta(seconds=time.monotonic() - began)

    senders = 3
    barrier = threading.Barrier(senders)
    reports: list[list[sender.SendReport]] = [[] for _ in range(senders)]
    errors: list[BaseException] = []

    def work(index: int):
        try:
            with app.app_context():
                gateway = sms_standin.gateway()
                barrier.wait(timeout=10)
                try:
                    while True:
                        report = send_due(gateway=gateway, now_fn=now_fn, limit=20, worker=f"sender-{index}")
                        reports[index].append(report)
                        if report.claimed == 0:
                            break
                finally:
                    db.session.remove()
        except BaseException as error:  # noqa: BLE001  (reported below)
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    elapsed = time.monotonic() - began

    assert not any(thread.is_alive() for thread in threads), "a sender is stuck"
    assert errors == []
    db.session.expire_all()
    states = dict(db.session.execute(sa.select(SmsMessage.state, sa.func.count()).group_by(SmsMessage.state)).all())
    assert states == {SENT: 1000}
    deliveries = [sms_standin.deliveries(out_id) for out_id in out_ids]
    assert deliveries.count(1) == 1000, {n: deliveries.count(n) for n in set(deliveries)}
    assert len(sms_standin.messages) == 1000
    sent_by = [sum(r.sent for r in mine) for mine in reports]
    assert sum(sent_by) == 1000 and all(sent_by), sent_by  # every sender took part
    print(f"\n1000 messages queued in {setup:.1f} s; {senders} senders sent {sent_by} in {elapsed:.1f} s")


def test_send_due_in_doubt_for_a_day_without_an_answer_fails_for_a_person(customer, sms_standin, clock):
    message = queue(customer, now=clock())
    accepted_by_provider_then_sender_died(sms_standin, message, clock())
    clock.advance(minutes=3)
    sms_standin.fail_lookups(1000, "isp.SYSTEM_ERROR")

    assert run(sms_standin.gateway(), clock).failed == 0  # cannot tell yet: waits
    clock.advance(seconds=(GIVE_UP_IN_DOUBT + timedelta(minutes=5)).total_seconds())
    report = run(sms_standin.gateway(), clock)

    assert report.failed == 1
    message = fresh(SmsMessage, message.id)
    assert (message.state, message.error_code) == (FAILED, "in_doubt")
    assert sms_standin.deliveries(message.out_id) == 1  # never a second copy


# -- messages that are no longer true --------------------------------------------------------

def test_send_due_cancels_a_message_past_its_validity_instead_of_sending_it(customer, sms_standin, clock):
    message = queue(customer, now=clock())  # car ready: true for a day
    assert fresh(SmsMessage, message.id).expires_at == clock() + KINDS["car_ready"].valid_for
    clock.advance(days=2)  # the gateway was down meanwhile; the car was collected long ago

    report = run(sms_standin.gateway(), clock)

    message = fresh(SmsMessage, message.id)
    assert (report.claimed, report.sent, report.expired) == (1, 0, 1)
    assert (message.state, message.error_code, message.failed_at) == ("cancelled", "expired", clock())
    assert message.lease_owner is None and message.attempts == 0
    assert sms_standin.requests_for(message.out_id) == 0


def test_send_due_sends_a_message_still_within_its_validity(customer, sms_standin, clock):
    message = queue(customer, now=clock())
    clock.advance(hours=23)

    assert run(sms_standin.gateway(), clock).sent == 1
    assert fresh(SmsMessage, message.id).state == SENT


def test_an_event_can_end_a_message_sooner_than_its_kind(customer, sms_standin, clock):
    message = enqueue("car_ready", store_id=customer.store_id, phone=customer.mobile, params=PARAMS["car_ready"],
                      now=clock(), customer=customer, expires_at=clock() + timedelta(minutes=10))
    db.session.commit()
    clock.advance(minutes=10)

    assert run(sms_standin.gateway(), clock).expired == 1
    assert fresh(SmsMessage, message.id).error_code == "expired"


def test_a_kind_without_validity_waits_for_its_turn_however_long(customer, sms_standin, clock):
    message = queue(customer, "maintenance_reminder", now=clock())
    assert fresh(SmsMessage, message.id).expires_at is None
    clock.advance(days=20)

    assert run(sms_standin.gateway(), clock).sent == 1
