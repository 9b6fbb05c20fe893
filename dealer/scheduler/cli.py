"""`flask --app dealer scheduler run`: a process that runs the scheduled jobs (one active per deployment)."""
import signal
import threading

import click
from flask import current_app
from flask.cli import AppGroup

from dealer.scheduler import SchedulerRunner

scheduler_cli = AppGroup("scheduler", help="Scheduled jobs.")


@scheduler_cli.command("run")
def run_command():
    """Compete for the scheduler lease and run the jobs until stopped (Ctrl-C or SIGTERM)."""
    runner = SchedulerRunner(current_app._get_current_object()).start()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    click.echo(f"scheduler candidate {runner.holder} running; Ctrl-C to stop")
    stop.wait()
    runner.stop()
