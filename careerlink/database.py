"""Database setup and the one unit of work: services flush, `transaction()` commits."""

from __future__ import annotations

import contextvars
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from careerlink.extensions import db


def run_for_dialect(
    connection, *, sqlite: Callable[[], list[str]], postgresql: Callable[[], list[str]]
) -> None:
    """Run the statements that this connection's database needs (each argument gives that
    dialect's list); nothing on another database. For the triggers and functions that keep
    derived tables, which SQLite and PostgreSQL write differently."""
    make = {"sqlite": sqlite, "postgresql": postgresql}.get(connection.dialect.name)
    for statement in make() if make is not None else []:
        connection.execute(text(statement))


def update_where_different(connection, table: str, values: dict[str, str]) -> None:
    """`UPDATE table SET column = sql, ...` on the rows where any value differs only.

    For recomputing derived columns: a row already right is not written again (on
    PostgreSQL every write is a new row version and an entry in each of its indexes).
    """
    distinct = "IS DISTINCT FROM" if connection.dialect.name == "postgresql" else "IS NOT"
    assignments = ", ".join(f"{column} = {sql}" for column, sql in values.items())
    differs = " OR ".join(f"{column} {distinct} ({sql})" for column, sql in values.items())
    connection.execute(text(f"UPDATE {table} SET {assignments} WHERE {differs}"))


@contextmanager
def transaction() -> Iterator[None]:
    """Commit once if the block finishes; roll back if it raises (and re-raise).

    The only place CareerLink commits: a web request through `web.actions.perform`, a CLI
    command or each batch of a worker. Services inside the block flush, never commit.
    """
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def rollback() -> None:
    """Discard the current unit of work (an error page, a skipped batch item)."""
    db.session.rollback()


def is_outage(exc: BaseException) -> bool:
    """True for a lost or refused database connection (a restart, a failover, a network cut).

    SQLite's operational errors (a locked or missing file, a missing table) count too: like an
    outage, they are the database's state, not a bug in a query.
    """
    return isinstance(exc, OperationalError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )


def error_reason(exc: BaseException) -> str:
    """The first line of what went wrong: the driver's message, not SQLAlchemy's wrapping."""
    cause = getattr(exc, "orig", None) or exc
    first = " ".join(str(cause).split("\n")[0].split())
    return first or type(cause).__name__


def import_models() -> None:
    """Import every model module so that metadata (and Alembic) sees every table."""
    import careerlink.accounts.models  # noqa: F401
    import careerlink.api.models  # noqa: F401
    import careerlink.api.webhooks.events  # noqa: F401  (writes webhook events after each flush)
    import careerlink.audit.models  # noqa: F401
    import careerlink.connections.models  # noqa: F401
    import careerlink.mail.models  # noqa: F401
    import careerlink.mentors.imports.models  # noqa: F401
    import careerlink.mentors.models  # noqa: F401
    import careerlink.openings.models  # noqa: F401
    import careerlink.programme.models  # noqa: F401


def unicode_lower(value):
    """lower() as PostgreSQL and Python have it: every script, not ASCII alone (SQLite's)."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).lower()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # SQLite's built-in lower() folds ASCII only: a filter on the city "Évry" (lower(city) =
    # 'évry') found nothing on SQLite while PostgreSQL found the alumna. Python's replaces it.
    dbapi_connection.create_function("lower", 1, unicode_lower, deterministic=True)
    cursor = dbapi_connection.cursor()
    # Foreign keys are off by default in SQLite; WAL lets the worker and the web server share it.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _sqlite_begin_before_savepoint(connection, _name) -> None:
    # pysqlite opens a transaction only before INSERT/UPDATE/DELETE, so a SAVEPOINT issued
    # before the first write opened none, and releasing it committed at once: the caller's
    # rollback could not undo it. Beginning first makes savepoints nest as on PostgreSQL.
    # (Only here: a BEGIN before every read would hold a read lock that stalls other writers.)
    if not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")


def register_sqlite_pragmas(app: Flask) -> None:
    """Foreign keys, a busy timeout, WAL and real transactions for every SQLite connection."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine: Engine = db.engine
        if not getattr(engine, "_careerlink_pragmas", False):
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "savepoint", _sqlite_begin_before_savepoint)
            engine._careerlink_pragmas = True


# Only `flask db upgrade` (migrations/env.py) may create the default SQLite file.
_creating_database: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "careerlink_creating_database", default=False
)
NO_DATABASE_FILE = (
    "the database file does not exist (DATABASE_URL is not set, so this is the development "
    "default); run `flask db upgrade` to create it, or give the command the service's "
    "environment (DATABASE_URL)"
)


@contextmanager
def creating_database() -> Iterator[None]:
    """Within this block the default SQLite file may be created (migrations do it)."""
    token = _creating_database.set(True)
    try:
        yield
    finally:
        _creating_database.reset(token)


def register_default_database_guard(app: Flask) -> None:
    """Refuse to create the implicit SQLite file anywhere but in `flask db upgrade`.

    A command run without its environment (cron, a timer) falls back to the development
    default; it must say so in one line, not create an empty database and fail inside it.
    The refusal is SQLite's own error type, so it reads like any unreachable database.
    """
    if not app.config.get("CAREERLINK_DEFAULT_DATABASE"):
        return
    path = Path(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database)

    def refuse_a_new_file(_dialect, _record, _cargs, _cparams):
        if path.exists():
            return
        if not _creating_database.get():
            raise sqlite3.OperationalError(NO_DATABASE_FILE)
        path.parent.mkdir(parents=True, exist_ok=True)

    with app.app_context():
        event.listen(db.engine, "do_connect", refuse_a_new_file)
