"""Each request's review and answer durations and answer class, kept on the request.

Integer columns of `careerlink_requests`, what the speed and responsiveness reports read:
`review_seconds` (reviewed_at - created_at) and `review_minute` (when reviewed_at fell, in
whole minutes since 1970-01-01 UTC), `answer_seconds` (answered_at - relayed_at) and
`answer_minute` (of answered_at): whole seconds, rounded; a negative duration (clocks a little
apart) is 0; NULL while either time is missing. `review_month` and `answer_month` (the UTC
month, YYYYMM) are what the previous release read; kept until a later release drops them.
The minute, not a month, is what the speed report reads: it puts each duration in its month
of the office's zone (CAREERLINK_TIME_ZONE, which SQLite cannot convert to), so a change of
that zone needs no recompute; every zone's month begins on a whole minute. `relay_answer`:
NULL if never relayed, else 1 if the alumnus answered (a state their answer leads to, or a
proposed time the student let lapse), 2 if it expired without an answer, 0 otherwise. The
reports read them from narrow covering indexes (`ix_careerlink_requests_numbers`,
`ix_careerlink_requests_answers`) instead of parsing timestamps and states per request.

Database triggers set them whenever a request is inserted or one of those columns changes, in
the statement's own row (as careerlink/connections/counts.py keeps the monthly counts, and for
the same reason: requests change outside `ConnectionRequest.apply` too). `rebuild()` recomputes
every row (`flask careerlink reports rebuild`); migrations 0017 (months, seconds, answer) and
0020 (minutes) add the columns and fill them.
The triggers hold the answered states as they were when created: a change to
`machine.ANSWERED_STATES` needs a migration that recreates them and rebuilds.
"""

from __future__ import annotations

from sqlalchemy import event, text

from careerlink.connections.machine import ANSWERED_STATES, RequestState
from careerlink.database import run_for_dialect, update_where_different

REQUESTS = "careerlink_requests"
COLUMNS = (
    "review_month",
    "review_minute",
    "review_seconds",
    "answer_month",
    "answer_minute",
    "answer_seconds",
    "relay_answer",
)
# Before migration 0020 there were no minutes (`legacy=True` below: that migration's
# downgrade, and 0017 itself). The months stay, kept, for the previous release, which reads
# them; a later release drops them (expand, then contract).
MINUTES = ("review_minute", "answer_minute")
# What fires the triggers: the times and the state, and the columns themselves (so a direct
# write to them is corrected at once): `_sources()`.
# (month column, minute column, seconds column, the later time, the earlier time)
PAIRS = (
    ("review_month", "review_minute", "review_seconds", "reviewed_at", "created_at"),
    ("answer_month", "answer_minute", "answer_seconds", "answered_at", "relayed_at"),
)


def _relay_answer(row: str) -> str:
    """`relay_answer` as SQL (the same on both databases)."""
    answered = ", ".join(f"'{state.value}'" for state in ANSWERED_STATES)
    expired = RequestState.EXPIRED.value
    return (
        f"CASE WHEN {row}.relayed_at IS NULL THEN NULL "
        f"WHEN {row}.state IN ({answered}) "
        f"OR ({row}.state = '{expired}' AND {row}.answered_at IS NOT NULL) THEN 1 "
        f"WHEN {row}.state = '{expired}' THEN 2 ELSE 0 END"
    )


def _columns(legacy: bool) -> tuple[str, ...]:
    return tuple(c for c in COLUMNS if c not in MINUTES) if legacy else COLUMNS


def _sqlite_values(row: str, legacy: bool = False) -> dict[str, str]:
    """Each column's SQLite expression over `row`'s times (NULL if either time is NULL)."""
    values = {}
    for month, minute, seconds, later, earlier in PAIRS:
        # julianday() is NULL for NULL; the two-argument max() is NULL if either is.
        diff = f"(julianday({row}.{later}) - julianday({row}.{earlier}))"
        values[seconds] = f"max(0, CAST(round({diff} * 86400) AS INTEGER))"
        values[month] = (
            f"CASE WHEN {diff} IS NOT NULL "
            f"THEN CAST(strftime('%Y%m', {row}.{later}) AS INTEGER) END"
        )
        if not legacy:
            # strftime('%s') is whole seconds since 1970 (exact, unlike julianday's float).
            values[minute] = (
                f"CASE WHEN {diff} IS NOT NULL "
                f"THEN CAST(strftime('%s', {row}.{later}) AS INTEGER) / 60 END"
            )
    values["relay_answer"] = _relay_answer(row)
    return values


