"""How repair shows its part of other modules' pages (connected when the app is built, see dealer.app)."""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from dealer.customers import signals as customer_signals
from dealer.panels import Panel
from dealer.repair.services import customer_visits
from dealer.repair.workflow import STATE_LABELS


@customer_signals.customer_file_panels.connect
def _visits_panel(customer, *, actor, **_):
    """The customer's visits, spend and latest repair orders (客户档案: 来厂记录)."""
    return Panel(20, Markup(render_template(
        "repair/_customer_visits_panel.html", visits=customer_visits(customer.id, actor=actor),
        repair_states=STATE_LABELS)))
