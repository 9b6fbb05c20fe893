"""What the rescue module announces (blinker signals); other modules connect in their own `handlers.py`.

Sent inside the service's transaction, before it commits, as repair's signals are: a handler's writes commit
or roll back with the call's step, and handlers never commit.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

call_completed = _signals.signal("rescue.call_completed", doc="""A rescue job was finished (救援完成).

Sender: the call (`RescueCall`, locked; its `customer_id` is set, since dispatch files an unknown caller).
Keywords: `actor` (None when the crew marked it from their link), `now`. Sent once per call: a repeated tap
does not send it again. Follow-ups (回访) of rescues hang on this.
""")
