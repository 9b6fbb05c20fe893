"""A stand-in for Alibaba Cloud SMS (阿里云短信): a real HTTP server on 127.0.0.1 for the real SDK.

It answers SendSms as the provider does (HTTP 200 with a Code for business answers, HTTP 4xx for
refused requests), checks each request's ACS3-HMAC-SHA256 signature with its own implementation of
the documented algorithm, records what it accepted, and pushes delivery reports (回执, SmsReport) and
owner replies (上行, SmsUp) to callback URLs on demand. It also answers QuerySendDetails (发送记录
查询) from the messages it accepted: one phone, one China day, paged, newest first.

    with SmsStandin() as standin:
        gateway = standin.gateway()
        gateway.send(phone="13800138000", sign_name="宝安大众", template_code="SMS_100",
                     params={"code": "1234"}, out_id="m-1")
        standin.deliveries("m-1")                      # 1
        standin.deliver_reports("http://127.0.0.1:5000/api/v1/sms/callbacks/<token>/reports")
        gateway.find_sent(phone="13800138000", out_id="m-1", day=date.today())   # found

Like the real SendSms, it does not deduplicate by OutId unless told to (`idempotency_window`):
`deliveries(out_id)` then counts every message that reached a phone, so "never sent twice" can fail.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, NoReturn
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from dealer.sms.gateway import AliyunSmsGateway

ACCESS_KEY_ID = "LTAI5tStandInAccessKey01"
ACCESS_KEY_SECRET = "standin-access-key-secret-0123456789"
SIGNATURE_ALGORITHM = "ACS3-HMAC-SHA256"
MAX_CLOCK_SKEW = timedelta(minutes=15)
API_VERSION = "2017-05-25"
ACTIONS = ("SendSms", "QuerySendDetails")
RECORD_DAYS = 30  # QuerySendDetails answers for the last 30 days
HOST_ID = "dysmsapi.aliyuncs.com"
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
MAINLAND_MOBILE = re.compile(r"1[3-9]\d{9}")

# The provider's wording for the codes the stand-in answers (Message in the response body).
MESSAGES = {
    "OK": "OK",
    "isv.BUSINESS_LIMIT_CONTROL": "触发号码天级流控Permits:10",
    "isv.DAY_LIMIT_CONTROL": "触发日发送限额",
    "isv.MOBILE_NUMBER_ILLEGAL": "非法手机号",
    "isv.SMS_TEMPLATE_ILLEGAL": "该账号下找不到对应模板",
    "isv.SMS_SIGNATURE_ILLEGAL": "该账号下找不到对应签名",
    "isv.TEMPLATE_MISSING_PARAMETERS": "模板变量缺少对应参数值",
    "isv.INVALID_JSON_PARAM": "JSON参数不合法，只接受字符串值",
    "isv.INVALID_PARAMETERS": "参数异常",
    "isv.BLACK_KEY_CONTROL_LIMIT": "黑名单管控",
    "isv.AMOUNT_NOT_ENOUGH": "账户余额不足",
    "isv.OUT_OF_SERVICE": "业务停机",
    "isp.SYSTEM_ERROR": "isp.SYSTEM_ERROR",
    "ServiceUnavailable": "The request has failed due to a temporary failure of the server.",
    "SignatureDoesNotMatch": "Specified signature does not match our calculation.",
    "IncompleteSignature": "The request signature does not conform to Aliyun standards.",
    "InvalidAccessKeyId.NotFound": "Specified access key is not found.",
    "SignatureNonceUsed": "Specified signature nonce was used already.",
    "InvalidTimeStamp.Expired": "Specified time stamp or date value is expired.",
    "InvalidAction.NotFound": "Specified api is not found, please check your url and method.",
    "InvalidVersion": "Specified parameter Version is not valid.",
    "Throttling.User": "Request was denied due to user flow control.",
}


@dataclass(frozen=True)
class SentMessage:
    """One message the stand-in accepted (one per phone number of a SendSms request)."""

    phone: str
    sign_name: str
    template_code: str
    params: dict[str, str]
    out_id: str | None
    biz_id: str
    request_id: str
    sent_at: datetime


@dataclass(frozen=True)
class Refusal:
    """One request the stand-in did not accept: its answer code and HTTP status, and its action."""

    code: str
    http_status: int
    phone: str | None
    out_id: str | None
    action: str = "SendSms"


@dataclass(frozen=True)
class Lookup:
    """One authenticated QuerySendDetails request, as asked (answered or refused by a script)."""

    phone: str
    send_date: str
    page: int
    page_size: int
    biz_id: str | None


@dataclass(frozen=True)
class RawRequest:
    """A request as it reached the stand-in, to replay or tamper with in tests."""

    method: str
    query_string: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class CallbackResult:
    """What our callback answered to a push: status 0 when it could not be reached at all."""

    status: int
    body: Any
    payload: list[dict]

    @property
    def acknowledged(self) -> bool:
        """True when the callback answered as Alibaba requires: HTTP 200 and {"code": 0}."""
        return self.status == 200 and isinstance(self.body, dict) and self.body.get("code") == 0


@dataclass
class _ScriptedAnswer:
    code: str
    message: str
    http_status: int
    delay: float = 0.0


@dataclass
class _DeliveryOutcome:
    success: bool
    err_code: str
    err_msg: str


@dataclass(frozen=True)
class _Receipt:
    """The carrier's receipt for one message, known once its report was pushed."""

    success: bool
    err_code: str
    at: datetime


