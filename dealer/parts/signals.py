"""What the parts module asks of the modules that build on it (blinker signals).

Parts knows no repair order: a stock move may name one (`order_id`, `line_id`), and the part page shows the
lines holding the part, through the receivers the repair module connects.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

name_orders = _signals.signal("parts.name_orders", doc="""Name the orders stock moves point at.

Sender: the part. Keywords: `order_ids` (a set of ids). Each receiver returns a dict {order id: number}.
""")

part_page_panels = _signals.signal("parts.part_page_panels", doc="""Collect sections of a part's page.

Sender: the part. Keywords: `actor`, `can_write` (the person keeps stock). Each receiver returns a
`dealer.signals.Panel` or None to show nothing.
""")

