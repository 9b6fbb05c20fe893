"""Repair pages (HTML), a module per desk; the routes attach themselves to the repair blueprint.

orders: opening an order from a vehicle, its jobs and lines (htmx); approvals: the estimate, the owner's
signature or phone approval, extra work, comebacks; workshop: dispatch, the technician's clock, QC;
settlement: the cashier, delivery, cancel, reversal; lists: orders, the board, my jobs, the cashier's queue,
figures; documents: the printable work order, estimate and statement; inspection: the multi-point
inspection and its photos; settings: the manager's repair settings and labor catalogue; parts_counter: the
parts clerk's queue, issues and returns (their own blueprint, at /parts/). Shared pieces are in common.py.

Each view validates its form, calls one service and redirects, or shows the form again with the service's
error beside its field.
"""
from dealer.repair.views import (  # noqa: F401
    approvals,
    documents,
    inspection,
    lists,
    orders,
    parts_counter,
    settings,
    settlement,
    workshop,
)
from dealer.repair.views.common import (  # noqa: F401  (the roles of the repair pages, for the other pages)
    ADVISORS,
    INSPECTORS,
    REPAIR_STAFF,
    REVERSERS,
    SETTLERS,
    TECHNICIANS,
)
