"""The SMS gateway contract: the real Alibaba SDK against the stand-in on 127.0.0.1, and the local backend.

Nothing is mocked: every send goes through the SDK's signing and HTTP code to a real server.
"""
from __future__ import annotations

import http.client
import json
import threading
import time
from datetime import date, datetime, timedelta, timezone

import pytest
from alibabacloud_dysmsapi20170525 import models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.runtime import RuntimeOptions
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

from dealer.sms.gateway import (
    ALIYUN_CODES,
    AliyunSmsGateway,
    LocalSmsGateway,
    LookupResult,
    SendResult,
    china_day,
    classify_aliyun_code,
    gateway_from_config,
)
from tests.sms import standin as standin_module
from tests.sms.standin import ACCESS_KEY_ID, ACCESS_KEY_SECRET, SmsStandin

sms_standin = standin_module.sms_standin  # the fixture, until a conftest provides it

PHONE = "13800138000"
SIGN = "宝安大众4S店"
TEMPLATE = "SMS_462190001"
FOUND = LookupResult(known=True, found=True, provider_id=None, code="OK")
NOT_FOUND = LookupResult(known=True, found=False, provider_id=None, code="OK")


def send(gateway, out_id: str = "msg-1", *, phone: str = PHONE, template_code: str = TEMPLATE,
         sign_name: str = SIGN, params: dict | None = None) -> SendResult:
    return gateway.send(phone=phone, sign_name=sign_name, template_code=template_code,
                        params={"plate": "粤B·12345", "date": "2026-12-01"} if params is None else params,
                        out_id=out_id)


def replay(standin: SmsStandin, raw, *, query_string: str | None = None) -> tuple[int, dict]:
    """Send a captured request again, byte for byte (or with another query string)."""
    # http.client, not urllib: urllib would add a Content-Type the SDK did not send (and sign).
    connection = http.client.HTTPConnection(standin.host, standin.port, timeout=5)
    headers = {name: value for name, value in raw.headers.items() if name.lower() != "connection"}
    try:
        connection.request(raw.method, f"/?{raw.query_string if query_string is None else query_string}",
                           body=raw.body, headers=headers)
        answer = connection.getresponse()
        return answer.status, json.loads(answer.read())
    finally:
        connection.close()


# --- SendSms through the real SDK -------------------------------------------------------------

def test_send_accepted_returns_biz_id_and_provider_records_it(sms_standin):
    params = {"name": "张 三", "note": "A&B=1+2/3*4~ 100%"}  # characters the signature must encode

    result = send(sms_standin.gateway(), "msg-1", params=params)

    assert result.accepted and result.code == "OK" and not result.retryable
    message = sms_standin.message("msg-1")
    assert result.provider_id == message.biz_id and message.biz_id.endswith("^0")
    assert (message.phone, message.sign_name, message.template_code) == (PHONE, SIGN, TEMPLATE)
    assert message.params == params
    assert sms_standin.deliveries("msg-1") == 1


def test_send_throttled_is_retryable(sms_standin):
    sms_standin.throttle_next(2)
    gateway = sms_standin.gateway()

    first, second, third = send(gateway, "a"), send(gateway, "b"), send(gateway, "c")

    assert (first.accepted, first.code, first.retryable) == (False, "isv.BUSINESS_LIMIT_CONTROL", True)
    assert second.code == "isv.BUSINESS_LIMIT_CONTROL" and third.accepted
    assert [m.out_id for m in sms_standin.messages] == ["c"]


def test_send_invalid_number_is_permanent(sms_standin):
    sms_standin.fail_phone("13900000000", "isv.MOBILE_NUMBER_ILLEGAL")
    gateway = sms_standin.gateway()

    scripted = send(gateway, "a", phone="13900000000")
    malformed = send(gateway, "b", phone="1380013800")  # ten digits: the provider's own check

    for result in (scripted, malformed):
        assert (result.accepted, result.code, result.retryable) == (False, "isv.MOBILE_NUMBER_ILLEGAL", False)
    assert sms_standin.messages == []