def _pg_values(row: str, legacy: bool = False) -> dict[str, str]:
    """Each column's PostgreSQL expression over `row`'s times (NULL if either time is NULL)."""
    values = {}
    for month, minute, seconds, later, earlier in PAIRS:
        utc = f"({row}.{later} AT TIME ZONE 'UTC')"
        # greatest() skips a NULL (it would make 0 of no duration): the CASE keeps it NULL.
        both = f"{row}.{later} IS NOT NULL AND {row}.{earlier} IS NOT NULL"
        values[seconds] = (
            f"CASE WHEN {both} THEN "
            f"greatest(0, round(extract(epoch FROM {row}.{later} - {row}.{earlier})))::bigint END"
        )
        values[month] = (
            f"CASE WHEN {both} THEN "
            f"(extract(year FROM {utc}) * 100 + extract(month FROM {utc}))::integer END"
        )
        if not legacy:
            values[minute] = (
                f"CASE WHEN {both} THEN floor(extract(epoch FROM {row}.{later}) / 60)::integer END"
            )
    values["relay_answer"] = _relay_answer(row)
    return values


def _sources(legacy: bool) -> str:
    return "created_at, reviewed_at, relayed_at, answered_at, state, " + ", ".join(_columns(legacy))


def _sqlite_set(row: str, legacy: bool = False) -> str:
    return ", ".join(f"{column} = {sql}" for column, sql in _sqlite_values(row, legacy).items())


def _sqlite_create(legacy: bool = False) -> list[str]:
    # AFTER triggers that write the same row: SQLite's recursive triggers are off, so the
    # UPDATE inside does not fire them again.
    return [
        f"""CREATE TRIGGER IF NOT EXISTS {REQUESTS}_durations_ai AFTER INSERT ON {REQUESTS}
        BEGIN
            UPDATE {REQUESTS} SET {_sqlite_set("new", legacy)} WHERE id = new.id;
        END""",
        f"""CREATE TRIGGER IF NOT EXISTS {REQUESTS}_durations_au
            AFTER UPDATE OF {_sources(legacy)} ON {REQUESTS} BEGIN
            UPDATE {REQUESTS} SET {_sqlite_set("new", legacy)} WHERE id = new.id;
        END""",
    ]


_SQLITE_DROP = [f"DROP TRIGGER IF EXISTS {REQUESTS}_durations_{suffix}" for suffix in ("ai", "au")]

PG_FUNCTION = f"{REQUESTS}_durations"


def _pg_create(legacy: bool = False) -> list[str]:
    assignments = "; ".join(
        f"NEW.{column} := {sql}" for column, sql in _pg_values("NEW", legacy).items()
    )
    return [
        f"""CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            {assignments};
            RETURN NEW;
        END $$""",
        f"DROP TRIGGER IF EXISTS {REQUESTS}_durations ON {REQUESTS}",
        f"""CREATE TRIGGER {REQUESTS}_durations BEFORE INSERT OR UPDATE OF {_sources(legacy)}
            ON {REQUESTS} FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()""",
    ]


_PG_DROP = [
    f"DROP TRIGGER IF EXISTS {REQUESTS}_durations ON {REQUESTS}",
    f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()",
]


def create_triggers(connection, *, legacy: bool = False) -> None:
    """Create the triggers that keep the durations, for this connection's database (`legacy`:
    the month columns of before migration 0020, for its downgrade)."""
    run_for_dialect(
        connection,
        sqlite=lambda: _sqlite_create(legacy),
        postgresql=lambda: _pg_create(legacy),
    )


def drop_triggers(connection) -> None:
    """Remove the triggers (and PostgreSQL's function)."""
    run_for_dialect(connection, sqlite=lambda: _SQLITE_DROP, postgresql=lambda: _PG_DROP)


def rebuild(connection, *, legacy: bool = False) -> int:
    """Recompute every request's columns from its times and state; the number reviewed."""
    if connection.dialect.name == "postgresql":
        values = _pg_values(REQUESTS, legacy)
    else:
        values = _sqlite_values(REQUESTS, legacy)
    update_where_different(connection, REQUESTS, values)
    return connection.execute(
        text(f"SELECT count(*) FROM {REQUESTS} WHERE review_seconds IS NOT NULL")
    ).scalar_one()


def _after_create(_table, connection, **_kw) -> None:
    create_triggers(connection)


def _before_drop(_table, connection, **_kw) -> None:
    drop_triggers(connection)


def attach(table) -> None:
    """Hook the triggers onto the requests table's CREATE and DROP (`db.create_all()`)."""
    if not event.contains(table, "after_create", _after_create):
        event.listen(table, "after_create", _after_create)
        event.listen(table, "before_drop", _before_drop)
