"""What the SMS module asks of the modules that build on it (blinker signals; receivers in their handlers.py)."""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

count_reminder_visits = _signals.signal("sms.count_reminder_visits", doc="""Count the month's reminded vehicles that came in.

Sender: the store. Keywords: `start`, `end` (the month's first day and the next month's, store dates),
`t0`, `t1` (the same as aware datetimes in the store's zone). The receiver returns (reminded, came_in):
the vehicles reminded by SMS in the month and how many of them came in within 30 days.
""")
