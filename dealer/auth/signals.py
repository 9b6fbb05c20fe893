"""What the auth module announces (blinker signals); the modules above it connect in their own `handlers.py`."""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

home_panels = _signals.signal("auth.home_panels", doc="""Collect the home page's panels: the day's work.

Sender: the signed-in person's `Actor`. Keywords: `now` (UTC). Each receiver returns a `Panel` (or None when
the person's roles have nothing of its module to do today): the advisor's workshop and calls, the
technician's jobs, the parts clerk's queue and low stock, the cashier's orders to settle, the manager's
figures. A receiver's queries are bounded (a fixed number, each with a LIMIT or an aggregate), whatever the
rows, and name the actor's stores. The modules still to come (rescue, quick lane, booking, membership,
customer satisfaction) put their board on the home page the same way.
""")
