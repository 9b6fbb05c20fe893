"""What an owner's page shows of one order, read once (booking's progress page, 透明度).

The services read an order with ORDER_LOADS (its approvals, QC checks, payments, assignments, the parts of its
lines, the order it reverses: what their rules need) and the order page with more. The owner's page shows less:
the order with its store, car, customer and advisor and the store's VAT rate in one row; its jobs with their lines;
the steps of its history (states and times, for the stages and the promise's changes); the inspection's findings
with their items and photos. Four statements whatever the lines, steps, findings and photos; the prices and totals
are then computed from what was read (`pending_prices`, `display_totals` with the rate given), without a query of
their own but the discount rules' one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from dealer.auth.models import User
from dealer.customers.models import Customer, Vehicle
from dealer.errors import NotFound
from dealer.extensions import db
from dealer.repair.models import InspectionResult, OrderEvent, RepairJob, RepairOrder, RepairSettings
from dealer.repair.services.inspection import InspectionSummary, summary_of
from dealer.stores.models import Store

# The store's VAT rate when it saved no settings (what settings_for gives).
_DEFAULT_VAT_BP = RepairSettings.__table__.c.vat_rate_bp.default.arg

# The store, the car, the owner and the advisor with the few columns the page and the prices read (booking 5: their dozens of
# other columns cost more to load than the query itself); any other column raises instead of loading by itself.
OWNER_LOADS = (
    joinedload(RepairOrder.store, innerjoin=True).load_only(Store.id, Store.code, Store.name, Store.phone,
                                                            Store.address, Store.timezone, raiseload=True),
    joinedload(RepairOrder.vehicle, innerjoin=True).load_only(Vehicle.id, Vehicle.store_id, Vehicle.plate,
                                                              raiseload=True),
    joinedload(RepairOrder.customer, innerjoin=True).load_only(Customer.id, Customer.store_id, raiseload=True),
    joinedload(RepairOrder.advisor).load_only(User.id, User.full_name, User.username, raiseload=True)
    .raiseload(User.roles),  # the name is shown, the roles are not read
    selectinload(RepairOrder.jobs).joinedload(RepairJob.lines),
)


@dataclass(frozen=True)
class Step:
    """A step of the order's history: the state it led to, what it was, when."""

    to_state: str
    action: str
    at: datetime


@dataclass
class OwnerOrder:
    order: RepairOrder  # with OWNER_LOADS
    steps: list[Step]  # oldest first
    inspection: InspectionSummary  # unchecked items are not counted (the owner is shown the findings only)
    vat_rate_bp: int  # the store's rate for live prices (a settled order keeps its own)


# The three statements, built once with their values as parameters (store_id, order_id): a statement's cache key is
# computed once per object, and the order's loader options made most of a build (about 1 ms of the page each time).
_ORDER = (sa.select(RepairOrder, RepairSettings.vat_rate_bp)
          .outerjoin(RepairSettings, RepairSettings.store_id == RepairOrder.store_id)
          .where(RepairOrder.store_id == sa.bindparam("store_id"), RepairOrder.id == sa.bindparam("order_id"))
          .options(*OWNER_LOADS))
_STEPS = (sa.select(OrderEvent.to_state, OrderEvent.action, OrderEvent.created_at)
          .where(OrderEvent.store_id == sa.bindparam("store_id"), OrderEvent.order_id == sa.bindparam("order_id"))
          .order_by(OrderEvent.created_at, OrderEvent.id))
_RESULTS = (sa.select(InspectionResult)
            .where(InspectionResult.store_id == sa.bindparam("store_id"),
                   InspectionResult.order_id == sa.bindparam("order_id"))
            .options(joinedload(InspectionResult.item, innerjoin=True), joinedload(InspectionResult.photos)))


def owner_order(order_id: int, *, store_id: int) -> OwnerOrder:
    """Read what the owner's page shows of one order of the store (the caller checked the owner's link).

    Reads only. Raises NotFound.
    """
    keys = {"store_id": store_id, "order_id": order_id}
    row = db.session.execute(_ORDER, keys).unique().first()
    if row is None:
        raise NotFound()
    order, vat_rate_bp = row
    steps = [Step(*step) for step in db.session.execute(_STEPS, keys)]
    results = db.session.scalars(_RESULTS, keys).unique().all()
    proposed = {job.inspection_result_id: job for job in order.jobs if job.inspection_result_id is not None}
    return OwnerOrder(order=order, steps=steps, inspection=summary_of(order, list(results), proposed),
                      vat_rate_bp=_DEFAULT_VAT_BP if vat_rate_bp is None else vat_rate_bp)
