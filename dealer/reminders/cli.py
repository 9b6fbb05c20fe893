"""`flask --app dealer reminders scan|greetings --date YYYY-MM-DD`: run the nightly tasks by hand."""
import click
from flask.cli import AppGroup

from dealer.database import utcnow
from dealer.reminders.greetings import queue_greetings
from dealer.reminders.services import refresh_all_due_dates, scan

reminders_cli = AppGroup("reminders", help="Inspection, insurance and maintenance reminders; greetings.")

DATE_OPTION = click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                           help="The day to run for (default: each store's own date, in its time zone).")
WORKERS_OPTION = click.option("--workers", type=click.IntRange(1, 32), default=1, show_default=True,
                              help="Stores run side by side, each in its own thread and connection (the nightly "
                                   "job uses NIGHTLY_WORKERS).")


@reminders_cli.command("scan")
@DATE_OPTION
@WORKERS_OPTION
def scan_command(day, workers):
    """Create the reminders due on a day and queue their SMS (what runs every night at 02:00, store time)."""
    report = scan(day=day.date() if day else None, now=utcnow(), workers=workers)
    days = ", ".join(sorted({d.isoformat() for d in report.days.values()})) or "no active store"
    click.echo(f"{days}: {report.reminders} reminders, {report.messages} messages queued "
               f"({', '.join(f'{k}={v}' for k, v in sorted(report.per_kind.items())) or 'none'}), "
               f"{report.rolled} inspection dates rolled on, in {report.batches} batches")


@reminders_cli.command("greetings")
@DATE_OPTION
@WORKERS_OPTION
def greetings_command(day, workers):
    """Queue the day's birthday and holiday greetings to owners who consented (runs nightly after the scan)."""
    report = queue_greetings(day=day.date() if day else None, now=utcnow(), workers=workers)
    click.echo(f"{report.messages} greetings queued "
               f"({', '.join(f'{k}={v}' for k, v in sorted(report.per_occasion.items())) or 'none'})")


@reminders_cli.command("refresh")
@click.option("--store", "store_code", default=None, help="Only this store's vehicles.")
def refresh_command(store_code):
    """Recompute every vehicle's inspection and maintenance due dates (after an upgrade or a rule change)."""
    count = refresh_all_due_dates(now=utcnow(), store_code=store_code)
    click.echo(f"{count} vehicles refreshed")