def test_send_template_not_approved_is_permanent(sms_standin):
    sms_standin.reject_template("SMS_NOT_APPROVED")

    result = send(sms_standin.gateway(), template_code="SMS_NOT_APPROVED")

    assert (result.accepted, result.code, result.retryable) == (False, "isv.SMS_TEMPLATE_ILLEGAL", False)


def test_send_signature_not_approved_is_permanent(sms_standin):
    sms_standin.reject_sign_name("未报备的店")

    result = send(sms_standin.gateway(), sign_name="未报备的店")

    assert (result.code, result.retryable) == ("isv.SMS_SIGNATURE_ILLEGAL", False)


def test_send_missing_template_variable_is_permanent(sms_standin):
    sms_standin.require_params(TEMPLATE, "plate", "date", "advisor")

    result = send(sms_standin.gateway())

    assert (result.code, result.retryable) == ("isv.TEMPLATE_MISSING_PARAMETERS", False)


@pytest.mark.parametrize(("code", "http_status", "retryable"), [
    ("isp.SYSTEM_ERROR", 200, True),
    ("isv.AMOUNT_NOT_ENOUGH", 200, True),
    ("isv.OUT_OF_SERVICE", 200, True),
    ("isv.DAY_LIMIT_CONTROL", 200, True),
    ("isv.INVALID_PARAMETERS", 200, False),
    ("isv.BLACK_KEY_CONTROL_LIMIT", 200, False),
    ("isv.SOMETHING_NEW", 200, False),
    ("isp.SOMETHING_NEW", 200, True),
    ("ServiceUnavailable", 503, True),
    ("InternalError", 500, True),
    ("Throttling.User", 400, True),
])
def test_send_provider_code_mapped(sms_standin, code, http_status, retryable):
    sms_standin.fail_next(1, code, http_status=http_status)

    result = send(sms_standin.gateway())

    assert (result.accepted, result.code, result.retryable) == (False, code, retryable)
    assert result.provider_id is None
    assert result.message


def test_code_table_matches_the_documented_classes():
    assert classify_aliyun_code("OK").retryable is False
    assert classify_aliyun_code("isv.UNLISTED").retryable is False
    assert classify_aliyun_code("isp.UNLISTED").retryable is True
    assert classify_aliyun_code("UnlistedGatewayFault", 502).retryable is True
    assert classify_aliyun_code("UnlistedRequestFault", 400).retryable is False
    assert all(entry.meaning for entry in ALIYUN_CODES.values())


# --- request authentication -----------------------------------------------------------------

def test_send_with_wrong_secret_refused_as_signature_mismatch(sms_standin):
    # Decision: an authentication failure is the deployment's fault, not the message's: retryable
    # (it waits, up to the outbox's retry limit, for an operator to fix the key), with the
    # provider's own code so the outbox page and the logs say what is wrong.
    result = send(sms_standin.gateway(access_key_secret="not-" + ACCESS_KEY_SECRET))

    assert (result.accepted, result.code, result.retryable) == (False, "SignatureDoesNotMatch", True)
    assert sms_standin.messages == [] and sms_standin.refusals[-1].http_status == 400


def test_send_with_unknown_access_key_refused(sms_standin):
    result = send(sms_standin.gateway(access_key_id="LTAI5tUnknownKey", access_key_secret="whatever"))

    assert (result.accepted, result.code) == (False, "InvalidAccessKeyId.NotFound")
    assert sms_standin.refusals[-1].http_status == 404


def test_request_dated_beyond_fifteen_minutes_refused(sms_standin):
    sms_standin.clock = lambda: datetime.now(timezone.utc) + timedelta(minutes=16)

    result = send(sms_standin.gateway())

    assert (result.accepted, result.code) == (False, "InvalidTimeStamp.Expired")
    sms_standin.clock = lambda: datetime.now(timezone.utc) + timedelta(minutes=14)
    assert send(sms_standin.gateway(), "msg-2").accepted