def _scripted(code: str, message: str | None, http_status: int) -> _ScriptedAnswer:
    return _ScriptedAnswer(code, message or MESSAGES.get(code, code), http_status)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _rfc3986(value: str) -> str:
    """Percent-encode as the signature algorithm requires: unreserved characters kept, space as %20."""
    return quote(value, safe="-_.~", encoding="utf-8")


def canonical_request(method: str, path: str, query: Iterable[tuple[str, str]], headers: Mapping[str, str],
                      signed_headers: list[str], hashed_payload: str) -> str:
    """Build the ACS3 canonical request from its parts (the provider's documented algorithm).

    `headers` maps lower-case names to values; `signed_headers` are lower-case and sorted.
    """
    canonical_query = "&".join(f"{_rfc3986(key)}={_rfc3986(value)}"
                               for key, value in sorted((key, value) for key, value in query))
    canonical_headers = "".join(f"{name}:{headers[name].strip()}\n" for name in signed_headers)
    return "\n".join([method.upper(), quote(path or "/", safe="/-_.~"), canonical_query,
                      canonical_headers, ";".join(signed_headers), hashed_payload])


def acs3_signature(secret: str, canonical: str) -> str:
    """Sign a canonical request with HMAC-SHA256 over the ACS3 string to sign."""
    string_to_sign = f"{SIGNATURE_ALGORITHM}\n{hashlib.sha256(canonical.encode('utf-8')).hexdigest()}"
    return hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


class _QuietHandler(WSGIRequestHandler):
    # HTTP/1.0: every connection closes after its answer, so a stopped stand-in cannot keep
    # serving the SDK through a pooled keep-alive connection.
    protocol_version = "HTTP/1.0"

    def log_request(self, *args, **kwargs) -> None:
        """Keep test output free of one access-log line per request."""


class _Refused(Exception):
    def __init__(self, code: str, http_status: int, message: str | None = None,
                 phones: list[str] | None = None, out_id: str | None = None):
        super().__init__(code)
        self.code, self.http_status, self.message = code, http_status, message or MESSAGES.get(code, code)
        self.phone, self.out_id = (",".join(phones) if phones else None), out_id
        self.delay = 0.0


