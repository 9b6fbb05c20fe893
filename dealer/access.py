"""Who may use which route: every view declares its roles; anything undeclared is refused.

`roles_required(...)` and `public` mark a view function; `enforce_access` runs before every
request and is the only place the declaration is checked. The access-matrix test walks
`app.url_map` and compares each endpoint's declaration with the matrix it keeps.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask import current_app, g, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from dealer.errors import json_error

log = logging.getLogger(__name__)

ADMIN = "admin"
MANAGER = "manager"
SERVICE_ADVISOR = "service_advisor"
TECHNICIAN = "technician"
PARTS_CLERK = "parts_clerk"
CASHIER = "cashier"
RESCUE_DISPATCHER = "rescue_dispatcher"
CS_SUPERVISOR = "cs_supervisor"

ROLES = (ADMIN, MANAGER, SERVICE_ADVISOR, TECHNICIAN, PARTS_CLERK, CASHIER, RESCUE_DISPATCHER, CS_SUPERVISOR)

ROLE_LABELS = {
    ADMIN: _l("Administrator"),
    MANAGER: _l("Service manager"),
    SERVICE_ADVISOR: _l("Service advisor"),
    TECHNICIAN: _l("Technician"),
    PARTS_CLERK: _l("Parts clerk"),
    CASHIER: _l("Cashier"),
    RESCUE_DISPATCHER: _l("Rescue dispatcher"),
    CS_SUPERVISOR: _l("Customer satisfaction"),
}

# Roles allowed to be group-level (no store): they see every store.
GROUP_ROLES = frozenset({ADMIN, MANAGER})

ALL_STAFF = frozenset(ROLES)

# Staff who work with customer files (front desk, workshop, cashier, rescue, CS, manager).
CUSTOMER_READERS = frozenset({MANAGER, SERVICE_ADVISOR, TECHNICIAN, CASHIER, RESCUE_DISPATCHER, CS_SUPERVISOR})
CUSTOMER_WRITERS = frozenset({MANAGER, SERVICE_ADVISOR})
# Roles that must call customers, and so see phone numbers whole on the detail page.
PHONE_CALLERS = frozenset({MANAGER, SERVICE_ADVISOR, RESCUE_DISPATCHER, CS_SUPERVISOR})
# The parts catalogue and stock: the parts clerk and the manager keep them; front desk, workshop and
# cashier read the catalogue.
PARTS_WRITERS = frozenset({MANAGER, PARTS_CLERK})
PARTS_READERS = PARTS_WRITERS | {SERVICE_ADVISOR, TECHNICIAN, CASHIER}

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
    view = app.view_functions.get(endpoint)
    return getattr(view, _ATTRIBUTE, None)


@dataclass(frozen=True)
class Actor:
    """Who acts, passed into services so they never read the request or the session."""

    user_id: int | None
    store_id: int | None
    roles: frozenset[str] = field(default_factory=frozenset)
    name: str = ""

    @property
    def is_group_level(self) -> bool:
        return self.store_id is None

    def has_any(self, roles) -> bool:
        return bool(self.roles & set(roles))


SYSTEM = Actor(user_id=None, store_id=None, roles=frozenset(), name="")


def current_actor() -> Actor:
    """Return the Actor for the signed-in user or the API token's user (views and API only)."""
    user = g.get("api_user") or current_user
    return user.as_actor()


def _api_user():
    from dealer.auth.services import user_for_token

    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return user_for_token(token.strip())


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
    from flask import abort

    if api:
        return json_error("forbidden", _l("You are not allowed to do this."), 403)
    abort(403)
