"""How the outbox follows what other modules announce (connected when the app is built, see dealer.app)."""
from __future__ import annotations

from dealer.customers import signals as customer_signals
from dealer.sms.outbox import readdress_queued


@customer_signals.mobile_changed.connect
def _readdress(customer, *, old_mobile, **_):
    """A customer's new mobile: their messages not yet handed to a sender go to it."""
    readdress_queued(store_id=customer.store_id, customer_id=customer.id, old_phone=old_mobile,
                     new_phone=customer.mobile)