class SmsStandin:
    """A scriptable Alibaba Cloud SMS on 127.0.0.1; start(), stop() and start() again on the same port.

    Scripts: fail_phone, throttle_next, fail_next, delay_answers, reject_template, reject_sign_name,
    require_params, undeliverable; for QuerySendDetails fail_lookups, throttle_lookups, delay_lookups.
    Records: messages, message(out_id), deliveries(out_id), requests_for(out_id), refusals, lookups,
    raw_requests. Pushes: deliver_reports, send_reply, post_callback.
    """

    host = "127.0.0.1"

    def __init__(self, *, port: int = 0, access_keys: Mapping[str, str] | None = None,
                 idempotency_window: timedelta | None = None,
                 callback_headers: Mapping[str, str] | None = None,
                 callback_params: Mapping[str, str] | None = None,
                 clock: Callable[[], datetime] = _utcnow):
        """Prepare a stand-in (not started).

        access_keys: AccessKey id -> secret it accepts (default: ACCESS_KEY_ID, ACCESS_KEY_SECRET).
        idempotency_window: when set, a repeated OutId within it answers the first BizId and sends
            nothing; None (the default) sends every request, as Alibaba's SendSms does.
        callback_headers / callback_params: added to every authenticated push (a shared-secret
            header or query token); a secret in the callback URL's path needs neither.
        clock: the provider's clock, for the 15-minute date check and the idempotency window.
        """
        self._port = port
        self.access_keys = dict(access_keys or {ACCESS_KEY_ID: ACCESS_KEY_SECRET})
        self.idempotency_window = idempotency_window
        self.callback_headers = dict(callback_headers or {})
        self.callback_params = dict(callback_params or {})
        self.clock = clock
        self._lock = threading.Lock()
        self._lifecycle = threading.Lock()
        self._server = None
        self._thread: threading.Thread | None = None
        self._messages: list[SentMessage] = []
        self._refusals: list[Refusal] = []
        self._raw_requests: list[RawRequest] = []
        self._requests: Counter[str] = Counter()
        self._deliveries: Counter[str] = Counter()
        self._first_by_out_id: dict[str, SentMessage] = {}
        self._reported: set[tuple[str, str]] = set()
        self._nonces: dict[str, datetime] = {}
        self._next_answers: deque[_ScriptedAnswer] = deque()
        self._delays: deque[float] = deque()
        self._phone_answers: dict[str, _ScriptedAnswer] = {}
        self._rejected_templates: set[str] = set()
        self._rejected_sign_names: set[str] = set()
        self._template_variables: dict[str, set[str]] = {}
        self._delivery_outcomes: dict[str, _DeliveryOutcome] = {}
        self._sequence_id = 0
        self._receipts: dict[tuple[str, str], _Receipt] = {}
        self._lookups: list[Lookup] = []
        self._next_lookup_answers: deque[_ScriptedAnswer] = deque()
        self._lookup_delays: deque[float] = deque()

    # --- lifecycle ---------------------------------------------------------------------------
    @property
    def port(self) -> int:
        """The port: free one chosen at the first start, kept for every later start."""
        return self._port

    @property
    def endpoint(self) -> str:
        """host:port, what the SDK's Config(endpoint=...) takes."""
        return f"{self.host}:{self._port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> SmsStandin:
        """Listen (again) on the stand-in's port and serve in a background thread."""
        with self._lifecycle:
            if self._server is not None:
                return self
            server = make_server(self.host, self._port, self._wsgi, threaded=True,
                                 request_handler=_QuietHandler)
            self._port = server.server_port
            self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                            name=f"sms-standin-{self._port}", daemon=True)
            self._server = server
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening: the SDK then gets connection refused, as when the provider is down."""
        with self._lifecycle:
            server, thread, self._server, self._thread = self._server, self._thread, None, None
            if server is None:
                return
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)

    def __enter__(self) -> SmsStandin:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # --- clients pointed at it ---------------------------------------------------------------
    def gateway(self, *, access_key_id: str | None = None, access_key_secret: str | None = None,
                connect_timeout: float = 0.5, read_timeout: float = 2.0) -> AliyunSmsGateway:
        """Build the production gateway (real SDK) pointed at this stand-in over plain HTTP."""
        key_id = access_key_id or next(iter(self.access_keys))
        return AliyunSmsGateway(access_key_id=key_id,
                                access_key_secret=access_key_secret or self.access_keys.get(key_id, ""),
                                endpoint=self.endpoint, protocol="http",
                                connect_timeout=connect_timeout, read_timeout=read_timeout)

    def config(self) -> dict[str, str]:
        """Return the settings that make `gateway_from_config` (and the app) use this stand-in."""
        key_id = next(iter(self.access_keys))
        return {
            "SMS_BACKEND": "aliyun",
            "ALIYUN_SMS_ACCESS_KEY_ID": key_id,
            "ALIYUN_SMS_ACCESS_KEY_SECRET": self.access_keys[key_id],
            "ALIYUN_SMS_ENDPOINT": self.endpoint,
            "ALIYUN_SMS_PROTOCOL": "http",
            "ALIYUN_SMS_CONNECT_TIMEOUT": "0.5",
            "ALIYUN_SMS_READ_TIMEOUT": "2",
        }

    # --- scripts -----------------------------------------------------------------------------
    def fail_phone(self, phone: str, code: str, message: str | None = None, *,
                   http_status: int = 200) -> None:
        """Answer every SendSms to this phone with `code` until clear_phone()."""
        with self._lock:
            self._phone_answers[phone] = _scripted(code, message, http_status)

    def clear_phone(self, phone: str) -> None:
        with self._lock:
            self._phone_answers.pop(phone, None)

    def fail_next(self, count: int, code: str, message: str | None = None, *,
                  http_status: int = 200) -> None:
        """Answer the next `count` authenticated SendSms requests with `code` (and `http_status`)."""
        with self._lock:
            self._next_answers.extend(_scripted(code, message, http_status) for _ in range(count))

    def throttle_next(self, count: int = 1) -> None:
        """Throttle the next `count` SendSms requests (isv.BUSINESS_LIMIT_CONTROL)."""
        self.fail_next(count, "isv.BUSINESS_LIMIT_CONTROL")

    def delay_answers(self, count: int, seconds: float) -> None:
        """Answer the next `count` requests `seconds` late, after handling them.

        The message is sent before the answer leaves, so a client that times out cannot know it was.
        """
        with self._lock:
            self._delays.extend([seconds] * count)

    def reject_template(self, template_code: str) -> None:
        """Treat the template as not approved (isv.SMS_TEMPLATE_ILLEGAL)."""
        with self._lock:
            self._rejected_templates.add(template_code)

    def reject_sign_name(self, sign_name: str) -> None:
        """Treat the signature (签名) as not approved (isv.SMS_SIGNATURE_ILLEGAL)."""
        with self._lock:
            self._rejected_sign_names.add(sign_name)

    def require_params(self, template_code: str, *names: str) -> None:
        """Declare the template's variables: a request missing one gets isv.TEMPLATE_MISSING_PARAMETERS."""
        with self._lock:
            self._template_variables[template_code] = set(names)

    def undeliverable(self, phone: str, err_code: str = "MK:0001", err_msg: str = "用户接收失败") -> None:
        """Report messages to this phone as not delivered (success false) in deliver_reports()."""
        with self._lock:
            self._delivery_outcomes[phone] = _DeliveryOutcome(False, err_code, err_msg)

    def fail_lookups(self, count: int, code: str, message: str | None = None, *,
                     http_status: int = 200) -> None:
        """Answer the next `count` authenticated QuerySendDetails requests with `code`."""
        with self._lock:
            self._next_lookup_answers.extend(_scripted(code, message, http_status) for _ in range(count))

    def throttle_lookups(self, count: int = 1) -> None:
        """Throttle the next `count` QuerySendDetails requests (Throttling.User, HTTP 400)."""
        self.fail_lookups(count, "Throttling.User", http_status=400)

    def delay_lookups(self, count: int, seconds: float) -> None:
        """Answer the next `count` QuerySendDetails requests `seconds` late (SendSms keeps delay_answers)."""
        with self._lock:
            self._lookup_delays.extend([seconds] * count)

    # --- records -----------------------------------------------------------------------------
    @property
    def messages(self) -> list[SentMessage]:
        """Every accepted message, in the order it was sent."""
        with self._lock:
            return list(self._messages)

    @property
    def refusals(self) -> list[Refusal]:
        """Every request not accepted (scripted, invalid or unauthenticated); `action` tells which API."""
        with self._lock:
            return list(self._refusals)

    @property
    def lookups(self) -> list[Lookup]:
        """Every authenticated QuerySendDetails request, in order (one per page asked)."""
        with self._lock:
            return list(self._lookups)

    @property
    def raw_requests(self) -> list[RawRequest]:
        """Every request received on "/", as it arrived (headers, query string, body)."""
        with self._lock:
            return list(self._raw_requests)

    def deliveries(self, out_id: str) -> int:
        """Count the messages with this OutId that reached a phone (2: the owner got it twice)."""
        with self._lock:
            return self._deliveries[out_id]

    def requests_for(self, out_id: str) -> int:
        """Count the authenticated SendSms requests that carried this OutId, accepted or not."""
        with self._lock:
            return self._requests[out_id]

    def message(self, out_id: str) -> SentMessage | None:
        """Return the first accepted message with this OutId, or None."""
        with self._lock:
            return self._first_by_out_id.get(out_id)

    # --- pushes to our callbacks -------------------------------------------------------------
    def report(self, message: SentMessage, *, success: bool = True, err_code: str = "DELIVERED",
               err_msg: str = "用户接收成功", report_time: datetime | None = None) -> dict:
        """Build one delivery report (SmsReport item) for a message, as Alibaba pushes it."""
        return {
            "phone_number": message.phone,
            "send_time": _beijing(message.sent_at),
            "report_time": _beijing(report_time or self.clock()),
            "success": success,
            "err_code": err_code,
            "err_msg": err_msg,
            "sms_size": "1",
            "biz_id": message.biz_id,
            "out_id": message.out_id or "",
        }

    def deliver_reports(self, url: str, *, out_ids: Iterable[str] | None = None, via=None,
                        authenticated: bool = True) -> CallbackResult | None:
        """Push delivery reports for the messages not yet acknowledged, in one JSON array.

        Phones marked undeliverable() are reported as failed. A report counts as delivered only when
        the callback acknowledges it ({"code": 0}); otherwise the next call sends it again, as the
        provider retries. Returns None when there is nothing to report. `via`: a Flask test client
        to post through instead of HTTP (then `url` may be a path). From the first push on,
        QuerySendDetails shows the message with SendStatus 3 (delivered) or 2 (failed), not 1 (waiting).
        """
        wanted = set(out_ids) if out_ids is not None else None
        with self._lock:
            pending = [m for m in self._messages if (m.biz_id, m.phone) not in self._reported
                       and (wanted is None or m.out_id in wanted)]
            outcomes = dict(self._delivery_outcomes)
        if not pending:
            return None
        payload = []
        now = self.clock()
        for message in pending:
            outcome = outcomes.get(message.phone)
            payload.append(self.report(message, report_time=now) if outcome is None else self.report(
                message, success=outcome.success, err_code=outcome.err_code, err_msg=outcome.err_msg,
                report_time=now))
        with self._lock:
            # The carrier's receipt exists whether or not our callback takes the push: from now on
            # QuerySendDetails shows the message delivered (or failed).
            for message, report in zip(pending, payload):
                self._receipts.setdefault((message.biz_id, message.phone),
                                          _Receipt(report["success"], report["err_code"], now))
        result = self.post_callback(url, payload, via=via, authenticated=authenticated)
        if result.acknowledged:
            with self._lock:
                self._reported.update((m.biz_id, m.phone) for m in pending)
        return result

    def send_reply(self, url: str, phone: str, content: str, sign_name: str, *, dest_code: str = "01",
                   send_time: datetime | None = None, via=None, authenticated: bool = True) -> CallbackResult:
        """Push an owner's reply (上行, SmsUp), e.g. "T" to opt out, as a one-item JSON array."""
        with self._lock:
            self._sequence_id += 1
            sequence_id = self._sequence_id
        payload = [{
            "phone_number": phone,
            "send_time": _beijing(send_time or self.clock()),
            "content": content,
            "sign_name": sign_name,
            "dest_code": dest_code,
            "sequence_id": sequence_id,
        }]
        return self.post_callback(url, payload, via=via, authenticated=authenticated)

    def post_callback(self, url: str, payload: list[dict], *, via=None, authenticated: bool = True,
                      headers: Mapping[str, str] | None = None) -> CallbackResult:
        """POST a JSON array to a callback, with the shared-secret header/params unless not `authenticated`.

        Use it directly for forged or malformed pushes. `via`: a Flask test client instead of HTTP.
        """
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        all_headers = {"Content-Type": "application/json;charset=utf-8"}
        if authenticated:
            all_headers.update(self.callback_headers)
            if self.callback_params:
                url = _with_query(url, self.callback_params)
        all_headers.update(headers or {})
        if via is not None:
            response = via.post(url, data=body, headers=all_headers)
            answer = response.get_data(as_text=True)
            return CallbackResult(response.status_code, _json_or_text(answer), payload)
        request = urllib.request.Request(url, data=body, headers=all_headers, method="POST")
        # No proxy: the callback is ours, on this machine.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=5) as response:
                answer = response.read().decode("utf-8", "replace")
                return CallbackResult(response.status, _json_or_text(answer), payload)
        except urllib.error.HTTPError as error:
            return CallbackResult(error.code, _json_or_text(error.read().decode("utf-8", "replace")), payload)
        except (urllib.error.URLError, OSError) as error:
            return CallbackResult(0, str(error), payload)

    # --- the provider ------------------------------------------------------------------------
    def _wsgi(self, environ, start_response):
        request = Request(environ)
        if request.path != "/":
            response = Response("Not Found", status=404, content_type="text/plain")
            return response(environ, start_response)
        request_id = str(uuid.uuid4()).upper()
        delay = 0.0
        body = request.get_data(cache=True)
        with self._lock:
            self._raw_requests.append(RawRequest(request.method, request.environ.get("QUERY_STRING", ""),
                                                 dict(request.headers.items()), body))
        action = request.headers.get("x-acs-action", "")
        try:
            self._authenticate(request, body)
            params = self._parameters(request, body)
            if action == "QuerySendDetails":
                answer, delay = self._query_send_details(params, request_id)
            else:
                answer, delay = self._send_sms(params, request_id)
            status = 200
        except _Refused as refusal:
            with self._lock:
                self._refusals.append(Refusal(refusal.code, refusal.http_status, refusal.phone,
                                              refusal.out_id, action))
            answer = {"Code": refusal.code, "Message": refusal.message, "RequestId": request_id}
            if refusal.http_status != 200:
                answer["HostId"] = HOST_ID
            status, delay = refusal.http_status, refusal.delay
        if delay:
            time.sleep(delay)
        response = Response(json.dumps(answer, ensure_ascii=False), status=status,
                            content_type="application/json;charset=utf-8")
        return response(environ, start_response)

    def _authenticate(self, request: Request, body: bytes) -> None:
        """Check the ACS3-HMAC-SHA256 signature, the AccessKey, the date and the nonce; raise _Refused."""
        authorization = request.headers.get("Authorization", "")
        algorithm, _, fields = authorization.partition(" ")
        parts = dict(part.strip().split("=", 1) for part in fields.split(",") if "=" in part)
        if algorithm != SIGNATURE_ALGORITHM or not {"Credential", "SignedHeaders", "Signature"} <= set(parts):
            self._refuse("IncompleteSignature", 400)
        for name in ("x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce",
                     "x-acs-content-sha256"):
            if not request.headers.get(name):
                self._refuse("IncompleteSignature", 400, f"The request header {name} is missing.")
        secret = self.access_keys.get(parts["Credential"])
        if secret is None:
            self._refuse("InvalidAccessKeyId.NotFound", 404)

        signed = parts["SignedHeaders"].split(";")
        present = {name.lower() for name in request.headers.keys()}
        must_sign = {"host"} | {name for name in present if name.startswith("x-acs-")}
        if "content-type" in present:
            must_sign.add("content-type")
        if signed != sorted(signed) or any(name != name.lower() for name in signed) \
                or not must_sign <= set(signed) or not set(signed) <= present:
            self._refuse("IncompleteSignature", 400, "SignedHeaders must list, sorted and in lower case, "
                         "host, content-type and every x-acs-* header of the request.")

        hashed_payload = request.headers["x-acs-content-sha256"]
        if not hmac.compare_digest(hashed_payload, hashlib.sha256(body).hexdigest()):
            self._refuse("SignatureDoesNotMatch", 400, "x-acs-content-sha256 does not match the body.")
        headers = {name: request.headers[name] for name in signed}
        query = parse_qsl(request.environ.get("QUERY_STRING", ""), keep_blank_values=True)
        canonical = canonical_request(request.method, request.path, query, headers, signed, hashed_payload)
        if not hmac.compare_digest(parts["Signature"], acs3_signature(secret, canonical)):
            self._refuse("SignatureDoesNotMatch", 400)

        try:
            date = datetime.strptime(request.headers["x-acs-date"], "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            self._refuse("InvalidTimeStamp.Format", 400, "Specified time stamp is not well formatted.")
        date = date.replace(tzinfo=timezone.utc)
        now = self.clock()
        if abs(now - date) > MAX_CLOCK_SKEW:
            self._refuse("InvalidTimeStamp.Expired", 400)
        nonce = request.headers["x-acs-signature-nonce"]
        with self._lock:
            # A nonce only needs remembering while its request's date is still acceptable.
            for old in [n for n, seen in self._nonces.items() if now - seen > 2 * MAX_CLOCK_SKEW]:
                del self._nonces[old]
            if nonce in self._nonces:
                used = True
            else:
                used = False
                self._nonces[nonce] = now
        if used:
            self._refuse("SignatureNonceUsed", 400)

        if request.headers["x-acs-action"] not in ACTIONS:
            self._refuse("InvalidAction.NotFound", 404)
        if request.headers["x-acs-version"] != API_VERSION:
            self._refuse("InvalidVersion", 400)

    @staticmethod
    def _parameters(request: Request, body: bytes) -> dict[str, str]:
        """Read the RPC parameters: the query string, and a form body if the client sent one."""
        params = dict(parse_qsl(request.environ.get("QUERY_STRING", ""), keep_blank_values=True))
        if body and request.mimetype == "application/x-www-form-urlencoded":
            params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        return params

    def _send_sms(self, params: dict[str, str], request_id: str) -> tuple[dict, float]:
        """Answer one authenticated SendSms: scripted results, validation, idempotency, then send."""
        for name in ("PhoneNumbers", "SignName", "TemplateCode"):
            if not params.get(name):
                self._refuse(f"Missing{name}", 400, f"{name} is mandatory for this action.")
        phones = [phone.strip() for phone in params["PhoneNumbers"].split(",") if phone.strip()]
        sign_name, template_code = params["SignName"], params["TemplateCode"]
        out_id = params.get("OutId") or None
        now = self.clock()
        with self._lock:
            if out_id is not None:
                self._requests[out_id] += 1
            delay = self._delays.popleft() if self._delays else 0.0
            try:
                scripted = self._next_answers.popleft() if self._next_answers else None
                if scripted is None:
                    scripted = next((self._phone_answers[p] for p in phones if p in self._phone_answers),
                                    None)
                if scripted is not None:
                    self._refuse(scripted.code, scripted.http_status, scripted.message, phones, out_id)
                if sign_name in self._rejected_sign_names:
                    self._refuse("isv.SMS_SIGNATURE_ILLEGAL", 200, None, phones, out_id)
                if template_code in self._rejected_templates:
                    self._refuse("isv.SMS_TEMPLATE_ILLEGAL", 200, None, phones, out_id)
                if not phones or any(not MAINLAND_MOBILE.fullmatch(_national(p)) for p in phones):
                    self._refuse("isv.MOBILE_NUMBER_ILLEGAL", 200, None, phones, out_id)
                try:
                    template_params = json.loads(params.get("TemplateParam") or "{}")
                except ValueError:
                    template_params = None
                if not isinstance(template_params, dict) or \
                        not all(isinstance(value, str) for value in template_params.values()):
                    self._refuse("isv.INVALID_JSON_PARAM", 200, None, phones, out_id)
                if not self._template_variables.get(template_code, set()) <= template_params.keys():
                    self._refuse("isv.TEMPLATE_MISSING_PARAMETERS", 200, None, phones, out_id)
            except _Refused as refusal:
                refusal.delay = delay
                raise

            first = self._first_by_out_id.get(out_id) if out_id is not None else None
            if first is not None and self.idempotency_window is not None \
                    and now - first.sent_at <= self.idempotency_window:
                return {"Code": "OK", "Message": "OK", "BizId": first.biz_id, "RequestId": request_id}, delay

            biz_id = f"{100000000000000000 + secrets.randbelow(900000000000000000)}^0"
            for phone in phones:
                message = SentMessage(phone=phone, sign_name=sign_name, template_code=template_code,
                                      params=template_params, out_id=out_id, biz_id=biz_id,
                                      request_id=request_id, sent_at=now)
                self._messages.append(message)
                if out_id is not None:
                    self._deliveries[out_id] += 1
                    self._first_by_out_id.setdefault(out_id, message)
        return {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": request_id}, delay

    def _query_send_details(self, params: dict[str, str], request_id: str) -> tuple[dict, float]:
        """Answer one authenticated QuerySendDetails: one phone's messages of one China day, paged."""
        for name in ("PhoneNumber", "SendDate", "PageSize", "CurrentPage"):
            if not params.get(name):
                self._refuse(f"Missing{name}", 400, f"{name} is mandatory for this action.")
        phone, send_date, biz_id = params["PhoneNumber"], params["SendDate"], params.get("BizId") or None
        try:
            page_size, page = int(params["PageSize"]), int(params["CurrentPage"])
            day = datetime.strptime(send_date, "%Y%m%d").date()
        except ValueError:
            self._refuse("isv.INVALID_PARAMETERS", 200, None, [phone])
        with self._lock:
            self._lookups.append(Lookup(phone, send_date, page, page_size, biz_id))
            delay = self._lookup_delays.popleft() if self._lookup_delays else 0.0
            try:
                scripted = self._next_lookup_answers.popleft() if self._next_lookup_answers else None
                if scripted is not None:
                    self._refuse(scripted.code, scripted.http_status, scripted.message, [phone])
                today = self.clock().astimezone(BEIJING).date()
                # A day not yet begun is simply empty; one beyond the kept 30 days is refused.
                if not 1 <= page_size <= 50 or page < 1 or (today - day).days >= RECORD_DAYS:
                    self._refuse("isv.INVALID_PARAMETERS", 200, None, [phone])
            except _Refused as refusal:
                refusal.delay = delay
                raise
            records = [m for m in reversed(self._messages)
                       if _national(m.phone) == _national(phone)
                       and m.sent_at.astimezone(BEIJING).date() == day
                       and (biz_id is None or m.biz_id == biz_id)]
            receipts = dict(self._receipts)
        shown = records[(page - 1) * page_size:page * page_size]
        return {
            "Code": "OK",
            "Message": "OK",
            "RequestId": request_id,
            "TotalCount": str(len(records)),
            "SmsSendDetailDTOs": {"SmsSendDetailDTO": [
                self._detail(message, receipts.get((message.biz_id, message.phone))) for message in shown]},
        }, delay

    @staticmethod
    def _detail(message: SentMessage, receipt: _Receipt | None) -> dict:
        """One SmsSendDetailDTO: SendStatus 1 waiting for the receipt, 2 failed, 3 delivered."""
        if receipt is None:
            status, err_code, received = 1, "", ""
        else:
            status, err_code, received = (3 if receipt.success else 2), receipt.err_code, _beijing(receipt.at)
        variables = " ".join(f"{name}={value}" for name, value in message.params.items())
        return {
            "PhoneNum": _national(message.phone),
            "SendStatus": status,
            "ErrCode": err_code,
            "TemplateCode": message.template_code,
            "Content": f"【{message.sign_name}】{message.template_code} {variables}".rstrip(),
            "SendDate": _beijing(message.sent_at),
            "ReceiveDate": received,
            "OutId": message.out_id or "",
        }

    @staticmethod
    def _refuse(code: str, http_status: int, message: str | None = None,
                phones: list[str] | None = None, out_id: str | None = None) -> NoReturn:
        """Raise a refusal as the answer; the request handler records it (callers may hold the lock)."""
        raise _Refused(code, http_status, message, phones, out_id)


def _national(phone: str) -> str:
    """Strip the country prefixes SendSms accepts for mainland numbers (+86, 0086, 86, +)."""
    for prefix in ("+86", "0086", "86", "+"):
        if phone.startswith(prefix) and len(phone) - len(prefix) == 11:
            return phone[len(prefix):]
    return phone


def _beijing(moment: datetime) -> str:
    """Format a time as Alibaba's pushes do: Beijing time, "YYYY-MM-DD HH:MM:SS"."""
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def _with_query(url: str, params: Mapping[str, str]) -> str:
    parts = urlsplit(url)
    query = "&".join(filter(None, [parts.query, urlencode(dict(params))]))
    return urlunsplit(parts._replace(query=query))


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


@pytest.fixture()
def sms_standin(monkeypatch):
    """Start a stand-in for this test and stop it afterwards; the SDK reaches it without a proxy."""
    # The SDK sends through HTTP(S)_PROXY from the environment and has no way to exempt 127.0.0.1.
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    with SmsStandin() as standin:
        yield standin
