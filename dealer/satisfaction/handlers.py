"""How customer satisfaction follows what other modules announce (connected when the app is built)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import render_template
from markupsafe import Markup

from dealer.actors import CS_SUPERVISOR
from dealer.auth import signals as auth_signals
from dealer.extensions import db
from dealer.public_links import public_base
from dealer.repair import signals as repair_signals
from dealer.rescue import signals as rescue_signals
from dealer.rescue.models import DISPATCHED, RescueEvent
from dealer.satisfaction.models import QUICK_LANE, REPAIR_ORDER, RESCUE
from dealer.satisfaction.queries import call_list
from dealer.satisfaction.rollup import mark_stale, month_of
from dealer.satisfaction.services import open_follow_up
from dealer.signals import Panel
from dealer.stores.models import Store
from dealer.stores.services import visible_store_ids

CALLS_ON_HOME = 10


@repair_signals.order_delivered.connect
def _follow_up_delivered(order, *, vehicle, now, **_):
    """A car handed back opens its follow-up (回访), due within the store's days, and texts the owner the form."""
    if order.is_reversal:
        return
    # A quick-lane order (快修) is a repair order delivered the same way: its follow-ups are told apart by kind.
    kind = QUICK_LANE if order.source_kind == QUICK_LANE else REPAIR_ORDER
    open_follow_up(store_id=order.store_id, source_kind=kind, source_ref=order.id, source_number=order.number,
                   customer=order.customer, vehicle=vehicle, handled_by_id=order.advisor_id, now=now,
                   link_base=public_base())


@repair_signals.comeback_confirmed.connect
def _comeback_found(order, *, earlier_order, **_):
    """A comeback (返修) confirmed later undoes the earlier order's first-time fix in the month it was settled in:
    that month's roll-up of the five assurances is no longer read (computed live until the night rewrites it)."""
    if earlier_order.settled_at is None:
        return
    store = db.session.get(Store, earlier_order.store_id)
    mark_stale(earlier_order.store_id, month_of(earlier_order.settled_at, store))


@rescue_signals.call_completed.connect
def _follow_up_rescued(call, *, actor, now, **_):
    """A finished rescue (救援完成) opens its follow-up; it was handled by the dispatcher who sent the crew."""
    if call.customer_id is None:
        return
    dispatcher_id = db.session.scalar(
        sa.select(RescueEvent.user_id).where(RescueEvent.store_id == call.store_id, RescueEvent.call_id == call.id,
                                            RescueEvent.kind == DISPATCHED, RescueEvent.user_id.is_not(None))
        .order_by(RescueEvent.id.desc()).limit(1))
    handled_by_id = dispatcher_id or call.received_by_id or (actor.user_id if actor else None)
    open_follow_up(store_id=call.store_id, source_kind=RESCUE, source_ref=call.id, source_number=f"R{call.id}",
                   customer=call.customer, vehicle=call.vehicle, handled_by_id=handled_by_id, now=now,
                   link_base=public_base())


@auth_signals.home_panels.connect
def _cs_calls(actor, *, now, **_):
    """CS's follow-up calls to make: owners who did not answer, and forms drawn for verification."""
    if CS_SUPERVISOR not in actor.roles:
        return None
    rows = call_list(visible_store_ids(actor), actor=actor, limit=CALLS_ON_HOME)
    return Panel(20, Markup(render_template("satisfaction/_home_calls.html", rows=rows, limit=CALLS_ON_HOME,
                                            now=now)))