def test_replayed_request_refused_for_its_used_nonce(sms_standin):
    assert send(sms_standin.gateway()).accepted
    captured = sms_standin.raw_requests[-1]

    status, answer = replay(sms_standin, captured)

    assert (status, answer["Code"]) == (400, "SignatureNonceUsed")
    assert sms_standin.deliveries("msg-1") == 1


def test_tampered_request_refused_for_its_signature(sms_standin):
    assert send(sms_standin.gateway()).accepted
    captured = sms_standin.raw_requests[-1]

    status, answer = replay(sms_standin, captured,
                            query_string=captured.query_string.replace(PHONE, "13911112222"))

    assert (status, answer["Code"]) == (400, "SignatureDoesNotMatch")
    assert [m.phone for m in sms_standin.messages] == [PHONE]


# --- the provider down, slow, or asked twice ----------------------------------------------------

def test_send_while_provider_down_is_retryable_and_succeeds_after_restart(sms_standin):
    gateway = sms_standin.gateway(connect_timeout=0.5, read_timeout=1)
    port = sms_standin.port
    sms_standin.stop()

    started = time.monotonic()
    down = send(gateway, "msg-1")
    elapsed = time.monotonic() - started
    sms_standin.start()
    back = send(gateway, "msg-1")

    assert (down.accepted, down.code, down.retryable) == (False, "network_error", True)
    assert elapsed < 2
    assert sms_standin.port == port and back.accepted
    assert sms_standin.deliveries("msg-1") == 1


def test_send_answered_too_late_is_retryable_timeout_though_provider_sent_it(sms_standin):
    # The hazard the outbox must live with: SendSms is not idempotent and a timed-out request
    # may have been sent; the code "timeout" (not "network_error") says so.
    sms_standin.delay_answers(1, 1.0)

    result = send(sms_standin.gateway(read_timeout=0.3))

    assert (result.accepted, result.code, result.retryable) == (False, "timeout", True)
    assert sms_standin.deliveries("msg-1") == 1


def test_same_out_id_twice_is_sent_twice_like_alibaba(sms_standin):
    gateway = sms_standin.gateway()

    first, second = send(gateway, "msg-1"), send(gateway, "msg-1")

    assert first.accepted and second.accepted and first.provider_id != second.provider_id
    assert sms_standin.deliveries("msg-1") == 2 and sms_standin.requests_for("msg-1") == 2


def test_same_out_id_within_idempotency_window_is_delivered_once(sms_standin):
    sms_standin.idempotency_window = timedelta(hours=24)
    gateway = sms_standin.gateway()

    first, second = send(gateway, "msg-1"), send(gateway, "msg-1")

    assert first.accepted and second.accepted and first.provider_id == second.provider_id
    assert sms_standin.deliveries("msg-1") == 1 and sms_standin.requests_for("msg-1") == 2
    assert len(sms_standin.messages) == 1


def test_same_out_id_after_idempotency_window_is_sent_again(sms_standin):
    sms_standin.idempotency_window = timedelta(hours=24)
    gateway = sms_standin.gateway()
    assert send(gateway, "msg-1").accepted
    # Both clocks must agree within 15 minutes, so the window is shortened instead of the clock moved.
    sms_standin.idempotency_window = timedelta(0)
    time.sleep(0.01)

    assert send(gateway, "msg-1").accepted
    assert sms_standin.deliveries("msg-1") == 2


# --- QuerySendDetails: did an in-doubt attempt go out? ----------------------------------------

def today() -> date:
    """Today in China time: the day Alibaba files today's messages under."""
    return china_day(datetime.now(timezone.utc))


def query_send_details(standin: SmsStandin, *, phone: str = PHONE, day: date | None = None,
                       page: int = 1, page_size: int = 50):
    """Call QuerySendDetails with the SDK itself, to see the records as the stand-in lists them."""

    client = Client(Config(access_key_id=ACCESS_KEY_ID, access_key_secret=ACCESS_KEY_SECRET,
                           endpoint=standin.endpoint, protocol="http"))
    request = models.QuerySendDetailsRequest(phone_number=phone, current_page=page, page_size=page_size,
                                             send_date=(day or today()).strftime("%Y%m%d"))
    return client.query_send_details_with_options(request, RuntimeOptions(autoretry=False)).body


