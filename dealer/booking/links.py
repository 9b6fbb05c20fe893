"""The owner's booking link (view, move, cancel): the store, the booking code and an HMAC of them.

Nothing is stored: the signature under the app's secret key makes it unguessable (the booking code alone is
not enough), and the booking SMS and the reminder carry the same link.
"""
from __future__ import annotations

import hashlib
import hmac

from flask import current_app

from dealer.public_links import public_base


def _signature(store_id: int, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"booking-link:{store_id}:{code}".encode(), hashlib.sha256).hexdigest()[:24]


def token(store_id: int, code: str) -> str:
    return f"{store_id}.{code}.{_signature(store_id, code)}"


def url(store_id: int, code: str, base: str | None = None) -> str:
    """The link as the SMS carries it: at the deployment's public address (PUBLIC_URL), else at `base` (the
    address the owner's request came to), else as `dealer.public_links` says (a scheduled reminder)."""
    root = (current_app.config.get("PUBLIC_URL") or base or public_base()).rstrip("/")
    return f"{root}/booking/m/{token(store_id, code)}"


def read(text: str) -> tuple[int, str] | None:
    """(store id, booking code) of a genuine token, else None."""
    store, _, rest = (text or "").partition(".")
    code, _, signature = rest.partition(".")
    if not (store.isdigit() and len(store) <= 9 and code and len(code) <= 12 and signature):
        return None
    if not hmac.compare_digest(signature, _signature(int(store), code)):
        return None
    return int(store), code
