"""The development gateway: messages go to a JSON-lines file instead of a provider."""
from __future__ import annotations

import json
import logging
import threading
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from dealer.sms.gateway.base import (
    LOCAL_READ_ERROR,
    LOCAL_WRITE_ERROR,
    LookupResult,
    SendResult,
    china_day,
    lookup_phone,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _LocalEntry:
    provider_id: str
    phone: str | None
    sent_at: datetime | None


class _LocalLog:
    """One file's lock and the messages already in it, shared by every LocalSmsGateway on that file."""

    def __init__(self, path: Path):
        self.path = path
        self.lock = threading.Lock()
        self._sent: dict[str, _LocalEntry] | None = None

    def sent(self) -> dict[str, _LocalEntry]:
        """Return out id -> entry, read from the file on first use (call with the lock held).

        Raises OSError when the file exists but cannot be read.
        """
        if self._sent is None:
            # Messages written before a restart count too: a sender killed between writing and
            # committing sends again after the restart, and must not record the message twice.
            self._sent = self._read()
        return self._sent

    def reread(self) -> dict[str, _LocalEntry]:
        """Add what other processes wrote to the file since it was read (call with the lock held).

        Raises OSError when the file exists but cannot be read.
        """
        sent = self.sent()
        for out_id, entry in self._read().items():
            sent.setdefault(out_id, entry)
        return sent

    def _read(self) -> dict[str, _LocalEntry]:
        sent: dict[str, _LocalEntry] = {}
        if not self.path.exists():
            return sent
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
                out_id, provider_id = str(entry["out_id"]), str(entry["provider_id"])
            except (ValueError, KeyError, TypeError):
                continue
            phone = entry.get("phone")
            sent.setdefault(out_id, _LocalEntry(provider_id, str(phone) if phone else None,
                                                _parsed_time(entry.get("sent_at"))))
        return sent


def _parsed_time(value) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


_local_logs: dict[Path, _LocalLog] = {}
_local_logs_lock = threading.Lock()


class LocalSmsGateway:
    """Record messages as JSON lines in a file instead of sending them (development, `make run`).

    Idempotent per out_id, like a provider with an idempotency window: the same out_id returns the
    same provider id and is written once, across every gateway on the same file in this process
    (and messages already in the file). Processes writing one file do not see each other's sends,
    except through `find_sent`, which reads the file again.
    """

    name = "local"

    def __init__(self, path: str | Path):
        self.path = Path(path)
        key = self.path.resolve()
        with _local_logs_lock:
            self._log = _local_logs.setdefault(key, _LocalLog(key))

    def __repr__(self) -> str:
        return f"<LocalSmsGateway {self.path}>"

    def send(self, *, phone: str, sign_name: str, template_code: str, params: dict[str, str],
             out_id: str) -> SendResult:
        """Append the message to the file once per out_id and accept it."""
        with self._log.lock:
            try:
                sent = self._log.sent()
                earlier = sent.get(out_id)
                if earlier is not None:
                    return SendResult(True, earlier.provider_id, "OK", "already recorded", False)
                provider_id = f"local-{uuid.uuid4().hex}"
                sent_at = datetime.now(timezone.utc).replace(microsecond=0)
                line = json.dumps({
                    "provider_id": provider_id,
                    "out_id": out_id,
                    "phone": phone,
                    "sign_name": sign_name,
                    "template_code": template_code,
                    "params": params,
                    "sent_at": sent_at.isoformat(),
                }, ensure_ascii=False)
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as file:
                    file.write(line + "\n")
            except OSError as error:
                return SendResult(False, None, LOCAL_WRITE_ERROR, str(error), True)
            sent[out_id] = _LocalEntry(provider_id, phone, sent_at)
            return SendResult(True, provider_id, "OK", "recorded locally", False)

    def find_sent(self, *, phone: str, out_id: str, day: date) -> LookupResult:
        """Look for the out id in the file (read again) and in this process's record.

        Found when it was recorded for this phone on `day` (China time, as the provider files it).
        A line without a phone or a readable time matches any phone or day: saying "sent" is the safe
        side. An unreadable file is known=False (local_read_error).
        """
        with self._log.lock:
            try:
                entry = self._log.reread().get(out_id)
            except OSError as error:
                log.warning("Could not read the local SMS file %s: %s", self.path, error)
                return LookupResult(False, False, None, LOCAL_READ_ERROR)
        if entry is None:
            return LookupResult(True, False, None, "OK")
        same_phone = entry.phone is None or lookup_phone(entry.phone) == lookup_phone(phone)
        same_day = entry.sent_at is None or china_day(entry.sent_at) == day
        if same_phone and same_day:
            return LookupResult(True, True, entry.provider_id, "OK")
        return LookupResult(True, False, None, "OK")
