"""Requests counted per month: what the reports read instead of scanning every request.

`careerlink_request_counts` holds, per calendar month (UTC) of a request's creation, its kind,
its state, whether it was relayed and its industry (0 for none), how many requests there are.
Database triggers on `careerlink_requests` keep it: an insert adds one, a delete takes one
away, and an update that changes any of those five moves one from the old key to the new, in
the statement's own transaction. Triggers rather than Python hooks because requests change
outside `ConnectionRequest.apply` too (an industry merge's bulk UPDATE, the foreign key's SET
NULL when an industry goes, migrations, bulk loads); an UPSERT keeps concurrent writers exact on
PostgreSQL, and SQLite has one writer at a time. `rebuild()` recomputes the whole table from the
requests (`flask careerlink reports rebuild`); migration 0016 creates the triggers and fills it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, Integer, String, event, text
from sqlalchemy.orm import Mapped, mapped_column

from careerlink.database import run_for_dialect
from careerlink.extensions import db

REQUESTS = "careerlink_requests"
COUNTS = "careerlink_request_counts"
KEY = "month, kind, state, relayed, industry_id"
# What fires the triggers: the columns of the key.
KEY_SOURCES = "created_at, kind, state, relayed_at, industry_id"


class RequestCount(db.Model):
    """How many requests were made in one month with one kind, state, relay and industry."""

    __tablename__ = COUNTS

    month: Mapped[date] = mapped_column(Date, primary_key=True)  # its first day
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    state: Mapped[str] = mapped_column(String(30), primary_key=True)
    relayed: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    # 0 for a request without an industry (a key column cannot be NULL).
    industry_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer, nullable=False)


def _sqlite_key(row: str) -> str:
    return (
        f"strftime('%Y-%m-01', {row}.created_at), {row}.kind, {row}.state, "
        f"{row}.relayed_at IS NOT NULL, coalesce({row}.industry_id, 0)"
    )


def _pg_key(row: str) -> str:
    return (
        f"date_trunc('month', {row}.created_at AT TIME ZONE 'UTC')::date, {row}.kind, "
        f"{row}.state, {row}.relayed_at IS NOT NULL, coalesce({row}.industry_id, 0)"
    )


def _matches(key: str) -> str:
    """`(month, ...) = (key)` for a WHERE clause."""
    return f"({KEY}) = ({key})"


def _add(key: str) -> str:
    return (
        f"INSERT INTO {COUNTS} ({KEY}, n) VALUES ({key}, 1) "
        f"ON CONFLICT ({KEY}) DO UPDATE SET n = {COUNTS}.n + 1"
    )


def _take(key: str) -> list[str]:
    # A key no request has any more leaves the table, so it always equals a fresh count.
    return [
        f"UPDATE {COUNTS} SET n = n - 1 WHERE {_matches(key)}",
        f"DELETE FROM {COUNTS} WHERE {_matches(key)} AND n <= 0",
    ]


_SQLITE_CHANGED = (
    "old.state IS NOT new.state OR old.kind IS NOT new.kind "
    "OR (old.relayed_at IS NULL) <> (new.relayed_at IS NULL) "
    "OR coalesce(old.industry_id, 0) <> coalesce(new.industry_id, 0) "
    "OR strftime('%Y-%m', old.created_at) IS NOT strftime('%Y-%m', new.created_at)"
)
_PG_CHANGED = (
    "OLD.state IS DISTINCT FROM NEW.state OR OLD.kind IS DISTINCT FROM NEW.kind "
    "OR (OLD.relayed_at IS NULL) <> (NEW.relayed_at IS NULL) "
    "OR coalesce(OLD.industry_id, 0) <> coalesce(NEW.industry_id, 0) "
    "OR date_trunc('month', OLD.created_at AT TIME ZONE 'UTC') "
    "<> date_trunc('month', NEW.created_at AT TIME ZONE 'UTC')"
)


def _sqlite_create() -> list[str]:
    new, old = _sqlite_key("new"), _sqlite_key("old")
    return [
        f"""CREATE TRIGGER IF NOT EXISTS {COUNTS}_ai AFTER INSERT ON {REQUESTS} BEGIN
            {_add(new)};
        END""",
        f"""CREATE TRIGGER IF NOT EXISTS {COUNTS}_ad AFTER DELETE ON {REQUESTS} BEGIN
            {"; ".join(_take(old))};
        END""",
        f"""CREATE TRIGGER IF NOT EXISTS {COUNTS}_au AFTER UPDATE OF {KEY_SOURCES}
            ON {REQUESTS} WHEN {_SQLITE_CHANGED} BEGIN
            {"; ".join(_take(old))};
            {_add(new)};
        END""",
    ]


_SQLITE_DROP = [f"DROP TRIGGER IF EXISTS {COUNTS}_{suffix}" for suffix in ("ai", "ad", "au")]

PG_FUNCTION = f"{COUNTS}_keep"


def _pg_create() -> list[str]:
    new, old = _pg_key("NEW"), _pg_key("OLD")
    take = "; ".join(_take(old))
    return [
        f"""CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' OR TG_OP = 'UPDATE' THEN
                {take};
            END IF;
            IF TG_OP = 'INSERT' OR TG_OP = 'UPDATE' THEN
                {_add(new)};
            END IF;
            RETURN NULL;
        END $$""",
        f"DROP TRIGGER IF EXISTS {COUNTS}_insert_delete ON {REQUESTS}",
        f"""CREATE TRIGGER {COUNTS}_insert_delete AFTER INSERT OR DELETE ON {REQUESTS}
            FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()""",
        f"DROP TRIGGER IF EXISTS {COUNTS}_update ON {REQUESTS}",
        f"""CREATE TRIGGER {COUNTS}_update AFTER UPDATE OF {KEY_SOURCES} ON {REQUESTS}
            FOR EACH ROW WHEN ({_PG_CHANGED}) EXECUTE FUNCTION {PG_FUNCTION}()""",
    ]


_PG_DROP = [
    f"DROP TRIGGER IF EXISTS {COUNTS}_insert_delete ON {REQUESTS}",
    f"DROP TRIGGER IF EXISTS {COUNTS}_update ON {REQUESTS}",
    f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()",
]


def create_triggers(connection) -> None:
    """Create the triggers that keep the counts, for this connection's database."""
    run_for_dialect(connection, sqlite=_sqlite_create, postgresql=_pg_create)


