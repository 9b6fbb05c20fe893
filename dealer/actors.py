"""Who acts: the role names, the groups of roles that share a right, and the Actor passed into services.

The bottom of the package: it imports no module of ours, so every module (services, views, jobs) can say
who acts without depending on the web layer.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

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
