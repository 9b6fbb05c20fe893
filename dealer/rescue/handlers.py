"""How rescue joins the pages of the modules below it: the dispatcher's home panel, the tow-in order's claim."""
from __future__ import annotations

import sqlalchemy as sa
from flask import render_template
from markupsafe import Markup

from dealer.actors import RESCUE_DISPATCHER
from dealer.auth import signals as auth_signals
from dealer.extensions import db
from dealer.repair import queries as repair_queries
from dealer.repair import signals as repair_signals
from dealer.repair.models import INSURANCE
from dealer.rescue import queries
from dealer.rescue.labels import CLAIM_STATE_LABELS
from dealer.rescue.models import ACCIDENT, InsuranceClaim, RescueCall
from dealer.signals import Panel
from dealer.stores.services import visible_store_ids


@auth_signals.home_panels.connect
def _rescue_board(actor, *, now, **_):
    """The board in brief for the dispatcher: open calls, waiting, free units (three queries)."""
    if not actor.has_any({RESCUE_DISPATCHER}):
        return None
    brief = queries.board(visible_store_ids(actor), with_settings=False)
    return Panel(20, Markup(render_template("rescue/_home_board.html", board=brief)))


@repair_signals.order_panels.connect
def _tow_in_claim(order, *, actor, **_):
    """The tow-in order of an accident call shows its claim (代办理赔) and the order's insurance-paid total; no
    query for an order that did not come from a rescue."""
    if order.source_kind != "rescue" or order.source_ref is None:
        return None
    row = db.session.execute(
        sa.select(RescueCall.id, RescueCall.fault_type, InsuranceClaim)
        .outerjoin(InsuranceClaim, sa.and_(InsuranceClaim.store_id == RescueCall.store_id,
                                           InsuranceClaim.call_id == RescueCall.id))
        .where(RescueCall.store_id == order.store_id, RescueCall.id == order.source_ref)).one_or_none()
    if row is None or row.fault_type != ACCIDENT:
        return None
    insurance = repair_queries.display_totals(order).by_payer[INSURANCE].net_fen
    return Panel(10, Markup(render_template("rescue/_order_claim.html", call_id=row.id, claim=row.InsuranceClaim,
                                            insurance_fen=insurance, claim_labels=CLAIM_STATE_LABELS)))
