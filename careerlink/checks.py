"""What `flask careerlink check` verifies: the settings, the database, SMTP and Redis.

Each check answers a `Check` (a name, ok or not, and one line of detail); none raises, so one
run reports every problem at once. Nothing here writes anything.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flask import current_app
from sqlalchemy import text
from sqlalchemy.engine import make_url

REDIS_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class Check:
    """The outcome of one check."""

    name: str
    ok: bool
    detail: str
    skipped: bool = False

    def line(self) -> str:
        """One line for the terminal: `name: ok (detail)` or `name: problem: detail`."""
        if self.skipped:
            return f"{self.name}: skipped ({self.detail})"
        if self.ok:
            return f"{self.name}: ok ({self.detail})"
        return f"{self.name}: problem: {self.detail}"


def reason(exc: BaseException) -> str:
    """The first line of what went wrong (a driver's error, not SQLAlchemy's wrapping)."""
    cause = getattr(exc, "orig", None) or exc
    text_ = " ".join(str(cause).split("\n")[0].split())
    return text_ or type(cause).__name__


def safe_url(url: str) -> str:
    """A URL without its password, to show in a report."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


def check_configuration(config: Mapping[str, Any]) -> Check:
    """The settings loaded (a bad one stops the app before this); say which environment."""
    env = config.get("ENV_NAME", "custom")
    return Check("configuration", True, f"{env}, {config['CAREERLINK_BASE_URL']}")


def migration_heads() -> tuple[set[str], set[str]]:
    """(the database's Alembic revisions, the heads of migrations/)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from careerlink.extensions import db
    from careerlink.paths import MIGRATIONS_DIR

    script = ScriptDirectory(str(MIGRATIONS_DIR))
    with db.engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
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
        return Check("database", False, f"cannot use {where}: {reason(exc)}")
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
            detail = f"{type(exc).__name__}: {reason(exc)}"
            return Check("smtp", False, f"cannot talk to {server}: {detail}")
        close_smtp(conn)
        signed_in = ", signed in" if config["MAIL_USERNAME"] and config["MAIL_PASSWORD"] else ""
        return Check("smtp", True, f"{server} answered{signed_in}")
    if config["CAREERLINK_MAIL_TRANSPORT"] == "smtp":
        return Check("smtp", True, f"{server}; add --smtp to connect", skipped=True)
    try:
        folder = CatcherTransport().folder()
    except OSError as exc:
        return Check("mail", False, f"cannot create the catcher's folder: {reason(exc)}")
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
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    except Exception as exc:  # refused, timed out, refused password
        return Check(name, False, f"cannot reach {safe_url(url)}: {reason(exc)}")
    finally:
        client.close()
    return Check(name, True, safe_url(url))


def run_checks(smtp: bool = False) -> list[Check]:
    """Every check, in order."""
    config = current_app.config
    checks = [check_configuration(config), check_database(), check_mail(config, smtp)]
    checks += [check_redis(label, url) for label, url in redis_urls(config)]
    return checks
