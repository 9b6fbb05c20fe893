"""How rescue joins the pages of the modules below it: the dispatcher's home panel."""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from dealer.actors import RESCUE_DISPATCHER
from dealer.auth import signals as auth_signals
from dealer.rescue import queries
from dealer.signals import Panel
from dealer.stores.services import visible_store_ids


@auth_signals.home_panels.connect
def _rescue_board(actor, *, now, **_):
    """The board in brief for the dispatcher: open calls, waiting, free units (three queries)."""
    if not actor.has_any({RESCUE_DISPATCHER}):
        return None
    brief = queries.board(visible_store_ids(actor), with_settings=False)
    return Panel(20, Markup(render_template("rescue/_home_board.html", board=brief)))