def test_find_sent_after_timeout_finds_the_message_by_out_id(sms_standin):
    sms_standin.delay_answers(1, 1.0)
    gateway = sms_standin.gateway(read_timeout=0.3)
    assert send(gateway, "msg-1").code == "timeout"

    result = gateway.find_sent(phone=PHONE, out_id="msg-1", day=today())

    # The records carry no BizId, so the provider id of a found message is unknown (None).
    assert result == FOUND
    [lookup] = sms_standin.lookups
    assert (lookup.phone, lookup.send_date, lookup.page, lookup.page_size, lookup.biz_id) == \
        (PHONE, today().strftime("%Y%m%d"), 1, 50, None)


def test_find_sent_asks_for_the_mainland_number_without_its_country_code(sms_standin):
    gateway = sms_standin.gateway()
    assert send(gateway, "msg-1", phone="+86" + PHONE).accepted

    assert gateway.find_sent(phone="+86" + PHONE, out_id="msg-1", day=today()) == FOUND
    assert gateway.find_sent(phone=PHONE, out_id="msg-1", day=today()) == FOUND
    assert {lookup.phone for lookup in sms_standin.lookups} == {PHONE}


def test_find_sent_unknown_out_id_phone_or_day_is_not_found(sms_standin):
    gateway = sms_standin.gateway()
    send(gateway, "msg-1")
    send(gateway, "msg-2", phone="13911112222")

    assert gateway.find_sent(phone=PHONE, out_id="msg-3", day=today()) == NOT_FOUND
    assert gateway.find_sent(phone=PHONE, out_id="msg-2", day=today()) == NOT_FOUND
    assert gateway.find_sent(phone=PHONE, out_id="msg-1", day=today() - timedelta(days=1)) == NOT_FOUND
    # The next day, asked before it begins (an attempt just before midnight): simply empty.
    assert gateway.find_sent(phone=PHONE, out_id="msg-1", day=today() + timedelta(days=1)) == NOT_FOUND
    assert gateway.find_sent(phone=PHONE, out_id="msg-1", day=today()) == FOUND


def test_find_sent_pages_beyond_fifty_records_of_one_phone(sms_standin):
    gateway = sms_standin.gateway()
    for number in range(100):
        assert send(gateway, f"msg-{number}", params={}).accepted
    send(gateway, "other", phone="13911112222")

    oldest = gateway.find_sent(phone=PHONE, out_id="msg-0", day=today())
    newest = gateway.find_sent(phone=PHONE, out_id="msg-99", day=today())
    pages_before = len(sms_standin.lookups)
    missing = gateway.find_sent(phone=PHONE, out_id="msg-100", day=today())

    assert oldest == FOUND and newest == FOUND and missing == NOT_FOUND
    # Both pages read, then TotalCount says there is nothing more: no empty third page is asked for.
    assert [lookup.page for lookup in sms_standin.lookups[pages_before:]] == [1, 2]
    assert {lookup.page for lookup in sms_standin.lookups[:pages_before]} == {1, 2}


def test_find_sent_while_provider_down_is_unknown(sms_standin):
    gateway = sms_standin.gateway(connect_timeout=0.5, read_timeout=1)
    send(gateway, "msg-1")
    sms_standin.stop()

    started = time.monotonic()
    result = gateway.find_sent(phone=PHONE, out_id="msg-1", day=today())

    assert result == LookupResult(known=False, found=False, provider_id=None, code="network_error")
    assert time.monotonic() - started < 2


def test_find_sent_throttled_is_unknown_then_answers(sms_standin):
    gateway = sms_standin.gateway()
    send(gateway, "msg-1")
    sms_standin.throttle_lookups(1)

    throttled = gateway.find_sent(phone=PHONE, out_id="msg-1", day=today())
    later = gateway.find_sent(phone=PHONE, out_id="msg-1", day=today())

    assert throttled == LookupResult(known=False, found=False, provider_id=None, code="Throttling.User")
    refusal = sms_standin.refusals[-1]
    assert (refusal.action, refusal.http_status) == ("QuerySendDetails", 400)
    assert later == FOUND


