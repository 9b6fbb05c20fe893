"""SMS gateways (短信网关): one small interface, Alibaba Cloud SMS in production, a local file in development.

The outbox calls `gateway.send(...)` once per attempt and stores the `SendResult`. A gateway never
raises for provider or network failures: they come back as a result that says whether trying again
later can help (`retryable`). Retrying is the outbox's job, so the Alibaba SDK's own retries are off.

Alibaba's SendSms is not idempotent (its documentation says so): the `out_id` is only echoed back in
delivery reports. When a request times out after it was sent, the message may have gone out; the
code is then TIMEOUT, not NETWORK_ERROR (the request never reached the provider), so the outbox
can tell the two apart.

Such an attempt is in doubt until `gateway.find_sent(...)` says whether the provider took it
(Alibaba's QuerySendDetails, which lists one phone's messages of one China day with their out ids).
A lookup never raises either: `LookupResult.known` is False when the provider could not be asked,
and the message must then stay in doubt.
"""
from __future__ import annotations

from collections.abc import Mapping

from dealer.sms.gateway.aliyun import (
    ALIYUN_CODES,
    ALIYUN_DEFAULT_ENDPOINT,
    AliyunSmsGateway,
    classify_aliyun_code,
)
from dealer.sms.gateway.base import (
    CHINA,
    LOCAL_READ_ERROR,
    LOCAL_WRITE_ERROR,
    NETWORK_ERROR,
    TIMEOUT,
    TOO_MANY_RECORDS,
    UNEXPECTED_ERROR,
    LookupResult,
    SendResult,
    SmsGateway,
    china_day,
    lookup_phone,
)
from dealer.sms.gateway.local import LocalSmsGateway

__all__ = ["ALIYUN_CODES", "ALIYUN_DEFAULT_ENDPOINT", "CHINA", "LOCAL_READ_ERROR", "LOCAL_WRITE_ERROR",
           "NETWORK_ERROR", "TIMEOUT", "TOO_MANY_RECORDS", "UNEXPECTED_ERROR", "AliyunSmsGateway",
           "LocalSmsGateway", "LookupResult", "SendResult", "SmsGateway", "china_day", "classify_aliyun_code",
           "gateway_from_config", "lookup_phone"]


def gateway_from_config(config: Mapping) -> SmsGateway:
    """Build the gateway the configuration names (SMS_BACKEND: "local", the default, or "aliyun").

    Raises ValueError for an unknown backend or a missing setting (Alibaba credentials, the local file).
    """
    backend = str(config.get("SMS_BACKEND") or "local").strip().lower()
    if backend == "local":
        path = config.get("SMS_LOCAL_LOG")
        if not path:
            raise ValueError("SMS_BACKEND=local needs SMS_LOCAL_LOG, the file that records the messages.")
        return LocalSmsGateway(path)
    if backend == "aliyun":
        key_id = config.get("ALIYUN_SMS_ACCESS_KEY_ID")
        secret = config.get("ALIYUN_SMS_ACCESS_KEY_SECRET")
        missing = [name for name, value in (("ALIYUN_SMS_ACCESS_KEY_ID", key_id),
                                            ("ALIYUN_SMS_ACCESS_KEY_SECRET", secret)) if not value]
        if missing:
            raise ValueError(f"SMS_BACKEND=aliyun needs {' and '.join(missing)} "
                             "(set them in the environment).")
        timeouts = {}
        for setting, argument in (("ALIYUN_SMS_CONNECT_TIMEOUT", "connect_timeout"),
                                  ("ALIYUN_SMS_READ_TIMEOUT", "read_timeout")):
            if config.get(setting):
                try:
                    timeouts[argument] = float(config[setting])
                except (TypeError, ValueError):
                    raise ValueError(f"{setting} must be a number of seconds, "
                                     f"not {config[setting]!r}.") from None
        return AliyunSmsGateway(
            access_key_id=key_id,
            access_key_secret=secret,
            endpoint=config.get("ALIYUN_SMS_ENDPOINT") or ALIYUN_DEFAULT_ENDPOINT,
            protocol=str(config.get("ALIYUN_SMS_PROTOCOL") or "https").lower(),
            **timeouts,
        )
    raise ValueError(f"Unknown SMS_BACKEND {backend!r}: use 'local' or 'aliyun'.")
