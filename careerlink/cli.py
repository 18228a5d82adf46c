"""`flask careerlink ...` commands: thin wrappers over the services."""

from __future__ import annotations

import sys
import time

import click
from flask.cli import with_appcontext

from careerlink.errors import DomainError
from careerlink.extensions import db
from careerlink.permissions import Role


@click.group("careerlink")
def careerlink_cli():
    """CareerLink administration commands."""


@careerlink_cli.command("create-user")
@click.argument("email")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="A role to grant; repeat for several.",
)
@click.option("--name", default=None, help="Display name (defaults to the part before @).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_user_command(email, roles, name, password_stdin):
    """Create a verified user with the given roles."""
    from careerlink.accounts.services import create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    display_name = name or email.split("@", 1)[0]
    try:
        user = create_user(email, display_name, password, [Role(r) for r in roles], verified=True)
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        raise click.ClickException(err.message) from None
    click.echo(f"Created {user.email} with roles: {', '.join(sorted(r.value for r in user.roles))}")


@careerlink_cli.group("mail")
def mail_cli():
    """The email outbox."""


@mail_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep running, polling for due messages.")
@click.option("--batch", default=50, show_default=True, type=click.IntRange(1, 1000))
@click.option("--interval", default=5.0, show_default=True, help="Seconds between polls.")
@with_appcontext
def mail_send_command(loop, batch, interval):
    """Deliver due outbox messages (at least once) with retries and backoff."""
    from careerlink.mail.services import send_due

    while True:
        while True:
            result = send_due(batch=batch)
            if result.claimed:
                click.echo(
                    f"sent {result.sent}, will retry {result.retried}, failed {result.failed}"
                )
                for error in result.errors:
                    click.echo(f"  {error}", err=True)
            if result.claimed < batch:
                break
        if not loop:
            break
        time.sleep(interval)


@careerlink_cli.command("demo")
@click.option("--password", default="careerlink-demo", show_default=True)
@with_appcontext
def demo_command(password):
    """Load demo users (idempotent) and print how to sign in."""
    from careerlink.demo import load_demo

    lines = load_demo(password)
    for line in lines:
        click.echo(line)


def _add_domain_commands() -> None:
    """Each domain keeps its commands beside its services; they hang off this group."""
    from careerlink.connections.cli import requests_cli
    from careerlink.mentors.cli import profiles_cli

    careerlink_cli.add_command(profiles_cli)
    careerlink_cli.add_command(requests_cli)


_add_domain_commands()