def test_find_sent_answered_too_late_is_unknown(sms_standin):
    gateway = sms_standin.gateway(read_timeout=0.3)
    send(gateway, "msg-1")
    sms_standin.delay_lookups(1, 1.0)

    result = gateway.find_sent(phone=PHONE, out_id="msg-1", day=today())

    assert (result.known, result.found, result.code) == (False, False, "timeout")


@pytest.mark.parametrize(("code", "http_status"), [
    ("isp.SYSTEM_ERROR", 200),
    ("isv.BUSINESS_LIMIT_CONTROL", 200),
    ("isv.INVALID_PARAMETERS", 200),
    ("ServiceUnavailable", 503),
    ("InternalError", 500),
])
def test_find_sent_provider_error_is_unknown(sms_standin, code, http_status):
    gateway = sms_standin.gateway()
    send(gateway, "msg-1")
    sms_standin.fail_lookups(1, code, http_status=http_status)

    result = gateway.find_sent(phone=PHONE, out_id="msg-1", day=today())

    assert result == LookupResult(known=False, found=False, provider_id=None, code=code)


def test_find_sent_with_wrong_secret_is_unknown(sms_standin):
    send(sms_standin.gateway(), "msg-1")
    gateway = sms_standin.gateway(access_key_secret="not-" + ACCESS_KEY_SECRET)

    result = gateway.find_sent(phone=PHONE, out_id="msg-1", day=today())

    assert (result.known, result.code) == (False, "SignatureDoesNotMatch")
    assert sms_standin.lookups == []  # refused before it was read


def test_query_send_details_lists_records_as_the_provider_does(sms_standin, callback_server):
    sms_standin.undeliverable("13911112222", "MK:0001")
    gateway = sms_standin.gateway()
    send(gateway, "msg-1")
    send(gateway, "msg-2", phone="13911112222")

    waiting = query_send_details(sms_standin)
    sms_standin.deliver_reports(callback_server.url + "/t/reports")
    delivered = query_send_details(sms_standin)
    failed = query_send_details(sms_standin, phone="13911112222")

    assert (waiting.code, waiting.total_count) == ("OK", "1")
    [record] = waiting.sms_send_detail_dtos.sms_send_detail_dto
    assert (record.phone_num, record.out_id, record.template_code, record.send_status, record.err_code) == \
        (PHONE, "msg-1", TEMPLATE, 1, "")
    assert record.content.startswith(f"【{SIGN}】") and record.receive_date == ""
    assert datetime.strptime(record.send_date, "%Y-%m-%d %H:%M:%S").date() == today()
    [record] = delivered.sms_send_detail_dtos.sms_send_detail_dto
    assert (record.send_status, record.err_code) == (3, "DELIVERED") and record.receive_date
    [record] = failed.sms_send_detail_dtos.sms_send_detail_dto
    assert (record.out_id, record.send_status, record.err_code) == ("msg-2", 2, "MK:0001")


def test_query_send_details_refuses_pages_over_fifty_and_days_over_thirty(sms_standin):
    too_big = query_send_details(sms_standin, page_size=51)
    too_old = query_send_details(sms_standin, day=today() - timedelta(days=30))
    oldest_kept = query_send_details(sms_standin, day=today() - timedelta(days=29))

    assert too_big.code == too_old.code == "isv.INVALID_PARAMETERS"
    assert (oldest_kept.code, oldest_kept.total_count) == ("OK", "0")


# --- pushes to our callbacks ------------------------------------------------------------------

@pytest.fixture()
def callback_server():
    """Run a tiny HTTP receiver in place of our callback: it records pushes and answers {"code": 0}."""
    received: list[dict] = []
    state = {"answer": ({"code": 0, "msg": "接收成功"}, 200)}
    app = Flask("callback_receiver")

    @app.post("/sms/<token>/<kind>")
    def receive(token, kind):
        received.append({"token": token, "kind": kind, "args": dict(request.args),
                         "headers": dict(request.headers), "json": request.get_json()})
        body, status = state["answer"]
        return jsonify(body), status

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield type("Receiver", (), {"url": f"http://127.0.0.1:{server.server_port}/sms",
                                "received": received, "state": state})
    server.shutdown()
    server.server_close()


