"""The database a benchmark works in: a private PostgreSQL schema, or a SQLite file."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text


def pg_url(url: str) -> str:
    """A postgresql:// URL with the psycopg (3) driver named, as SQLAlchemy wants it."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@contextmanager
def private_database(
    database_url: str | None,
    sqlite_path: Path,
    prefix: str,
    *,
    keep: bool = False,
    schema: str | None = None,
) -> Iterator[tuple[str, dict, str | None, str]]:
    """(url, engine options, schema, where) of a database of the benchmark's own.

    With a PostgreSQL URL, a schema `<prefix>_<random>` that is dropped afterwards (unless
    `keep`), or the existing `schema` given (kept); otherwise the SQLite file `sqlite_path`
    (schema None), left for the caller.
    """
    if not database_url:
        yield f"sqlite:///{sqlite_path}", {}, None, str(sqlite_path)
        return
    url = pg_url(database_url)
    admin = create_engine(url)
    if schema:  # a schema kept from an earlier run: reused, and kept again
        keep = True
    else:
        schema = f"{prefix}_{uuid.uuid4().hex[:8]}"
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        options = {"connect_args": {"options": f"-csearch_path={schema}"}}
        yield url, options, schema, f"schema {schema}"
    finally:
        if not keep:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
