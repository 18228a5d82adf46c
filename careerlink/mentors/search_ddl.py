"""Full-text search objects that live outside the SQLAlchemy metadata.

SQLite: an external-content FTS5 table over `search_document`, kept in sync by triggers.
PostgreSQL: a stored generated tsvector column over `search_document` with a GIN index.
The same functions run from `db.create_all()` (DDL events) and from migration 0002.
"""

from __future__ import annotations

from sqlalchemy import event, text

PROFILES = "careerlink_mentor_profiles"
FTS_TABLE = "careerlink_mentor_search"
PG_COLUMN = "search_vector"
PG_INDEX = "ix_careerlink_mentor_profiles_search_vector"

# Names that Alembic must not compare with the models (see migrations/env.py).
IGNORED_TABLE_PREFIX = FTS_TABLE
IGNORED_COLUMNS = {(PROFILES, PG_COLUMN)}
IGNORED_INDEXES = {PG_INDEX}

_SQLITE_CREATE = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(
        search_document, content='{PROFILES}', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', prefix='2 3')""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON {PROFILES} BEGIN
        INSERT INTO {FTS_TABLE}(rowid, search_document) VALUES (new.id, new.search_document);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON {PROFILES} BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_document)
        VALUES ('delete', old.id, old.search_document);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE OF search_document
        ON {PROFILES} BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_document)
        VALUES ('delete', old.id, old.search_document);
        INSERT INTO {FTS_TABLE}(rowid, search_document) VALUES (new.id, new.search_document);
    END""",
    # Profiles that existed before the index (a migration on a filled database).
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
]

_SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_ai",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_ad",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_au",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]

_PG_CREATE = [
    f"""ALTER TABLE {PROFILES} ADD COLUMN IF NOT EXISTS {PG_COLUMN} tsvector
        GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_document)) STORED""",
    f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON {PROFILES} USING gin ({PG_COLUMN})",
]

_PG_DROP = [
    f"DROP INDEX IF EXISTS {PG_INDEX}",
    f"ALTER TABLE {PROFILES} DROP COLUMN IF EXISTS {PG_COLUMN}",
]


def create_search_objects(connection) -> None:
    """Create the full-text index and what keeps it in sync, for this connection's database."""
    name = connection.dialect.name
    statements = _SQLITE_CREATE if name == "sqlite" else _PG_CREATE if name == "postgresql" else []
    for statement in statements:
        connection.execute(text(statement))


def drop_search_objects(connection) -> None:
    """Remove the full-text index objects (the table's own drop takes PostgreSQL's along)."""
    name = connection.dialect.name
    statements = _SQLITE_DROP if name == "sqlite" else _PG_DROP if name == "postgresql" else []
    for statement in statements:
        connection.execute(text(statement))


def _after_create(_table, connection, **_kw) -> None:
    create_search_objects(connection)


def _before_drop(_table, connection, **_kw) -> None:
    drop_search_objects(connection)


def attach(table) -> None:
    """Hook the search objects onto the profiles table's CREATE and DROP."""
    if not event.contains(table, "after_create", _after_create):
        event.listen(table, "after_create", _after_create)
        event.listen(table, "before_drop", _before_drop)


def is_search_object(type_: str, name: str | None, table_name: str | None = None) -> bool:
    """True for database objects the search layer owns, which the models do not describe."""
    if not name:
        return False
    if type_ == "table":
        return name.startswith(IGNORED_TABLE_PREFIX)
    if type_ == "column":
        return (table_name, name) in IGNORED_COLUMNS
    if type_ == "index":
        return name in IGNORED_INDEXES
    return False
