"""The booking module's scheduled work: the reminder SMS of tomorrow's bookings, in each store's night."""
from __future__ import annotations

from dealer.booking.owner import remind_tomorrow
from dealer.scheduler import nightly_task

# 02:00 at the store: the outbox holds the messages until quiet hours end, so owners get them in the morning.
nightly_task("booking_reminders", order=40)(remind_tomorrow)
