"""`flask --app dealer sms send`: run the sender job by hand."""
import click
from flask import current_app
from flask.cli import AppGroup

from dealer.database import utcnow
from dealer.sms.gateway import gateway_from_config
from dealer.sms.sender import expire_leases, send_due

sms_cli = AppGroup("sms", help="The SMS outbox.")


@sms_cli.command("send")
@click.option("--batches", default=100, show_default=True, help="Stop after this many batches of 100.")
def send_command(batches: int):
    """Send every message that is due now (what the scheduler does every 15 seconds)."""
    expire_leases(now=utcnow())
    gateway = gateway_from_config(current_app.config)
    totals = {"claimed": 0, "sent": 0, "failed": 0, "retried": 0, "deferred": 0}
    for _ in range(batches):
        report = send_due(gateway=gateway, now_fn=utcnow)
        for key in totals:
            totals[key] += getattr(report, key)
        if report.gateway_down:
            click.echo("The SMS gateway cannot be reached; the messages stay queued.", err=True)
            break
        if report.claimed == 0:
            break
    click.echo(" ".join(f"{key}={value}" for key, value in totals.items()))
