"""The staff queue's data version: one row that changes with everything the queue shows.

The queue's rows and counts show requests (their state, kind, times, deadline, history), the
two people's names and each alumnus's load (the profile's month count, capacity, response rate,
pause). Database triggers give `careerlink_queue_state.version` a new random value on any
insert, update or delete of a request or request event, a change of a user's name or a user's
deletion, and a profile's insert, delete or change of a load column, in the writing statement's
own transaction. Triggers, not Python hooks, because requests change through bulk UPDATEs (a
transition's guarded UPDATE, an industry merge, an account deletion), which no flush sees.

A random value rather than a counter: a transaction that bumped the version and rolled back
leaves a value that never comes back, so nothing cached under it can be read later. The row is
written with an UPSERT, so an emptied table starts again by itself; while it is missing the
version is None and nothing is cached. Migration 0021 creates the table and the triggers.

`has_uncommitted_changes(session)` is True while this session's transaction has written
anything the queue shows: a page rendered then is not stored (the transaction may roll back).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, event, select
from sqlalchemy.orm import Mapped, mapped_column

from careerlink.database import run_for_dialect
from careerlink.extensions import db
from careerlink.models import CareerLinkSession

STATE = "careerlink_queue_state"
REQUESTS = "careerlink_requests"
EVENTS = "careerlink_request_events"
USERS = "careerlink_users"
PROFILES = "careerlink_mentor_profiles"
# The profile columns the queue shows (an alumnus's load) and the one that ties it to its owner.
PROFILE_COLUMNS = (
    "user_id",
    "month_start",
    "month_request_count",
    "monthly_capacity",
    "response_rate",
    "accepting_requests",
)
# What the queue shows of each table: None for any column.
WATCHED: dict[str, tuple[str, ...] | None] = {
    REQUESTS: None,
    EVENTS: None,
    USERS: ("display_name",),
    PROFILES: PROFILE_COLUMNS,
}


class QueueState(db.Model):
    """One row whose version changes with every change the staff queue shows (triggers)."""

    __tablename__ = STATE

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False)


def queue_version() -> int | None:
    """The queue's current data version (None while its row is missing)."""
    return db.session.scalar(_VERSION)


_VERSION = select(QueueState.version).where(QueueState.id == 1)


# --- the triggers -------------------------------------------------------------------------------

_SQLITE_BUMP = (
    f"INSERT INTO {STATE} (id, version) VALUES (1, random()) "
    "ON CONFLICT (id) DO UPDATE SET version = excluded.version"
)
_PG_BUMP = (
    f"INSERT INTO {STATE} (id, version) VALUES (1, floor(random() * 4503599627370496)::bigint) "
    "ON CONFLICT (id) DO UPDATE SET version = excluded.version"
)


def _sqlite_changed(columns) -> str:
    return " OR ".join(f"old.{c} IS NOT new.{c}" for c in columns)


def _pg_changed(columns) -> str:
    return " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)


# (name, event, table, the columns whose change counts: None for any row)
_TRIGGERS = [
    ("req_ins", "INSERT", REQUESTS, None),
    ("req_upd", "UPDATE", REQUESTS, None),
    ("req_del", "DELETE", REQUESTS, None),
    ("evt_ins", "INSERT", EVENTS, None),
    ("evt_del", "DELETE", EVENTS, None),
    ("usr_upd", "UPDATE", USERS, ("display_name",)),
    ("usr_del", "DELETE", USERS, None),
    ("pro_ins", "INSERT", PROFILES, None),
    ("pro_upd", "UPDATE", PROFILES, PROFILE_COLUMNS),
    ("pro_del", "DELETE", PROFILES, None),
]

PG_FUNCTION = f"{STATE}_bump"


