"""Who may use which route: every view declares its roles; anything undeclared is refused.

`roles_required(...)` and `public` mark a view function; `enforce_access` runs before every
request and is the only place the declaration is checked. The access-matrix test walks
`app.url_map` and compares each endpoint's declaration with the matrix it keeps.
"""
from __future__ import annotations

import logging

from flask import abort, current_app, g, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from dealer.actors import ROLES, Actor
from dealer.responses import json_error

log = logging.getLogger(__name__)

PUBLIC = "public"
_ATTRIBUTE = "__dealer_access__"

# Endpoints registered by extensions rather than by our views.
EXTENSION_PUBLIC_ENDPOINTS = frozenset({"static", "bootstrap.static", "api-docs.openapi_json"})


def roles_required(*roles: str):
    """Allow the decorated view to staff holding at least one of `roles`."""
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError("unknown or no roles: %r" % (unknown or roles,))

    def decorate(view):
        setattr(view, _ATTRIBUTE, frozenset(roles))
        return view

    return decorate


def public(view):
    """Allow the decorated view to anyone, signed in or not."""
    setattr(view, _ATTRIBUTE, PUBLIC)
    return view


def declared_access(app, endpoint: str):
    """Return PUBLIC, a frozenset of roles, or None when the endpoint declares nothing."""
    if endpoint in EXTENSION_PUBLIC_ENDPOINTS:
        return PUBLIC
    return view_access(app.view_functions.get(endpoint))


def view_access(view):
    """Return what the view function declares: PUBLIC, a frozenset of roles, or None."""
    return getattr(view, _ATTRIBUTE, None)


def may_open(endpoint: str) -> bool:
    """Tell whether the signed-in user may open `endpoint` (a link to a page they may not open is not shown)."""
    declared = declared_access(current_app, endpoint)
    return declared == PUBLIC or (declared is not None and current_actor().has_any(declared))


def current_actor() -> Actor:
    """Return the Actor for the signed-in user or the API token's user (views and API only)."""
    user = g.get("api_user") or current_user
    return user.as_actor()


def register_token_loader(app, function) -> None:
    """Register `function(token) -> user or None`, which finds the user of an API bearer token.

    The app registers the auth module's when it is built (like Flask-Login's user_loader), so this web
    layer does not import the module that keeps the tokens.
    """
    app.extensions["dealer.token_loader"] = function


def _api_user():
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return current_app.extensions["dealer.token_loader"](token.strip())


def enforce_access():
    """Refuse the request unless the endpoint's declaration lets this user in (before_request)."""
    endpoint = request.endpoint
    if endpoint is None:  # 404 or 405: let Flask answer
        return None
    declared = declared_access(current_app, endpoint)
    api = request.path.startswith("/api/")
    if declared is None:
        log.error("endpoint %s declares no access rule; refused", endpoint)
        return _forbidden(api)
    if declared == PUBLIC:
        return None
    if api:
        user = _api_user()
        if user is None:
            return json_error("unauthorized", _l("A valid bearer token is required."), 401)
        g.api_user = user
    else:
        user = current_user
        if not user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path if request.args else request.path))
    if not (user.role_names & declared):
        return _forbidden(api)
    return None


def _forbidden(api: bool):
    if api:
        return json_error("forbidden", _l("You are not allowed to do this."), 403)
    abort(403)
