"""The quick lane's scheduled job: remind the stores whose lane day is not closed by their close-by time."""
from __future__ import annotations

from dealer.database import utcnow
from dealer.quicklane.services.reminders import remind_to_close_day
from dealer.scheduler import job


# Every 5 minutes: each store's close-by time is its own (in its own time zone); a store is reminded once a day.
# It writes only when it reminds (no needless writer on the embedded SQLite database).
@job("quick_lane_close_day_reminder", trigger="cron", minute="*/5")
def close_day_reminder_job():
    """Remind each store whose lane day is not closed by its close-by time (once per store and day)."""
    return remind_to_close_day(now=utcnow())
