"""Counters of attempts (wrong passwords, SMS codes asked for) in the rate limiter's storage.

The storage (Redis in production) is shared by every worker, so a lockout adds up over all of them. When it
cannot be reached, counting goes on in this process's memory, logged, for `RETRY_SECONDS` before the shared
storage is tried again: staff can still sign in and guesses are still limited (per process) instead of every
sign-in failing with a server error. Flask-Limiter's own decorated limits fall back the same way
(RATELIMIT_IN_MEMORY_FALLBACK_ENABLED, set by `storage_settings`).

A counter is a limit and the keys it is counted under: `(parse("5 per minute"), ("login", "li.na"))`.
"""
from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Iterable

from flask import current_app
from limits import RateLimitItem
from limits.errors import StorageError
from limits.storage import MemoryStorage
from limits.strategies import STRATEGIES, RateLimiter

from dealer.extensions import limiter

Counter = tuple[RateLimitItem, tuple[str, ...]]

RETRY_SECONDS = 30  # while the shared storage is unreachable, how long before it is tried again
STORAGE_TIMEOUT_SECONDS = 1.0  # a Redis that does not answer must not hold a sign-in for long

log = logging.getLogger(__name__)
_lock = threading.Lock()
_memory: dict[str, RateLimiter] = {}  # the fallback counters, per strategy
_shared_limiters: dict = {}  # the strategy over the limiter's current storage
_down_until = 0.0  # monotonic time until which the shared storage is not tried


def storage_settings(uri: str) -> dict:
    """The limiter settings that make an unreachable storage an exception it can fall back from, quickly."""
    options: dict = {"wrap_exceptions": True}
    if uri.split(":", 1)[0] in ("redis", "rediss", "redis+unix"):
        options.update(socket_connect_timeout=STORAGE_TIMEOUT_SECONDS, socket_timeout=STORAGE_TIMEOUT_SECONDS)
    return {"RATELIMIT_STORAGE_OPTIONS": options, "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True}


def _strategy() -> str:
    return current_app.config.get("RATELIMIT_STRATEGY") or "fixed-window"


def _shared() -> RateLimiter:
    """The counting strategy on the limiter's own storage.

    Not `limiter.limiter`: once Flask-Limiter has found the storage down it answers with its memory until one
    of its decorated limits finds the storage back, which may be long after Redis answers again.
    """
    storage = limiter.storage
    with _lock:
        if _shared_limiters.get("storage") is not storage:
            _shared_limiters.update(storage=storage, limiter=STRATEGIES[_strategy()](storage))
        return _shared_limiters["limiter"]


def _fallback() -> RateLimiter:
    strategy = _strategy()
    with _lock:
        if strategy not in _memory:
            _memory[strategy] = STRATEGIES[strategy](MemoryStorage())
        return _memory[strategy]


def _ask(method: str, item: RateLimitItem, keys: tuple[str, ...]):
    """Call the strategy's `method` on the shared storage, or on this process's memory while it is down."""
    global _down_until
    if time.monotonic() >= _down_until:
        try:
            return getattr(_shared(), method)(item, *keys)
        except StorageError as error:
            log.warning("Rate-limit storage unreachable (%s): counting attempts in this process for %d s",
                        error.storage_error, RETRY_SECONDS)
            _down_until = time.monotonic() + RETRY_SECONDS
    return getattr(_fallback(), method)(item, *keys)


def spent(counters: Iterable[Counter]) -> list[Counter]:
    """The counters whose limit is used up."""
    return [(item, keys) for item, keys in counters if not _ask("test", item, keys)]


def hit(counters: Iterable[Counter]) -> None:
    """Count one attempt against every counter."""
    for item, keys in counters:
        _ask("hit", item, keys)


def retry_after(counters: Iterable[Counter]) -> int:
    """Seconds until the last of these counters' windows ends (at least 1): the Retry-After of a refusal."""
    resets = [_ask("get_window_stats", item, keys).reset_time for item, keys in counters]
    return max(1, math.ceil(max(resets, default=0) - time.time()))


def reset_fallback() -> None:
    """Forget the fallback state and counts (tests)."""
    global _down_until
    with _lock:
        _memory.clear()
        _down_until = 0.0
