"""What `flask careerlink check` verifies: the settings, the database, SMTP and Redis.

Each check answers a `Check` (a name, ok or not, and one line of detail); none raises, so one
run reports every problem at once. Nothing here writes to the database or sends mail.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import getaddresses
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flask import current_app
from sqlalchemy import text
from sqlalchemy.engine import make_url

from careerlink.database import error_reason

REDIS_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class Check:
    """The outcome of one check."""

    name: str
    ok: bool
    detail: str
    skipped: bool = False
    warning: bool = False  # ok (the exit status stays 0), but worth an administrator's look

    def line(self) -> str:
        """One line for the terminal: `name: ok (detail)` or `name: problem: detail`."""
        if self.skipped:
            return f"{self.name}: skipped ({self.detail})"
        if self.warning:
            return f"{self.name}: warning: {self.detail}"
        if self.ok:
            return f"{self.name}: ok ({self.detail})"
        return f"{self.name}: problem: {self.detail}"


def safe_url(url: str) -> str:
    """A URL without its password, to show in a report."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


def check_configuration(config: Mapping[str, Any]) -> Check:
    """The settings loaded (a bad one stops the app before this); production really sends mail.

    Two settings are valid but wrong for production, so they are reported here rather than
    refused at start: the catcher transport (emails written to files, never sent) and a sender
    at a local name (replies and calendar answers would go nowhere).
    """
    from careerlink.connections.ics import public_domain

    env = config.get("ENV_NAME", "custom")
    problems = []
    allowed = []
    if env == "production":
        if config["CAREERLINK_MAIL_TRANSPORT"] != "smtp":
            if config.get("CAREERLINK_ALLOW_MAIL_CATCHER"):
                allowed.append("mail catcher allowed: emails are written to files, not sent")
            else:
                problems.append(
                    "CAREERLINK_MAIL_TRANSPORT is catcher in production: emails are written to "
                    "files, not sent"
                )
        [(_, sender)] = getaddresses([config["MAIL_DEFAULT_SENDER"] or ""])
        if not public_domain(sender.rpartition("@")[2]):
            problems.append(f"MAIL_DEFAULT_SENDER {sender!r} is not a public address")
        if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") and config.get(
            "CAREERLINK_ALLOW_SQLITE"
        ):
            allowed.append("SQLite allowed: run one web process and one worker")
    if problems:
        return Check("configuration", False, "; ".join(problems))
    return Check("configuration", True, ", ".join([env, config["CAREERLINK_BASE_URL"], *allowed]))


def migration_heads() -> tuple[set[str], set[str]]:
    """(the database's Alembic revisions, the heads of migrations/)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from careerlink.extensions import db
    from careerlink.paths import MIGRATIONS_DIR

    script = ScriptDirectory(str(MIGRATIONS_DIR))
    table = current_app.config["CAREERLINK_ALEMBIC_VERSION_TABLE"]
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": table})
        current = set(context.get_current_heads())
    return current, set(script.get_heads())


def check_database() -> Check:
    """SELECT 1 answers, and the schema is at the newest migration."""
    from careerlink.extensions import db

    where = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(
        hide_password=True
    )
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        current, heads = migration_heads()
    except Exception as exc:  # any failure is the report's line, not a traceback
        return Check("database", False, f"cannot use {where}: {error_reason(exc)}")
    if not current:
        return Check(
            "database",
            False,
            f"{where} answers but has no migration applied; run: flask db upgrade",
        )
    if current != heads:
        return Check(
            "database",
            False,
            f"{where} is at migration {', '.join(sorted(current))}, the code needs "
            f"{', '.join(sorted(heads))}; run: flask db upgrade",
        )
    return Check("database", True, f"{where}, migrations at {', '.join(sorted(heads))}")


def check_mail(config: Mapping[str, Any], smtp: bool) -> Check:
    """The catcher's folder is writable; with `smtp`, the server answers (EHLO, TLS, login)."""
    from careerlink.mail.transports import CatcherTransport, close_smtp, open_smtp

    server = f"{config['MAIL_SERVER']}:{config['MAIL_PORT']}"
    if smtp:
        try:
            conn = open_smtp(config)
        except Exception as exc:  # refused, timed out, TLS or login refused
            detail = f"{type(exc).__name__}: {error_reason(exc)}"
            return Check("smtp", False, f"cannot talk to {server}: {detail}")
        close_smtp(conn)
        signed_in = ", signed in" if config["MAIL_USERNAME"] and config["MAIL_PASSWORD"] else ""
        return Check("smtp", True, f"{server} answered{signed_in}")
    if config["CAREERLINK_MAIL_TRANSPORT"] == "smtp":
        return Check("smtp", True, f"{server}; add --smtp to connect", skipped=True)
    try:
        folder = CatcherTransport().folder()
    except OSError as exc:
        return Check("mail", False, f"cannot create the catcher's folder: {error_reason(exc)}")
    if not os.access(folder, os.W_OK):
        return Check("mail", False, f"the catcher's folder {folder} is not writable")
    return Check("mail", True, f"catcher, messages are written to {folder}")


def redis_urls(config: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(what uses it, URL) for each configured Redis: the count cache, the rate limits."""
    found = []
    if config.get("CAREERLINK_CACHE_URL"):
        found.append(("cache", config["CAREERLINK_CACHE_URL"]))
    limits = config.get("RATELIMIT_STORAGE_URI") or ""
    if limits.split("://", 1)[0].lower() in ("redis", "rediss"):
        found.append(("rate limits", limits))
    return found


def check_redis(label: str, url: str, timeout: float = REDIS_TIMEOUT_SECONDS) -> Check:
    """PING the Redis at url."""
    name = f"redis ({label})"
    try:
        import redis
    except ImportError:
        return Check(name, False, "the redis package is missing: pip install 'careerlink[redis]'")
    client = None
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        client.ping()
    except Exception as exc:  # refused, timed out, refused password, a malformed URL
        return Check(name, False, f"cannot reach {safe_url(url)}: {error_reason(exc)}")
    finally:
        if client is not None:
            client.close()
    return Check(name, True, safe_url(url))


def rate_limit_warning(config: Mapping[str, Any]) -> str | None:
    """Why the rate limits will not hold in production, or None.

    In-memory counters live in each process: with 4 gunicorn workers an attacker gets about
    4 times the limit (and a fresh count after every restart). Valid for one process, so a
    warning (at start and in `check`), not a refusal.
    """
    if config.get("ENV_NAME") != "production" or not config.get("RATELIMIT_ENABLED"):
        return None
    storage = (config.get("RATELIMIT_STORAGE_URI") or "memory://").split("://", 1)[0].lower()
    if storage != "memory":
        return None
    return (
        "rate limits are counted in each process's memory (CAREERLINK_RATELIMIT_STORAGE_URI="
        "memory://): with several gunicorn workers or machines each counts alone, so sign-in "
        "allows several times its limit; set CAREERLINK_RATELIMIT_STORAGE_URI=redis://... "
        "(pip install 'careerlink[server]')"
    )


def check_rate_limits(config: Mapping[str, Any]) -> Check | None:
    """A warning line when the rate limits will not hold across processes (else nothing)."""
    warning = rate_limit_warning(config)
    if warning is None:
        return None
    return Check("rate limits", True, warning, warning=True)


def run_checks(smtp: bool = False) -> list[Check]:
    """Every check, in order."""
    config = current_app.config
    checks = [check_configuration(config), check_database(), check_mail(config, smtp)]
    limits = check_rate_limits(config)
    if limits is not None:
        checks.append(limits)
    checks += [check_redis(label, url) for label, url in redis_urls(config)]
    return checks