def test_deliver_reports_posts_smsreport_array_once_acknowledged(sms_standin, callback_server):
    sms_standin.callback_headers = {"X-Sms-Callback-Token": "s3cret"}
    sms_standin.undeliverable("13911112222", "MK:0001", "用户接收失败")
    gateway = sms_standin.gateway()
    send(gateway, "msg-1")
    send(gateway, "msg-2", phone="13911112222")

    result = sms_standin.deliver_reports(callback_server.url + "/path-token/reports")
    again = sms_standin.deliver_reports(callback_server.url + "/path-token/reports")

    assert result.acknowledged and again is None
    [push] = callback_server.received
    assert push["token"] == "path-token" and push["headers"]["X-Sms-Callback-Token"] == "s3cret"
    delivered, failed = push["json"]
    assert set(delivered) == {"phone_number", "send_time", "report_time", "success", "err_code", "err_msg",
                              "sms_size", "biz_id", "out_id"}
    assert (delivered["out_id"], delivered["success"], delivered["err_code"]) == ("msg-1", True, "DELIVERED")
    assert delivered["biz_id"] == sms_standin.message("msg-1").biz_id
    assert (failed["out_id"], failed["success"], failed["err_code"]) == ("msg-2", False, "MK:0001")
    datetime.strptime(delivered["send_time"], "%Y-%m-%d %H:%M:%S")


def test_deliver_reports_sent_again_until_acknowledged(sms_standin, callback_server):
    send(sms_standin.gateway(), "msg-1")
    callback_server.state["answer"] = ({"code": 1, "msg": "refused"}, 200)

    refused = sms_standin.deliver_reports(callback_server.url + "/t/reports")
    callback_server.state["answer"] = ({"code": 0, "msg": "接收成功"}, 200)
    accepted = sms_standin.deliver_reports(callback_server.url + "/t/reports")

    assert not refused.acknowledged and accepted.acknowledged
    assert [len(push["json"]) for push in callback_server.received] == [1, 1]


def test_callback_query_token_and_unauthenticated_push(sms_standin, callback_server):
    sms_standin.callback_params = {"token": "q-secret"}

    sms_standin.send_reply(callback_server.url + "/t/replies", PHONE, "T", SIGN)
    sms_standin.send_reply(callback_server.url + "/t/replies", PHONE, "TD", SIGN, authenticated=False)

    signed, forged = callback_server.received
    assert signed["args"] == {"token": "q-secret"} and forged["args"] == {}
    [reply] = signed["json"]
    assert set(reply) == {"phone_number", "send_time", "content", "sign_name", "dest_code", "sequence_id"}
    assert (reply["phone_number"], reply["content"], reply["sign_name"]) == (PHONE, "T", SIGN)
    assert forged["json"][0]["sequence_id"] == reply["sequence_id"] + 1


def test_push_through_a_flask_test_client(sms_standin):
    app = Flask("callbacks")
    seen = []

    @app.post("/api/v1/sms/callbacks/<token>/replies")
    def replies(token):
        seen.append((token, request.get_json()))
        return jsonify(code=0, msg="接收成功")

    result = sms_standin.send_reply("/api/v1/sms/callbacks/abc/replies", PHONE, "退订", SIGN,
                                    via=app.test_client())

    assert result.acknowledged and seen[0][0] == "abc" and seen[0][1][0]["content"] == "退订"


def test_callback_unreachable_reported_as_status_zero(sms_standin):
    send(sms_standin.gateway(), "msg-1")

    result = sms_standin.deliver_reports(f"http://{sms_standin.endpoint}/nowhere")

    assert result.status == 404 and not result.acknowledged
    closed = SmsStandin().start()
    url = f"http://{closed.endpoint}/callback"
    closed.stop()
    assert sms_standin.deliver_reports(url).status == 0


