"""The reminders module's part of each store's night: the reminder scan, then the greetings."""
from __future__ import annotations

from dealer.reminders.greetings import queue_greetings
from dealer.reminders.services import scan
from dealer.scheduler import nightly_task

nightly_task("reminder_scan", order=10)(scan)
nightly_task("greetings", order=20)(queue_greetings)
