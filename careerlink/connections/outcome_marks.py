"""Each request's reported outcomes and feedback ratings, kept on the request.

Three integer columns of `careerlink_requests`, what the outcomes report reads from the
requests' narrow index (`ix_careerlink_requests_numbers`) instead of joining the outcome and
feedback tables to every request: `outcome_bits`, one bit per `Outcome` recorded (BITS; NULL
for none), and `student_rating` and `alumnus_rating`, each side's usefulness score (NULL
without feedback).

Database triggers on `careerlink_request_outcomes` and `careerlink_request_feedback` recompute
a request's columns from its rows whenever one is added, removed or changed, in the writing
statement's transaction (as careerlink/connections/counts.py keeps the monthly counts). A
request deleted takes its rows along (the foreign key's cascade); their triggers then find no
request to update. `rebuild()` recomputes every request (`flask careerlink reports rebuild`);
migration 0017 adds the columns and fills them. The bits are those of the Outcome list when the
triggers were created: a new outcome needs a migration that recreates them and rebuilds.
"""

from __future__ import annotations

from sqlalchemy import event, text

from careerlink.database import run_for_dialect, update_where_different

REQUESTS = "careerlink_requests"
OUTCOMES = "careerlink_request_outcomes"
FEEDBACK = "careerlink_request_feedback"
COLUMNS = ("outcome_bits", "student_rating", "alumnus_rating")
# The outcome kinds, in their bits' order (careerlink.connections.models.Outcome).
KINDS = ("informational_interview", "referred", "job_interview", "internship", "job_offer")
BITS = {kind: 1 << position for position, kind in enumerate(KINDS)}


def _outcome_bits(request_id: str) -> str:
    """The bits of one request's outcomes as a scalar subquery (NULL for none)."""
    bits = " ".join(f"WHEN '{kind}' THEN {bit}" for kind, bit in BITS.items())
    return (
        f"(SELECT sum(CASE o.kind {bits} ELSE 0 END) FROM {OUTCOMES} o "
        f"WHERE o.request_id = {request_id})"
    )


def _rating(request_id: str, side: str) -> str:
    return (
        f"(SELECT f.usefulness FROM {FEEDBACK} f "
        f"WHERE f.request_id = {request_id} AND f.side = '{side}')"
    )


def _set_outcomes(request_id: str) -> str:
    return (
        f"UPDATE {REQUESTS} SET outcome_bits = {_outcome_bits(request_id)} WHERE id = {request_id}"
    )


def _set_ratings(request_id: str) -> str:
    return (
        f"UPDATE {REQUESTS} SET student_rating = {_rating(request_id, 'student')}, "
        f"alumnus_rating = {_rating(request_id, 'alumnus')} WHERE id = {request_id}"
    )


# (table, the columns an update of which changes the marks, the statement for one request id)
_SOURCES = {
    OUTCOMES: ("request_id, kind", _set_outcomes),
    FEEDBACK: ("request_id, side, usefulness", _set_ratings),
}


def _sqlite_create(table: str) -> list[str]:
    columns, statement = _SOURCES[table]
    return [
        f"""CREATE TRIGGER IF NOT EXISTS {table}_marks_ai AFTER INSERT ON {table} BEGIN
            {statement("new.request_id")};
        END""",
        f"""CREATE TRIGGER IF NOT EXISTS {table}_marks_ad AFTER DELETE ON {table} BEGIN
            {statement("old.request_id")};
        END""",
        f"""CREATE TRIGGER IF NOT EXISTS {table}_marks_au AFTER UPDATE OF {columns} ON {table}
        BEGIN
            {statement("old.request_id")};
            {statement("new.request_id")};
        END""",
    ]


def _sqlite_drop(table: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_marks_{suffix}" for suffix in ("ai", "ad", "au")]


def _pg_create(table: str) -> list[str]:
    columns, statement = _SOURCES[table]
    return [
        f"""CREATE OR REPLACE FUNCTION {table}_marks() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' OR TG_OP = 'UPDATE' THEN
                {statement("OLD.request_id")};
            END IF;
            IF TG_OP = 'INSERT' OR TG_OP = 'UPDATE' THEN
                {statement("NEW.request_id")};
            END IF;
            RETURN NULL;
        END $$""",
        f"DROP TRIGGER IF EXISTS {table}_marks_insert_delete ON {table}",
        f"""CREATE TRIGGER {table}_marks_insert_delete AFTER INSERT OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {table}_marks()""",
        f"DROP TRIGGER IF EXISTS {table}_marks_update ON {table}",
        f"""CREATE TRIGGER {table}_marks_update AFTER UPDATE OF {columns} ON {table}
            FOR EACH ROW EXECUTE FUNCTION {table}_marks()""",
    ]


def _pg_drop(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_marks_insert_delete ON {table}",
        f"DROP TRIGGER IF EXISTS {table}_marks_update ON {table}",
        f"DROP FUNCTION IF EXISTS {table}_marks()",
    ]


def create_triggers(connection, tables: tuple[str, ...] = (OUTCOMES, FEEDBACK)) -> None:
    """Create the triggers that keep the marks on these tables, for this connection's database."""
    run_for_dialect(
        connection,
        sqlite=lambda: [s for t in tables for s in _sqlite_create(t)],
        postgresql=lambda: [s for t in tables for s in _pg_create(t)],
    )


def drop_triggers(connection, tables: tuple[str, ...] = (OUTCOMES, FEEDBACK)) -> None:
    """Remove the triggers (and PostgreSQL's functions)."""
    run_for_dialect(
        connection,
        sqlite=lambda: [s for t in tables for s in _sqlite_drop(t)],
        postgresql=lambda: [s for t in tables for s in _pg_drop(t)],
    )


def rebuild(connection) -> int:
    """Recompute every request's marks from its outcomes and feedback; the requests marked."""
    row = f"{REQUESTS}.id"
    update_where_different(
        connection,
        REQUESTS,
        {
            "outcome_bits": _outcome_bits(row),
            "student_rating": _rating(row, "student"),
            "alumnus_rating": _rating(row, "alumnus"),
        },
    )
    return connection.execute(
        text(
            f"SELECT count(*) FROM {REQUESTS} WHERE outcome_bits IS NOT NULL "
            "OR student_rating IS NOT NULL OR alumnus_rating IS NOT NULL"
        )
    ).scalar_one()


def attach(table) -> None:
    """Hook the triggers onto the outcome or feedback table's CREATE and DROP (`create_all()`)."""
    name = table.name

    def after_create(_table, connection, **_kw) -> None:
        create_triggers(connection, (name,))

    def before_drop(_table, connection, **_kw) -> None:
        drop_triggers(connection, (name,))

    if not table.info.get("careerlink_marks"):
        table.info["careerlink_marks"] = True
        event.listen(table, "after_create", after_create)
        event.listen(table, "before_drop", before_drop)
