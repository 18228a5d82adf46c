"""Database connection settings that every connection needs."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # Foreign keys are off by default in SQLite; WAL lets the worker and the web server share it.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def register_sqlite_pragmas(app: Flask) -> None:
    """Turn on foreign keys and a busy timeout for every SQLite connection."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    from careerlink.extensions import db

    with app.app_context():
        engine: Engine = db.engine
        if not getattr(engine, "_careerlink_pragmas", False):
            event.listen(engine, "connect", _sqlite_pragmas)
            engine._careerlink_pragmas = True
