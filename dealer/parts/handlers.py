"""How the parts module shows its part of the pages of the modules below it (connected in dealer.app)."""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from dealer.actors import PARTS_CLERK
from dealer.auth import signals as auth_signals
from dealer.parts.services import low_stock
from dealer.signals import Panel

LOW_STOCK_ROWS = 15  # the home page's shortest list; the low-stock page has them all


@auth_signals.home_panels.connect
def _low_stock(actor, **_):
    """The parts clerk's parts to reorder, shortages first (one query, at most LOW_STOCK_ROWS rows)."""
    if not actor.has_any({PARTS_CLERK}):
        return None
    return Panel(30, Markup(render_template("parts/_home_low_stock.html", parts=low_stock(actor=actor, limit=LOW_STOCK_ROWS),
                                            limit=LOW_STOCK_ROWS)))
