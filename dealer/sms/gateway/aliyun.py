"""Alibaba Cloud SMS (阿里云短信服务): SendSms and QuerySendDetails, through the official SDK."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date

from dealer.sms.gateway.base import (
    NETWORK_ERROR,
    TIMEOUT,
    TOO_MANY_RECORDS,
    UNEXPECTED_ERROR,
    LookupResult,
    SendResult,
    lookup_phone,
)

log = logging.getLogger(__name__)

ALIYUN_DEFAULT_ENDPOINT = "dysmsapi.aliyuncs.com"
LOOKUP_PAGE_SIZE = 50  # QuerySendDetails' maximum
LOOKUP_MAX_PAGES = 40  # 2,000 messages to one phone in a day: far beyond the provider's own per-number limits


@dataclass(frozen=True)
class ProviderCode:
    retryable: bool
    meaning: str


# Alibaba Cloud's answer codes, and whether the outbox should try the message again.
# The rule: retryable when the message itself is fine and the provider, the network or our account
# is not ready (throttling, quotas, balance, outages, credentials and permissions that an operator
# fixes); permanent when the message as written can never be sent (number, template, signature,
# parameters, content). Codes not listed: isp.* (provider side) retryable, isv.* permanent,
# anything answered with HTTP 5xx retryable, any other code permanent.
ALIYUN_CODES: dict[str, ProviderCode] = {
    "OK": ProviderCode(False, "accepted"),
    # Throttling and quotas: wait and send again.
    "isv.BUSINESS_LIMIT_CONTROL": ProviderCode(True, "throttled: too many messages to this number (业务限流)"),
    "isv.DAY_LIMIT_CONTROL": ProviderCode(True, "the account's daily sending limit is reached (日发送限额)"),
    "isv.MONTH_LIMIT_CONTROL": ProviderCode(True, "the account's monthly sending limit is reached (月发送限额)"),
    "Throttling": ProviderCode(True, "API request rate throttled"),
    "Throttling.User": ProviderCode(True, "API request rate throttled for this account"),
    "Throttling.Api": ProviderCode(True, "API request rate throttled for this operation"),
    # The account's balance: sends again once topped up.
    "isv.AMOUNT_NOT_ENOUGH": ProviderCode(True, "the account balance is too low (余额不足)"),
    "isv.OUT_OF_SERVICE": ProviderCode(True, "the account is suspended for lack of balance (业务停机)"),
    # Provider faults.
    "isp.SYSTEM_ERROR": ProviderCode(True, "provider system error (系统错误)"),
    "isp.GATEWAY_ERROR": ProviderCode(True, "provider gateway error"),
    "isv.SYSTEM_ERROR": ProviderCode(True, "provider system error"),
    "ServiceUnavailable": ProviderCode(True, "the provider is unavailable"),
    "InternalError": ProviderCode(True, "provider internal error"),
    # Request authentication: our clock, credentials or permissions, fixed by an operator; the
    # message is not at fault, so it waits (up to the outbox's retry limit) instead of failing.
    "SignatureNonceUsed": ProviderCode(True, "the request's signature nonce was already used"),
    "InvalidTimeStamp.Expired": ProviderCode(True, "the request's date is too far from the provider's clock"),
    "SignatureDoesNotMatch": ProviderCode(True, "request signature refused: check the AccessKey secret"),
    "IncompleteSignature": ProviderCode(True, "request signature incomplete"),
    "InvalidAccessKeyId.NotFound": ProviderCode(True, "unknown AccessKey id"),
    "InvalidAccessKeyId.Inactive": ProviderCode(True, "the AccessKey is disabled"),
    "isp.RAM_PERMISSION_DENY": ProviderCode(True, "the RAM user may not send SMS (RAM权限不足)"),
    "Forbidden.RAM": ProviderCode(True, "the RAM user may not send SMS"),
    "isv.PRODUCT_UN_SUBSCRIPT": ProviderCode(True, "the account has not activated SMS (未开通短信服务)"),
    "isv.PRODUCT_UNSUBSCRIBE": ProviderCode(True, "the account has not activated SMS"),
    "isv.ACCOUNT_NOT_EXISTS": ProviderCode(True, "the account does not exist (账户不存在)"),
    "isv.ACCOUNT_ABNORMAL": ProviderCode(True, "the account is abnormal (账户异常)"),
    "isv.DENY_IP_RANGE": ProviderCode(True, "requests from this IP region are refused"),
    # The message itself: sending it again unchanged fails again.
    "isv.MOBILE_NUMBER_ILLEGAL": ProviderCode(False, "invalid mobile number (手机号码格式错误)"),
    "isv.MOBILE_COUNT_OVER_LIMIT": ProviderCode(False, "too many mobile numbers in one request"),
    "isv.DOMESTIC_NUMBER_NOT_SUPPORTED": ProviderCode(False, "the template cannot go to mainland numbers"),
    "isv.SMS_TEMPLATE_ILLEGAL": ProviderCode(False, "template not approved or unknown (模板不合法)"),
    "isv.SMS_SIGNATURE_ILLEGAL": ProviderCode(False, "signature not approved or unknown (签名不合法)"),
    "isv.SMS_SIGN_ILLEGAL": ProviderCode(False, "the signature may not be used (签名禁止使用)"),
    "isv.SMS_SIGNATURE_SCENE_ILLEGAL": ProviderCode(False, "the signature's scene does not fit the template"),
    "isv.EXTEND_CODE_ERROR": ProviderCode(False, "extension code already used by another signature"),
    "isv.TEMPLATE_MISSING_PARAMETERS": ProviderCode(False, "a template variable has no value (模板变量缺少参数)"),
    "isv.TEMPLATE_PARAMS_ILLEGAL": ProviderCode(False, "a template variable's value is not allowed"),
    "isv.INVALID_PARAMETERS": ProviderCode(False, "invalid parameters (参数异常)"),
    "isv.INVALID_JSON_PARAM": ProviderCode(False, "template parameters are not a JSON object of strings"),
    "isv.PARAM_LENGTH_LIMIT": ProviderCode(False, "a template variable's value is too long"),
    "isv.PARAM_NOT_SUPPORT_URL": ProviderCode(False, "a template variable may not be a URL"),
    "isv.BLACK_KEY_CONTROL_LIMIT": ProviderCode(False, "blacklisted keyword or number (黑名单管控)"),
    "isv.SMS_CONTENT_ILLEGAL": ProviderCode(False, "the content is not allowed (内容违规)"),
}


def classify_aliyun_code(code: str, http_status: int = 200) -> ProviderCode:
    """Return whether an Alibaba answer code is worth retrying, by the table then by its prefix."""
    known = ALIYUN_CODES.get(code)
    if known is not None:
        return known
    if http_status >= 500:
        return ProviderCode(True, "provider error")
    if code.startswith("isp.") or code.startswith("Throttling"):
        return ProviderCode(True, "provider error")
    return ProviderCode(False, "refused by the provider")




def _network_failure(error: BaseException) -> SendResult:
    """Describe a request that got no answer: "timeout" when it may have reached the provider."""
    chain: list[BaseException] = []
    seen: BaseException | None = error
    while seen is not None and seen not in chain:
        chain.append(seen)
        seen = getattr(seen, "inner_exception", None) or seen.__cause__ or seen.__context__
    names = {type(item).__name__ for item in chain}
    text = " ".join(str(item) for item in chain)
    # A read timeout, or a connection dropped while waiting for the answer, means the request was
    # sent: the provider may have taken it (its documentation advises checking the delivery report
    # before sending again).
    if "ReadTimeout" in names or any(sign in text for sign in ("Read timed out", "Connection aborted")):
        return SendResult(False, None, TIMEOUT, f"sent, but no answer: {chain[-1]}", True)
    return SendResult(False, None, NETWORK_ERROR, f"provider unreachable: {chain[-1]}", True)


class AliyunSmsGateway:
    """Send through Alibaba Cloud SMS (阿里云短信) with its official SDK (SendSms, signature V3)."""

    name = "aliyun"

    def __init__(self, *, access_key_id: str, access_key_secret: str, endpoint: str = ALIYUN_DEFAULT_ENDPOINT,
                 protocol: str = "https", connect_timeout: float = 5.0, read_timeout: float = 10.0):
        """Build the SDK client; timeouts are in seconds. Raises ValueError for a missing credential."""
        if not access_key_id or not access_key_secret:
            raise ValueError("Alibaba Cloud SMS needs an AccessKey id and secret.")
        if protocol not in ("http", "https"):
            raise ValueError(f"Alibaba Cloud SMS protocol must be http or https, not {protocol!r}.")
        # Imported here: the SDK takes half a second to import, and the development backend,
        # the CLI and most tests never need it.
        from alibabacloud_dysmsapi20170525 import models  # noqa: PLC0415 (the SDK's import time, above)
        from alibabacloud_dysmsapi20170525.client import Client  # noqa: PLC0415 (the SDK's import time, above)
        from alibabacloud_tea_openapi.utils_models import Config  # noqa: PLC0415 (the SDK's import time, above)
        from darabonba.exceptions import ResponseException, RetryError  # noqa: PLC0415 (the SDK's import time, above)
        from darabonba.policy.retry import RetryOptions  # noqa: PLC0415 (the SDK's import time, above)
        from darabonba.runtime import RuntimeOptions  # noqa: PLC0415 (the SDK's import time, above)

        self.endpoint = endpoint
        self.protocol = protocol
        self._models = models
        self._response_exception = ResponseException
        self._transport_error = RetryError
        connect_ms, read_ms = int(connect_timeout * 1000), int(read_timeout * 1000)
        self._client = Client(Config(
            access_key_id=access_key_id,
            access_key_secret=access_key_secret,
            endpoint=endpoint,
            protocol=protocol,
            connect_timeout=connect_ms,
            read_timeout=read_ms,
            # The outbox retries with backoff and records every attempt; an SDK retry would be
            # a second send the outbox never hears about.
            retry_options=RetryOptions({"retryable": False}),
        ))
        self._runtime = RuntimeOptions(autoretry=False, max_attempts=1,
                                       connect_timeout=connect_ms, read_timeout=read_ms)

    def __repr__(self) -> str:
        return f"<AliyunSmsGateway {self.protocol}://{self.endpoint}>"

    def send(self, *, phone: str, sign_name: str, template_code: str, params: dict[str, str],
             out_id: str) -> SendResult:
        """Call SendSms once; map the answer, an HTTP error or a network failure to a SendResult."""
        request = self._models.SendSmsRequest(
            phone_numbers=phone,
            sign_name=sign_name,
            template_code=template_code,
            template_param=json.dumps(params, ensure_ascii=False),
            out_id=out_id,
        )
        try:
            response = self._client.send_sms_with_options(request, self._runtime)
        except self._response_exception as error:
            # The provider answered with an HTTP error (4xx: authentication, parameters; 5xx: outage).
            data = error.data if isinstance(error.data, dict) else {}
            status = getattr(error, "status_code", None) or 0
            code = str(data.get("Code") or error.code or f"http_{status}")
            message = str(data.get("Message") or error.message or "")
            result = self._refused(code, message, status)
        except Exception as error:  # noqa: BLE001  (the contract: never raise for a failed send)
            if self._is_transport_error(error):
                result = _network_failure(error)
            else:
                log.exception("Unexpected error from the Alibaba SMS SDK")
                result = SendResult(False, None, UNEXPECTED_ERROR, f"{type(error).__name__}: {error}", True)
        else:
            body = response.body
            code = str(body.code or "")
            if code == "OK":
                return SendResult(True, body.biz_id, "OK", str(body.message or "OK"), False)
            result = self._refused(code or f"http_{response.status_code}", str(body.message or ""),
                                   response.status_code or 200)
        log.warning("SMS to %s not accepted by %s: %s %s (retryable: %s)", _masked(phone), self.name,
                    result.code, result.message, result.retryable)
        return result

    @staticmethod
    def _refused(code: str, message: str, http_status: int) -> SendResult:
        known = classify_aliyun_code(code, http_status)
        return SendResult(False, None, code, message or known.meaning, known.retryable)

    def find_sent(self, *, phone: str, out_id: str, day: date) -> LookupResult:
        """Page through QuerySendDetails (50 a page) for the phone and day until the out id shows up.

        `day`: the China date of the attempt (see SmsGateway.find_sent). A record found in any state
        counts, failed deliveries (SendStatus 2) included: the provider took the message. Its
        provider id is None: the records carry no BizId (the message is identified by its OutId, the
        phone and the day). Any error answer or network failure, on any page, is known=False.
        """
        send_date = day.strftime("%Y%m%d")
        seen = 0
        for page in range(1, LOOKUP_MAX_PAGES + 1):
            request = self._models.QuerySendDetailsRequest(
                phone_number=lookup_phone(phone), send_date=send_date,
                page_size=LOOKUP_PAGE_SIZE, current_page=page)
            try:
                response = self._client.query_send_details_with_options(request, self._runtime)
            except self._response_exception as error:
                data = error.data if isinstance(error.data, dict) else {}
                code = str(data.get("Code") or error.code or f"http_{getattr(error, 'status_code', 0)}")
                return self._lookup_failed(phone, code, str(data.get("Message") or error.message or ""))
            except Exception as error:  # noqa: BLE001  (the contract: never raise for a failed lookup)
                if not self._is_transport_error(error):
                    log.exception("Unexpected error from the Alibaba SMS SDK")
                    return self._lookup_failed(phone, UNEXPECTED_ERROR, f"{type(error).__name__}: {error}")
                failure = _network_failure(error)
                return self._lookup_failed(phone, failure.code, failure.message)
            body = response.body
            code = str(body.code or "") or f"http_{response.status_code}"
            if code != "OK":
                return self._lookup_failed(phone, code, str(body.message or ""))
            details = body.sms_send_detail_dtos
            records = (details.sms_send_detail_dto or []) if details else []
            if any(record is not None and record.out_id == out_id for record in records):
                return LookupResult(True, True, None, "OK")
            seen += len(records)
            if len(records) < LOOKUP_PAGE_SIZE or seen >= _count(body.total_count, default=seen + 1):
                return LookupResult(True, False, None, "OK")
        return self._lookup_failed(phone, TOO_MANY_RECORDS, f"more than {seen} records on {send_date}")

    def _lookup_failed(self, phone: str, code: str, message: str) -> LookupResult:
        log.warning("Could not ask %s about a message to %s: %s %s", self.name, _masked(phone), code, message)
        return LookupResult(False, False, None, code)

    def _is_transport_error(self, error: BaseException) -> bool:
        """Tell a transport failure (no answer) from anything else the SDK raised.

        The SDK turns the HTTP library's IOError into its RetryError and wraps that, like any error
        inside its request loop, in an UnretryableException (`inner_exception`).
        """
        inner = getattr(error, "inner_exception", None) or error
        return isinstance(inner, (self._transport_error, OSError))


def _count(value, *, default: int) -> int:
    """Read TotalCount, which the provider documents as a number once and as a string now."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _masked(phone: str) -> str:
    """Mask a phone number for logs (138****5678): it is personal information."""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"
