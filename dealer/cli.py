"""Command-line commands: create-user, seed-demo (and each module's group)."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from dealer import static_files
from dealer.actors import ROLES, SYSTEM
from dealer.auth import services
from dealer.demo import seed_demo_command
from dealer.errors import DomainError
from dealer.reminders.cli import reminders_cli
from dealer.scheduler.cli import scheduler_cli
from dealer.sms.cli import sms_cli


def register_commands(app: Flask) -> None:
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(build_static_command)
    for group in (sms_cli, reminders_cli, scheduler_cli):
        app.cli.add_command(group)


@click.command("create-user")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES),
              help="A role; repeat for several.")
@click.option("--store", "store_code", default=None, help="The store's code; omit for a group-level account.")
@click.option("--full-name", default="", help="The person's name as shown in the app.")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the password from standard input.")
@with_appcontext
def create_user_command(username, roles, store_code, full_name, password_stdin):
    """Create a staff account (the first admin of a new deployment comes from here)."""
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        store_id = services.find_store_by_code(store_code).id if store_code else None
        user = services.create_user(username, password=password, roles=list(roles), store_id=store_id,
                                    actor=SYSTEM, full_name=full_name)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from None
    click.echo(f"Created {user.username} ({', '.join(sorted(user.role_names))}) "
               f"{'at ' + store_code if store_code else 'group-level'}.")


@click.command("build-static")
@with_appcontext
def build_static_command():
    """Give the static files content-hashed names and brotli and gzip twins (`make assets` runs this)."""
    manifest = static_files.build(Path(current_app.static_folder))
    click.echo(f"{len(manifest)} static files hashed and compressed into {current_app.static_folder}.")