def _sqlite_create() -> list[str]:
    statements = []
    for name, what, table, columns in _TRIGGERS:
        of = f" OF {', '.join(columns)}" if columns else ""
        when = f" WHEN {_sqlite_changed(columns)}" if columns else ""
        statements.append(
            f"CREATE TRIGGER IF NOT EXISTS {STATE}_{name} AFTER {what}{of} ON {table}"
            f"{when} BEGIN {_SQLITE_BUMP}; END"
        )
    return statements


def _sqlite_drop() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {STATE}_{name}" for name, *_rest in _TRIGGERS]


def _pg_create() -> list[str]:
    statements = [
        f"""CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            {_PG_BUMP};
            RETURN NULL;
        END $$"""
    ]
    for name, what, table, columns in _TRIGGERS:
        # A change of any row: once per statement (a bulk UPDATE bumps once); a change of some
        # columns: per row, when one of them differs.
        if columns:
            timing = (
                f"AFTER {what} OF {', '.join(columns)} ON {table} FOR EACH ROW "
                f"WHEN ({_pg_changed(columns)})"
            )
        else:
            timing = f"AFTER {what} ON {table} FOR EACH STATEMENT"
        statements += [
            f"DROP TRIGGER IF EXISTS {STATE}_{name} ON {table}",
            f"CREATE TRIGGER {STATE}_{name} {timing} EXECUTE FUNCTION {PG_FUNCTION}()",
        ]
    return statements


def _pg_drop() -> list[str]:
    return [
        *(f"DROP TRIGGER IF EXISTS {STATE}_{name} ON {table}" for name, _w, table, _c in _TRIGGERS),
        f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()",
    ]


def create_triggers(connection) -> None:
    """Create the triggers that keep the version, and its row, for this connection's database."""
    run_for_dialect(
        connection,
        sqlite=lambda: [*_sqlite_create(), _SQLITE_BUMP],
        postgresql=lambda: [*_pg_create(), _PG_BUMP],
    )


def drop_triggers(connection) -> None:
    """Remove the triggers (and PostgreSQL's function)."""
    run_for_dialect(connection, sqlite=_sqlite_drop, postgresql=_pg_drop)


def _after_create(metadata, connection, tables=(), **_kw) -> None:
    # After every table (`create_all()`): the triggers sit on four other tables.
    if any(t.name == STATE for t in tables):
        create_triggers(connection)


def _before_drop(metadata, connection, tables=(), **_kw) -> None:
    if any(t.name == STATE for t in tables):
        drop_triggers(connection)


event.listen(db.metadata, "after_create", _after_create)
event.listen(db.metadata, "before_drop", _before_drop)


# --- this transaction's own writes --------------------------------------------------------------

_UNCOMMITTED = "careerlink_queue_uncommitted"


def has_uncommitted_changes(session) -> bool:
    """True while this session's transaction has written what the queue shows."""
    return bool(session.info.get(_UNCOMMITTED))


def _watched(obj, changed: bool) -> bool:
    table = getattr(type(obj), "__tablename__", None)
    if table not in WATCHED:
        return False
    columns = WATCHED[table]
    if not changed or columns is None:
        return True
    # A user's sign-in time or a profile's text is not the queue's: only its own columns count.
    attrs = db.inspect(obj).attrs
    return any(getattr(attrs, name).history.has_changes() for name in columns)


def _before_flush(session, _flush_context, _instances) -> None:
    if any(_watched(o, False) for o in (*session.new, *session.deleted)) or any(
        _watched(o, True) for o in session.dirty
    ):
        session.info[_UNCOMMITTED] = True


def _orm_execute(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in WATCHED:
            state.session.info[_UNCOMMITTED] = True


def _transaction_ended(session, *_args) -> None:
    session.info.pop(_UNCOMMITTED, None)


event.listen(CareerLinkSession, "before_flush", _before_flush)
event.listen(CareerLinkSession, "do_orm_execute", _orm_execute)
event.listen(CareerLinkSession, "after_commit", _transaction_ended)
event.listen(CareerLinkSession, "after_rollback", _transaction_ended)
