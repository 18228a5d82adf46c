"""Listed alumni and their monthly capacity per industry, kept as they change.

`careerlink_industry_supply` holds, per industry, how many listed profiles are in it and the
sum of their monthly capacity: what the supply-and-demand report shows, without reading every
profile. Database triggers keep it in the writing statement's own transaction (as
careerlink/connections/counts.py keeps the request counts): a profile joining or leaving an
industry, and a profile listed, unlisted or changing its capacity. An UPSERT keeps concurrent
writers exact on PostgreSQL. `rebuild()` recounts it (`flask careerlink reports rebuild`);
migration 0016 creates the triggers and fills it.

A deleted profile: a BEFORE DELETE trigger takes its share away while its industries are
still there; the industry rows then go (the ORM's own DELETE, or the foreign key's cascade)
and find no profile, so they take nothing a second time.
"""

from __future__ import annotations

from sqlalchemy import Integer, event, text
from sqlalchemy.orm import Mapped, mapped_column

from careerlink.database import run_for_dialect
from careerlink.extensions import db

PROFILES = "careerlink_mentor_profiles"
LINKS = "careerlink_mentor_industries"
SUPPLY = "careerlink_industry_supply"


class IndustrySupply(db.Model):
    """How many listed alumni an industry has today and how many requests a month they take."""

    __tablename__ = SUPPLY

    # No foreign key: a removed industry's row is left at zero, the report joins industries.
    industry_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    listed: Mapped[int] = mapped_column(Integer, nullable=False)
    capacity: Mapped[int] = mapped_column(Integer, nullable=False)


def _upsert(select_sql: str) -> str:
    """Add `select_sql`'s (industry_id, listed, capacity) rows to the table."""
    return (
        f"INSERT INTO {SUPPLY} (industry_id, listed, capacity) {select_sql} "
        f"ON CONFLICT (industry_id) DO UPDATE SET listed = {SUPPLY}.listed + excluded.listed, "
        f"capacity = {SUPPLY}.capacity + excluded.capacity"
    )


def _share(row: str) -> str:
    """A profile's (listed, capacity) share as SQL values: (1, capacity) if listed, else 0s."""
    return (
        f"CASE WHEN {row}.directory_listed THEN 1 ELSE 0 END, "
        f"CASE WHEN {row}.directory_listed THEN {row}.monthly_capacity ELSE 0 END"
    )


def _statements(new: str, old: str) -> dict[str, str]:
    """The trigger bodies, with the dialect's names for the new and old rows."""
    return {
        # A profile joins an industry.
        "link_added": _upsert(
            f"SELECT {new}.industry_id, 1, p.monthly_capacity FROM {PROFILES} p "
            f"WHERE p.id = {new}.profile_id AND p.directory_listed"
        ),
        # A profile leaves an industry (nothing if the profile itself is being deleted).
        "link_removed": _upsert(
            f"SELECT {old}.industry_id, -1, -p.monthly_capacity FROM {PROFILES} p "
            f"WHERE p.id = {old}.profile_id AND p.directory_listed"
        ),
        # Listed, unlisted or a new capacity: the difference, in each of its industries.
        "profile_changed": _upsert(
            f"SELECT l.industry_id, "
            f"(CASE WHEN {new}.directory_listed THEN 1 ELSE 0 END) "
            f"- (CASE WHEN {old}.directory_listed THEN 1 ELSE 0 END), "
            f"(CASE WHEN {new}.directory_listed THEN {new}.monthly_capacity ELSE 0 END) "
            f"- (CASE WHEN {old}.directory_listed THEN {old}.monthly_capacity ELSE 0 END) "
            f"FROM {LINKS} l WHERE l.profile_id = {new}.id"
        ),
        "profile_removed": _upsert(
            f"SELECT l.industry_id, -1, -{old}.monthly_capacity FROM {LINKS} l "
            f"WHERE l.profile_id = {old}.id AND {old}.directory_listed"
        ),
    }


_CHANGED = (
    "{old}.directory_listed IS DISTINCT FROM {new}.directory_listed "
    "OR {old}.monthly_capacity IS DISTINCT FROM {new}.monthly_capacity"
)


