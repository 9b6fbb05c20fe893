"""`flask --app dealer reminders scan --date YYYY-MM-DD`: run the nightly scan by hand."""
from datetime import date

import click
from flask.cli import AppGroup

from dealer.database import utcnow

reminders_cli = AppGroup("reminders", help="Inspection, insurance and maintenance reminders.")


@reminders_cli.command("scan")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day to scan for (default: today at the stores).")
def scan_command(day):
    """Create the reminders due on a day and queue their SMS (what runs every night at 02:00)."""
    from zoneinfo import ZoneInfo

    from flask import current_app

    from dealer.reminders.services import scan

    now = utcnow()
    scan_day: date = day.date() if day else now.astimezone(
        ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()
    report = scan(day=scan_day, now=now)
    click.echo(f"{scan_day.isoformat()}: {report.reminders} reminders, {report.messages} messages queued "
               f"({', '.join(f'{k}={v}' for k, v in sorted(report.per_kind.items())) or 'none'}) "
               f"in {report.batches} batches")


@reminders_cli.command("refresh")
@click.option("--store", "store_code", default=None, help="Only this store's vehicles.")
def refresh_command(store_code):
    """Recompute every vehicle's inspection and maintenance due dates (after an upgrade or a rule change)."""
    from dealer.reminders.services import refresh_all_due_dates

    count = refresh_all_due_dates(now=utcnow(), store_code=store_code)
    click.echo(f"{count} vehicles refreshed")