# --- the development backend and the configuration --------------------------------------------------

def test_local_gateway_writes_one_json_line_per_message(tmp_path):
    gateway = LocalSmsGateway(tmp_path / "sms" / "outbox.jsonl")

    first = send(gateway, "msg-1")
    second = send(gateway, "msg-2", params={"code": "1234"})

    lines = [json.loads(line) for line in (tmp_path / "sms" / "outbox.jsonl").read_text("utf-8").splitlines()]
    assert [line["out_id"] for line in lines] == ["msg-1", "msg-2"]
    assert lines[0]["provider_id"] == first.provider_id and first.provider_id.startswith("local-")
    assert lines[0]["params"]["plate"] == "粤B·12345" and lines[1]["params"] == {"code": "1234"}
    assert first.accepted and second.accepted and first.provider_id != second.provider_id


def test_local_gateway_is_idempotent_per_out_id_across_threads(tmp_path):
    gateway = LocalSmsGateway(tmp_path / "outbox.jsonl")
    results: list[SendResult] = []
    threads = [threading.Thread(target=lambda i=i: results.append(send(gateway, f"msg-{i % 5}")))
               for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    lines = (tmp_path / "outbox.jsonl").read_text("utf-8").splitlines()
    assert len(lines) == 5 and all(result.accepted for result in results)
    assert len({result.provider_id for result in results}) == 5


def test_local_gateway_idempotent_across_gateways_and_restarts(tmp_path):
    earlier = {"provider_id": "local-before-restart", "out_id": "msg-0", "phone": PHONE}
    (tmp_path / "outbox.jsonl").write_text(json.dumps(earlier) + "\n", encoding="utf-8")

    first = send(LocalSmsGateway(tmp_path / "outbox.jsonl"), "msg-1")
    again = send(LocalSmsGateway(tmp_path / "." / "outbox.jsonl"), "msg-1")
    before_restart = send(LocalSmsGateway(tmp_path / "outbox.jsonl"), "msg-0")

    assert again.provider_id == first.provider_id and before_restart.provider_id == "local-before-restart"
    assert len((tmp_path / "outbox.jsonl").read_text("utf-8").splitlines()) == 2


def test_local_gateway_unwritable_file_is_retryable(tmp_path):
    (tmp_path / "a-file").write_text("")

    result = send(LocalSmsGateway(tmp_path / "a-file" / "outbox.jsonl"))

    assert (result.accepted, result.code, result.retryable) == (False, "local_write_error", True)


def test_local_gateway_find_sent_by_out_id_phone_and_day(tmp_path):
    gateway = LocalSmsGateway(tmp_path / "outbox.jsonl")
    sent = send(gateway, "msg-1")

    found = gateway.find_sent(phone=PHONE, out_id="msg-1", day=today())

    assert found == LookupResult(known=True, found=True, provider_id=sent.provider_id, code="OK")
    assert gateway.find_sent(phone="+86" + PHONE, out_id="msg-1", day=today()).found
    assert gateway.find_sent(phone=PHONE, out_id="msg-2", day=today()) == NOT_FOUND
    assert gateway.find_sent(phone="13911112222", out_id="msg-1", day=today()) == NOT_FOUND
    assert gateway.find_sent(phone=PHONE, out_id="msg-1", day=today() - timedelta(days=1)) == NOT_FOUND


def test_local_gateway_find_sent_files_by_china_day(tmp_path):
    lines = [{"provider_id": "local-late", "out_id": "late", "phone": PHONE,
              "sent_at": "2026-03-01T15:59:59+00:00"},   # 23:59:59 on 1 March in China
             {"provider_id": "local-after", "out_id": "after", "phone": PHONE,
              "sent_at": "2026-03-01T16:00:00+00:00"}]   # midnight: 2 March in China
    (tmp_path / "outbox.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines), "utf-8")
    gateway = LocalSmsGateway(tmp_path / "outbox.jsonl")

    assert gateway.find_sent(phone=PHONE, out_id="late", day=date(2026, 3, 1)).provider_id == "local-late"
    assert not gateway.find_sent(phone=PHONE, out_id="late", day=date(2026, 3, 2)).found
    assert not gateway.find_sent(phone=PHONE, out_id="after", day=date(2026, 3, 1)).found
    assert gateway.find_sent(phone=PHONE, out_id="after", day=date(2026, 3, 2)).found


def test_local_gateway_find_sent_reads_what_another_process_wrote(tmp_path):
    path = tmp_path / "outbox.jsonl"
    gateway = LocalSmsGateway(path)
    send(gateway, "msg-1")  # the file is read and cached now
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    with path.open("a", encoding="utf-8") as file:
        file.write(json.dumps({"provider_id": "local-other", "out_id": "msg-2", "phone": PHONE,
                               "sent_at": now}) + "\n")
        file.write(json.dumps({"provider_id": "local-undated", "out_id": "msg-3"}) + "\n")

    other = gateway.find_sent(phone=PHONE, out_id="msg-2", day=today())
    undated = gateway.find_sent(phone=PHONE, out_id="msg-3", day=date(2020, 1, 1))

    assert other.provider_id == "local-other" and undated.provider_id == "local-undated"
    assert send(gateway, "msg-2").provider_id == "local-other"  # and it is not written twice
    assert len(path.read_text("utf-8").splitlines()) == 3


def test_local_gateway_find_sent_unreadable_file_is_unknown(tmp_path):
    (tmp_path / "outbox.jsonl").mkdir()

    result = LocalSmsGateway(tmp_path / "outbox.jsonl").find_sent(phone=PHONE, out_id="msg-1", day=today())

    assert result == LookupResult(known=False, found=False, provider_id=None, code="local_read_error")


def test_gateway_from_config_local_by_default(tmp_path):
    gateway = gateway_from_config({"SMS_LOCAL_LOG": str(tmp_path / "sms.jsonl")})

    assert isinstance(gateway, LocalSmsGateway) and gateway.name == "local"
    with pytest.raises(ValueError, match="SMS_LOCAL_LOG"):
        gateway_from_config({})


def test_gateway_from_config_aliyun_talks_to_the_configured_endpoint(sms_standin):
    gateway = gateway_from_config(sms_standin.config())

    assert isinstance(gateway, AliyunSmsGateway) and gateway.name == "aliyun"
    assert send(gateway).accepted and sms_standin.deliveries("msg-1") == 1


def test_gateway_from_config_aliyun_defaults_to_the_public_https_endpoint():
    gateway = gateway_from_config({"SMS_BACKEND": "aliyun", "ALIYUN_SMS_ACCESS_KEY_ID": "id",
                                   "ALIYUN_SMS_ACCESS_KEY_SECRET": "secret"})

    assert (gateway.endpoint, gateway.protocol) == ("dysmsapi.aliyuncs.com", "https")


@pytest.mark.parametrize(("config", "complaint"), [
    ({"SMS_BACKEND": "aliyun"}, "ALIYUN_SMS_ACCESS_KEY_ID and ALIYUN_SMS_ACCESS_KEY_SECRET"),
    ({"SMS_BACKEND": "aliyun", "ALIYUN_SMS_ACCESS_KEY_ID": "id"}, "ALIYUN_SMS_ACCESS_KEY_SECRET"),
    ({"SMS_BACKEND": "aliyun", "ALIYUN_SMS_ACCESS_KEY_ID": "id", "ALIYUN_SMS_ACCESS_KEY_SECRET": "s",
      "ALIYUN_SMS_PROTOCOL": "ftp"}, "http or https"),
    ({"SMS_BACKEND": "aliyun", "ALIYUN_SMS_ACCESS_KEY_ID": "id", "ALIYUN_SMS_ACCESS_KEY_SECRET": "s",
      "ALIYUN_SMS_READ_TIMEOUT": "soon"}, "seconds"),
    ({"SMS_BACKEND": "carrier-pigeon"}, "Unknown SMS_BACKEND"),
])
def test_gateway_from_config_refuses_incomplete_settings(config, complaint):
    with pytest.raises(ValueError, match=complaint):
        gateway_from_config(config)
