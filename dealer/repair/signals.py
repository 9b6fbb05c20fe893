"""What the repair module announces (blinker signals); other modules connect in their own `handlers.py`.

Every signal is sent inside the service's transaction, before it commits: a handler's writes (an SMS in
the outbox, a reminder closed, a follow-up opened) commit or roll back with the order's change, and a
handler that raises refuses the whole step. Handlers never commit.

The sender is the order (`RepairOrder`); keyword arguments are named with each signal.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

order_opened = _signals.signal("repair.order_opened", doc="""An order was opened (接车).

Sender: the order. Keywords: `actor`, `now`. The order's `source` says where it came from (the front
desk, a booking's check-in, a rescue's tow-in, a quick-lane package).
""")

order_delivered = _signals.signal("repair.order_delivered", doc="""The car was handed back to the owner (交车).

Sender: the order. Keywords: `actor`, `now`, `vehicle` (the order's vehicle, loaded). Follow-ups (回访)
hang on this; a maintenance order ends the maintenance reminders through it.
""")

extra_work_declined = _signals.signal("repair.extra_work_declined", doc="""The owner declined extra work (增项), at the
desk, on the phone, in the quick lane or online.

Sender: the order (locked). Keywords: `jobs` (the declined jobs, with their lines), `actor`, `now`. Reminders
keeps each as a declined-work reminder for the vehicle, so the call list brings it back later.
""")

comeback_confirmed = _signals.signal("repair.comeback_confirmed", doc="""A job was confirmed a comeback (返修) of an earlier job.

Sender: the order of the comeback (locked). Keywords: `job`, `earlier_order` (the order of the earlier job, whose
first-time fix it undoes, perhaps months after it was settled), `actor`, `now`. Customer satisfaction marks the
earlier order's month of its five assurances' roll-up stale.
""")

order_settled = _signals.signal("repair.order_settled", doc="""The bill was paid and the order locked (结算).

Sender: the order, with its stored totals set. Keywords: `actor`, `now`.
""")

order_reversed = _signals.signal("repair.order_reversed", doc="""A settled order was reversed (红冲).

Sender: the original order. Keywords: `reversal` (the reversing order, negative totals), `actor`, `now`.
""")

statement_panels = _signals.signal("repair.statement_panels", doc="""Collect the settlement statement's sections.

Sender: the order (with ORDER_LOADS). Keywords: `actor`. Each receiver returns a `dealer.signals.Panel` or
None: the membership module shows the owner's tier discount, points earned and redeemed and the card's
payment and balance on the statement (结算单) without repair knowing it.
""")

month_panels = _signals.signal("repair.month_panels", doc="""Collect sections of a store's month for the operations dashboard.

Sender: the store. Keywords: `actor`, `start`, `end` (the month's UTC bounds, end excluded), `sheets` (True: the
dashboard's Excel asks, and the panel's `sheets` are all it needs; False: the page, its `html` only). Each receiver
returns a `dealer.signals.Panel` or None, built from a fixed number of grouped queries: booking shows the month's
bookings and no-shows, membership its members, points, stored value and the month's campaign results, on
satisfaction's dashboard (服务运营), which sits below both in the layers and so cannot read them. A panel's `sheets`
give the same tables as rows (title, header, rows): the dashboard's Excel writes a sheet for each.
""")

order_panels = _signals.signal("repair.order_panels", doc="""Collect sections of an order's page (维修工单).

Sender: the order (with ORDER_LOADS). Keywords: `actor`. Each receiver returns a `dealer.signals.Panel` or None,
without a query unless the order is its own (rescue shows a tow-in's accident claim and its state).
""")
