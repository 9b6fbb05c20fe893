"""Addresses of the app's pages for text messages: the owner's feedback form, the crew's job page, ...

A link texted to an owner or a crew must work from their phone on the internet, whatever address the staff
member reached the app by (a store's LAN address, a VPN name). The deployment's public address is the
DEALER_PUBLIC_URL setting (e.g. `https://service.example.com/`, a path prefix allowed); unset, the request's
own address is used (one public name for staff and owners). Outside a request (a scheduled job, the demo's
seeding) production must have it set; development falls back to `make run`'s address.
"""
from __future__ import annotations

from flask import current_app, has_request_context, request

DEVELOPMENT_BASE = "http://127.0.0.1:5000/"  # `make run`


def public_base() -> str:
    """The deployment's public address, ending with "/". Raises RuntimeError outside a request without it."""
    configured = current_app.config.get("PUBLIC_URL")
    if configured:
        return configured.rstrip("/") + "/"
    if has_request_context():
        return request.url_root
    if current_app.config.get("ENV") == "production":
        raise RuntimeError("Set DEALER_PUBLIC_URL: a link is texted outside a request and has no address to use.")
    return DEVELOPMENT_BASE


def public_url(endpoint: str, **values) -> str:
    """The public address of a page, for a text message (see `public_base`)."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return public_base() + path.lstrip("/")
