"""How repair answers what the modules below it ask, and shows its part of their pages.

Connected when the app is built (see dealer.app).
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import render_template
from markupsafe import Markup

from dealer.customers import signals as customer_signals
from dealer.extensions import db
from dealer.parts import signals as parts_signals
from dealer.repair import queries
from dealer.repair.forms import KIND_LABELS
from dealer.repair.forms.parts_counter import ReturnForm
from dealer.repair.models import RepairOrder
from dealer.repair.services import STATE_LABELS
from dealer.repair.services.orders import OPEN_STATES
from dealer.repair.services.workflow import REPAIR_STAFF
from dealer.signals import Panel


@customer_signals.customer_file_panels.connect
def _visits_panel(customer, *, actor, **_):
    """The customer's visits, spend and latest repair orders (客户档案: 来厂记录)."""
    return Panel(20, Markup(render_template(
        "repair/_customer_visits_panel.html", visits=queries.customer_visits(customer.id, actor=actor),
        repair_states=STATE_LABELS)))


@customer_signals.vehicle_page_panels.connect
def _vehicle_orders_panel(vehicle, *, actor, **_):
    """The car's repair orders, newest first, linked, for the staff who open repair orders' pages."""
    if not actor.has_any(REPAIR_STAFF):
        return None
    orders, more = queries.vehicle_orders(vehicle)
    return Panel(5, Markup(render_template(
        "repair/_vehicle_orders_panel.html", vehicle=vehicle, orders=orders, more=more,
        open_states=OPEN_STATES, repair_states=STATE_LABELS, kind_labels=KIND_LABELS)))


@parts_signals.name_orders.connect
def _order_numbers(part, *, order_ids, **_) -> dict[int, str]:
    """The numbers of the part's store's orders that stock moves name (the part's ledger shows them)."""
    return dict(db.session.execute(sa.select(RepairOrder.id, RepairOrder.number).where(
        RepairOrder.store_id == part.store_id, RepairOrder.id.in_(order_ids))).all())


@parts_signals.part_page_panels.connect
def _part_lines(part, *, actor, can_write, **_):
    """The repair lines holding or having taken the part, with a return form for the people who keep stock."""
    return Panel(10, Markup(render_template(
        "repair/parts_counter/_part_lines.html", part=part, can_write=can_write,
        lines=queries.open_lines(part.id, actor=actor), return_form=ReturnForm())))