def _sqlite_create() -> list[str]:
    body = _statements("new", "old")
    changed = _CHANGED.format(old="old", new="new").replace("IS DISTINCT FROM", "IS NOT")
    return [
        f"""CREATE TRIGGER IF NOT EXISTS {SUPPLY}_link_ai AFTER INSERT ON {LINKS} BEGIN
            {body["link_added"]};
        END""",
        f"""CREATE TRIGGER IF NOT EXISTS {SUPPLY}_link_ad AFTER DELETE ON {LINKS} BEGIN
            {body["link_removed"]};
        END""",
        f"""CREATE TRIGGER IF NOT EXISTS {SUPPLY}_profile_au
            AFTER UPDATE OF directory_listed, monthly_capacity ON {PROFILES}
            WHEN {changed} BEGIN
            {body["profile_changed"]};
        END""",
        f"""CREATE TRIGGER IF NOT EXISTS {SUPPLY}_profile_bd BEFORE DELETE ON {PROFILES} BEGIN
            {body["profile_removed"]};
        END""",
    ]


_SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {SUPPLY}_{name}"
    for name in ("link_ai", "link_ad", "profile_au", "profile_bd")
]


def _pg_function(name: str, body: str, returns: str) -> str:
    return f"""CREATE OR REPLACE FUNCTION {SUPPLY}_{name}() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            {body};
            RETURN {returns};
        END $$"""


_PG_TRIGGERS = [
    # (trigger and function name, timing and event, table, WHEN or "", body key, returns)
    ("link_added", "AFTER INSERT", LINKS, "", "link_added", "NULL"),
    ("link_removed", "AFTER DELETE", LINKS, "", "link_removed", "NULL"),
    (
        "profile_changed",
        "AFTER UPDATE OF directory_listed, monthly_capacity",
        PROFILES,
        _CHANGED.format(old="OLD", new="NEW"),
        "profile_changed",
        "NULL",
    ),
    ("profile_removed", "BEFORE DELETE", PROFILES, "", "profile_removed", "OLD"),
]


def _pg_create() -> list[str]:
    body = _statements("NEW", "OLD")
    statements = []
    for name, timing, table, when, key, returns in _PG_TRIGGERS:
        statements += [
            _pg_function(name, body[key], returns),
            f"DROP TRIGGER IF EXISTS {SUPPLY}_{name} ON {table}",
            f"CREATE TRIGGER {SUPPLY}_{name} {timing} ON {table} FOR EACH ROW "
            + (f"WHEN ({when}) " if when else "")
            + f"EXECUTE FUNCTION {SUPPLY}_{name}()",
        ]
    return statements


def _pg_drop() -> list[str]:
    statements = []
    for name, _timing, table, *_rest in _PG_TRIGGERS:
        statements += [
            f"DROP TRIGGER IF EXISTS {SUPPLY}_{name} ON {table}",
            f"DROP FUNCTION IF EXISTS {SUPPLY}_{name}()",
        ]
    return statements


def create_triggers(connection) -> None:
    """Create the triggers that keep the supply, for this connection's database."""
    run_for_dialect(connection, sqlite=_sqlite_create, postgresql=_pg_create)


def drop_triggers(connection) -> None:
    """Remove the triggers (and PostgreSQL's functions)."""
    run_for_dialect(connection, sqlite=lambda: _SQLITE_DROP, postgresql=_pg_drop)


def rebuild(connection) -> int:
    """Count the listed profiles per industry afresh (replacing the table); industries written.

    On PostgreSQL the profiles and their industries are locked against writers meanwhile.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"LOCK TABLE {PROFILES}, {LINKS} IN SHARE MODE"))
    connection.execute(text(f"DELETE FROM {SUPPLY}"))
    connection.execute(
        text(
            f"INSERT INTO {SUPPLY} (industry_id, listed, capacity) "
            f"SELECT l.industry_id, count(*), coalesce(sum(p.monthly_capacity), 0) "
            f"FROM {LINKS} l JOIN {PROFILES} p ON p.id = l.profile_id "
            f"WHERE p.directory_listed GROUP BY l.industry_id"
        )
    )
    return connection.execute(text(f"SELECT count(*) FROM {SUPPLY}")).scalar_one()


def _after_create(_table, connection, **_kw) -> None:
    create_triggers(connection)


def _before_drop(_table, connection, **_kw) -> None:
    drop_triggers(connection)


def attach(table) -> None:
    """Hook the triggers onto the profile-industry table's CREATE and DROP (`create_all()`),
    which comes after the profiles table's."""
    if not event.contains(table, "after_create", _after_create):
        event.listen(table, "after_create", _after_create)
        event.listen(table, "before_drop", _before_drop)
