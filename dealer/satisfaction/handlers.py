"""How customer satisfaction follows what other modules announce (connected when the app is built)."""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from dealer.actors import CS_SUPERVISOR
from dealer.auth import signals as auth_signals
from dealer.public_links import public_base
from dealer.repair import signals as repair_signals
from dealer.satisfaction.models import REPAIR_ORDER
from dealer.satisfaction.queries import call_list
from dealer.satisfaction.services import open_follow_up
from dealer.signals import Panel
from dealer.stores.services import visible_store_ids

CALLS_ON_HOME = 10


@repair_signals.order_delivered.connect
def _follow_up_delivered(order, *, vehicle, now, **_):
    """A car handed back opens its follow-up (回访), due within the store's days, and texts the owner the form."""
    if order.is_reversal:
        return
    open_follow_up(store_id=order.store_id, source_kind=REPAIR_ORDER, source_ref=order.id, source_number=order.number,
                   customer=order.customer, vehicle=vehicle, handled_by_id=order.advisor_id, now=now,
                   link_base=public_base())


@auth_signals.home_panels.connect
def _cs_calls(actor, *, now, **_):
    """CS's follow-up calls to make: owners who did not answer, and forms drawn for verification."""
    if CS_SUPERVISOR not in actor.roles:
        return None
    rows = call_list(visible_store_ids(actor), actor=actor, limit=CALLS_ON_HOME)
    return Panel(20, Markup(render_template("satisfaction/_home_calls.html", rows=rows, limit=CALLS_ON_HOME,
                                            now=now)))
