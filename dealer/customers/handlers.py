"""How the customers module shows its part of the pages of the modules below it (connected in dealer.app)."""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from dealer.actors import CUSTOMER_READERS, TECHNICIAN
from dealer.auth import signals as auth_signals
from dealer.signals import Panel

# The desk roles find a car or a caller first; the technician's home is their jobs, on a tablet.
SEARCHERS = CUSTOMER_READERS - {TECHNICIAN}


@auth_signals.home_panels.connect
def _search_box(actor, **_):
    """The front-desk search (一框搜索), on top of the home page: no query until something is typed."""
    if not actor.has_any(SEARCHERS):
        return None
    return Panel(0, Markup(render_template("customers/_home_search.html")))