def drop_triggers(connection) -> None:
    """Remove the triggers (and PostgreSQL's function)."""
    run_for_dialect(connection, sqlite=lambda: _SQLITE_DROP, postgresql=lambda: _PG_DROP)


def rebuild(connection) -> int:
    """Count every request afresh into the table (replacing it); the number of keys written.

    On PostgreSQL the requests are locked against writers (readers go on) for the moment it
    takes, so no change lands between the DELETE and the count.
    """
    name = connection.dialect.name
    if name == "postgresql":
        connection.execute(text(f"LOCK TABLE {REQUESTS} IN SHARE MODE"))
        key = _pg_key(REQUESTS)
    else:
        key = _sqlite_key(REQUESTS)
    connection.execute(text(f"DELETE FROM {COUNTS}"))
    connection.execute(
        text(
            f"INSERT INTO {COUNTS} ({KEY}, n) SELECT {key}, count(*) FROM {REQUESTS} "
            "GROUP BY 1, 2, 3, 4, 5"
        )
    )
    return connection.execute(text(f"SELECT count(*) FROM {COUNTS}")).scalar_one()


def _after_create(_table, connection, **_kw) -> None:
    create_triggers(connection)


def _before_drop(_table, connection, **_kw) -> None:
    drop_triggers(connection)


def attach(table) -> None:
    """Hook the triggers onto the requests table's CREATE and DROP (`db.create_all()`)."""
    if not event.contains(table, "after_create", _after_create):
        event.listen(table, "after_create", _after_create)
        event.listen(table, "before_drop", _before_drop)
