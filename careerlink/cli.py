"""`flask careerlink ...` commands: thin wrappers over the services.

Each command is a unit of work: it runs its services inside `with transaction():` (the
worker commits per claim and per message, see careerlink.mail.worker). A service's refusal
(DomainError) becomes a ClickException in one place, the group below, so every command, the
domains' included, answers "Error: <message>" with exit status 1 and writes nothing. So does
a database that cannot be reached: one line naming it and the cause, not a traceback.
"""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import ScriptInfo, with_appcontext
from flask_babel import gettext as _
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from careerlink.database import error_reason, is_outage, transaction
from careerlink.errors import DomainError, NotAllowed
from careerlink.permissions import Role
from careerlink.workers import echo_batch, echo_status, worker_options


def database_problem(ctx: click.Context, exc: DBAPIError) -> str:
    """One line: which database (password hidden) and the driver's reason."""
    info = ctx.find_object(ScriptInfo)  # the command's app context is gone by now
    url = info.load_app().config["SQLALCHEMY_DATABASE_URI"] if info else None
    where = f" {make_url(url).render_as_string(hide_password=True)}" if url else ""
    return f"cannot use the database{where}: {error_reason(exc)}"


class CareerLinkGroup(click.Group):
    """A command group that answers a DomainError as a ClickException (its message, exit 1)."""

    def invoke(self, ctx: click.Context):
        """Run the command; a refusal or an unreachable database is one line, not a traceback."""
        try:
            return super().invoke(ctx)
        except DomainError as err:
            raise click.ClickException(err.message) from None
        except DBAPIError as err:
            if not is_outage(err):
                raise  # a bug in a query stays a traceback
            raise click.ClickException(database_problem(ctx, err)) from None


@click.group("careerlink", cls=CareerLinkGroup)
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
    from careerlink.accounts.sso.roles import RoleChanges
    from careerlink.audit import record_role_changes

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(_("Password"), hide_input=True, confirmation_prompt=True)
    display_name = name or email.split("@", 1)[0]
    with transaction():
        user = create_user(email, display_name, password, [Role(r) for r in roles], verified=True)
        record_role_changes(user, RoleChanges(tuple(user.roles), ()), detail="command line")
        granted = ", ".join(sorted(r.value for r in user.roles))
    click.echo(_("Created %(email)s with roles: %(roles)s", email=user.email, roles=granted))


@careerlink_cli.group("mail")
def mail_cli():
    """The email outbox."""


@mail_cli.command("send")
@worker_options("Keep running, polling for due messages.")
@with_appcontext
def mail_send_command(loop, batch, interval):
    """Deliver due outbox messages (at least once) with retries and backoff.

    With --loop it keeps going through database outages (waiting 1 s, then longer, up to 60 s).
    """
    from careerlink.mail import worker

    worker.run(batch=batch, loop=loop, interval=interval, report=echo_batch)


@mail_cli.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print what /healthz/worker answers.")
@with_appcontext
def mail_status_command(as_json):
    """The queue, the oldest due message and the worker's last pass; exit 1 when it is late."""
    from careerlink.mail.health import worker_health

    echo_status(
        worker_health(),
        as_json,
        never=_(
            "status: late: mail is due and no pass was ever recorded; is `flask "
            "careerlink mail send --loop` running?"
        ),
        since=_(
            "status: late: mail is due and the last pass was %(ago)s ago (more than "
            "CAREERLINK_WORKER_LATE_SECONDS=%(limit)s); is `flask careerlink mail send "
            "--loop` running?"
        ),
    )


@careerlink_cli.command("check")
@click.option("--smtp", is_flag=True, help="Also connect to the SMTP server (EHLO, TLS, login).")
@with_appcontext
def check_command(smtp):
    """Check the settings, the database and its migrations, SMTP and Redis; exit 1 on a problem."""
    from careerlink.checks import run_checks

    checks = run_checks(smtp=smtp)
    for check in checks:
        click.echo(check.line())
    if not all(c.ok for c in checks):
        raise SystemExit(1)


def load_demo(password: str) -> list[str]:
    """Load every domain's demo data (idempotent); return the lines to print.

    Each domain is committed before the next starts: the directory's demo gives profiles to the
    demo alumni, and the requests' demo needs both the accounts and the profiles.
    """
    from careerlink.accounts.demo import load_account_demo
    from careerlink.connections.demo import load_requests_demo
    from careerlink.mentors.demo import load_mentor_demo
    from careerlink.openings.demo import load_openings_demo

    if current_app.config.get("ENV_NAME") == "production":
        # Every demo account, an admin among them, has a password printed in the README.
        raise NotAllowed(
            _(
                "the demo data is not loaded in production (CAREERLINK_ENV=production): its "
                "accounts, an admin among them, have a public password"
            )
        )
    lines: list[str] = []
    loads = (
        lambda: load_account_demo(password),
        load_mentor_demo,
        load_requests_demo,
        load_openings_demo,
    )
    for load in loads:
        with transaction():
            lines.extend(load())
    return lines


@careerlink_cli.command("demo")
@click.option("--password", default="careerlink-demo", show_default=True)
@with_appcontext
def demo_command(password):
    """Load demo users (idempotent) and print how to sign in."""
    for line in load_demo(password):
        click.echo(line)


def _add_domain_commands() -> None:
    """Each domain keeps its commands beside its services; they hang off this group."""
    from careerlink.accounts.privacy_cli import privacy_cli
    from careerlink.accounts.sso.cli import sso_cli
    from careerlink.api.cli import webhooks_cli
    from careerlink.audit.cli import audit_cli
    from careerlink.connections.cli import requests_cli
    from careerlink.mentors.cli import profiles_cli
    from careerlink.mentors.imports.cli import alumni_cli
    from careerlink.openings.cli import openings_cli
    from careerlink.staff.reports.cli import reports_cli

    careerlink_cli.add_command(profiles_cli)
    careerlink_cli.add_command(alumni_cli)
    careerlink_cli.add_command(requests_cli)
    careerlink_cli.add_command(sso_cli)
    careerlink_cli.add_command(webhooks_cli)
    careerlink_cli.add_command(audit_cli)
    careerlink_cli.add_command(privacy_cli)
    careerlink_cli.add_command(openings_cli)
    careerlink_cli.add_command(reports_cli)


_add_domain_commands()
