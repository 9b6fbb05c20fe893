"""What the customers module announces (blinker signals); other modules connect in their own `handlers.py`.

Sent inside the service's transaction, before it commits: a receiver's writes commit or roll back with
the change, and a receiver that raises refuses it. Receivers never commit.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

mobile_changed = _signals.signal("customers.mobile_changed", doc="""A customer's mobile changed.

Sender: the customer (with the new mobile). Keywords: `old_mobile`. The outbox readdresses their
queued messages through it.
""")

advisor_changed = _signals.signal("customers.advisor_changed", doc="""A customer was given another advisor (一对一).

Sender: the customer (with the new advisor_id). Keywords: `old_advisor_id`. The reminders go with the
customer to the new advisor's call list through it.
""")

vehicle_changed = _signals.signal("customers.vehicle_changed", doc="""A vehicle was registered, corrected or read.

Sender: the vehicle. Keywords: `today` (the store's date). Sent after a new vehicle, a correction of its
details and a new odometer reading; the reminders recompute its due dates through it.
""")

vehicle_transferred = _signals.signal("customers.vehicle_transferred", doc="""A vehicle changed owner (过户).

Sender: the vehicle (with its new owner). Keywords: `new_owner`, `old_owner_id`, `now`. The vehicle's
standing reminders and their unsent SMS follow the new owner through it.
""")

customer_file_panels = _signals.signal("customers.customer_file_panels", doc="""Collect the customer file's sections.

Sender: the customer. Keywords: `actor`. Each receiver returns a `Panel` (or None to show nothing):
the modules that build on customers (SMS, repair visits, and later membership, feedback and complaints)
show their part of the customer file (客户档案) without the customers module knowing them.
""")

vehicle_page_panels = _signals.signal("customers.vehicle_page_panels", doc="""Collect the vehicle page's sections.

Sender: the vehicle. Keywords: `actor`. Each receiver returns a `Panel` or None.
""")
