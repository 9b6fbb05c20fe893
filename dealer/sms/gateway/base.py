"""What every SMS gateway gives and takes: results, the interface, failure codes, China's date."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Protocol

# Codes of failures that happen on our side of the wire (all retryable).
NETWORK_ERROR = "network_error"  # the request never reached the provider (refused, DNS, connect timeout)
TIMEOUT = "timeout"  # it went out but no answer came back: the provider may have taken it
UNEXPECTED_ERROR = "unexpected_error"  # the SDK raised something else (logged with its traceback)
LOCAL_WRITE_ERROR = "local_write_error"  # the development backend could not write its file
LOCAL_READ_ERROR = "local_read_error"  # the development backend could not read its file
TOO_MANY_RECORDS = "too_many_records"  # a lookup gave up paging (more records than any real day has)

# Alibaba files messages under the day they reached it, in China time (no daylight saving time).
CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")


@dataclass(frozen=True)
class SendResult:
    """The outcome of one send attempt.

    `accepted` means the provider took the message (delivery is reported later); `retryable` only
    matters when it did not: True when the same message may go through later, False when sending it
    again unchanged will fail again (invalid number, template not approved...).
    """

    accepted: bool
    provider_id: str | None
    code: str
    message: str
    retryable: bool


@dataclass(frozen=True)
class LookupResult:
    """What the provider said about an in-doubt attempt: was a message with this out id sent?

    `known` False: the provider could not be asked (network error, timeout, throttled, any error;
    `code` says which), so nothing is known and the message must stay in doubt and be asked about
    again later. `known` True: `found` says whether a message with this out id to this phone was
    sent that day, and `provider_id` is its provider id when the provider tells it (Alibaba's
    QuerySendDetails does not: its records carry no BizId, only the OutId, so it is None there).
    `code` is "OK" when known.
    """

    known: bool
    found: bool
    provider_id: str | None
    code: str


class SmsGateway(Protocol):
    """What the outbox needs from an SMS provider."""

    name: str

    def send(self, *, phone: str, sign_name: str, template_code: str, params: dict[str, str],
             out_id: str) -> SendResult:
        """Hand one message to the provider; never raise for provider or network errors."""
        ...

    def find_sent(self, *, phone: str, out_id: str, day: date) -> LookupResult:
        """Ask whether a message with this out id went to this phone on `day` (China time).

        `day` is the date the attempt was made, in China time (UTC+8), which is how the provider
        files its records. A message is filed under the moment the provider received it, so an
        attempt made in the last minutes before midnight may be filed under the next day: ask for
        that day too when the first answer is "not found". Never raise for provider or network errors.
        """
        ...




def china_day(moment: datetime) -> date:
    """Return the China date of an aware moment: the `day` that `find_sent` takes."""
    return moment.astimezone(CHINA).date()


def lookup_phone(phone: str) -> str:
    """Write a phone number as QuerySendDetails takes it: 11 digits (mainland), else country code + number.

    SendSms accepts +86, 0086 and 86 before a mainland number; the query does not document them.
    """
    number = phone.strip()
    for prefix in ("+86", "0086", "86"):
        if number.startswith(prefix) and len(number) - len(prefix) == 11:
            return number[len(prefix):]
    if number.startswith("+"):
        return number[1:]
    if number.startswith("00"):
        return number[2:]
    return number
