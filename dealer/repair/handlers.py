"""How repair answers what the modules below it ask, and shows its part of their pages.

Connected when the app is built (see dealer.app).
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import render_template
from markupsafe import Markup

from dealer.actors import CASHIER, MANAGER, PARTS_CLERK, SERVICE_ADVISOR, TECHNICIAN
from dealer.auth import signals as auth_signals
from dealer.customers import signals as customer_signals
from dealer.extensions import db
from dealer.parts import signals as parts_signals
from dealer.repair import forms, home, queries
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


# -- the home page: the day's work at each desk (auth.signals.home_panels) -----------------------------

def _panel(position: int, template: str, **context) -> Panel:
    return Panel(position, Markup(render_template(template, state_labels=STATE_LABELS, **context)))


@auth_signals.home_panels.connect
def _front_desk(actor, *, now, **_):
    """The advisor's cars: in the workshop with their promises, waiting for the owner, ready to hand over."""
    if not actor.has_any({SERVICE_ADVISOR}):
        return None
    return _panel(20, "repair/home/_front_desk.html", desk=home.front_desk(actor=actor), now=now,
                  overdue=queries.overdue)


@auth_signals.home_panels.connect
def _technician_jobs(actor, *, now, **_):
    """The technician's jobs as cards, with the parts issued for each; no prices."""
    if not actor.has_any({TECHNICIAN}):
        return None
    return _panel(20, "repair/home/_my_jobs.html", items=queries.my_jobs(actor=actor), now=now, labels=forms,
                  overdue=queries.overdue)


@auth_signals.home_panels.connect
def _parts_to_issue(actor, **_):
    """The parts clerk's queue: the most urgent parts lines to hand out, with their orders."""
    if not actor.has_any({PARTS_CLERK}):
        return None
    return _panel(20, "repair/home/_issue_queue.html", items=queries.issue_queue(actor=actor, limit=home.HOME_ROWS),
                  limit=home.HOME_ROWS)


@auth_signals.home_panels.connect
def _orders_to_settle(actor, **_):
    """The cashier's orders ready to settle, with what each owner pays."""
    if not actor.has_any({CASHIER}):
        return None
    return _panel(20, "repair/home/_to_settle.html", items=queries.to_settle(actor=actor))


@auth_signals.home_panels.connect
def _day_figures(actor, *, now, **_):
    """The manager's day at a glance; a group manager's stores side by side."""
    if not actor.has_any({MANAGER}):
        return None
    return _panel(20, "repair/home/_figures.html", figures=home.day_figures(actor=actor, now=now),
                  group=actor.is_group_level)
