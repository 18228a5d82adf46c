"""Database setup and the one unit of work: services flush, `transaction()` commits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from careerlink.extensions import db


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


def import_models() -> None:
    """Import every model module so that metadata (and Alembic) sees every table."""
    import careerlink.accounts.models  # noqa: F401
    import careerlink.connections.models  # noqa: F401
    import careerlink.mail.models  # noqa: F401
    import careerlink.mentors.models  # noqa: F401


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
    cursor.close()


def register_sqlite_pragmas(app: Flask) -> None:
    """Turn on foreign keys and a busy timeout for every SQLite connection of this app."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine: Engine = db.engine
        if not getattr(engine, "_careerlink_pragmas", False):
            event.listen(engine, "connect", _sqlite_pragmas)
            engine._careerlink_pragmas = True
