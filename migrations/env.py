"""Alembic environment for CareerLink, driven by Flask-Migrate."""

import logging
from logging.config import fileConfig

import sqlalchemy as sa
from alembic import context
from alembic.script import ScriptDirectory
from flask import current_app

from careerlink.database import creating_database

config = context.config
if config.config_file_name is not None and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
log = logging.getLogger("alembic.env")

db = current_app.extensions["migrate"].db
target_metadata = db.metadata
# Our own bookkeeping table (careerlink_alembic_version by default), never a portal's.
VERSION_TABLE = current_app.config["CAREERLINK_ALEMBIC_VERSION_TABLE"]
# The table releases before 0.2.0 used; rows naming one of our revisions are moved from it.
OLD_VERSION_TABLE = "alembic_version"


def include_object(obj, name, type_, reflected, compare_to):
    """Only CareerLink's own tables: the schema may live beside a portal's tables."""
    from careerlink.mentors.search_ddl import is_search_object

    table_name = getattr(getattr(obj, "table", None), "name", None)
    if reflected and is_search_object(type_, name, table_name):
        return False  # full-text search objects made by raw DDL, not described by the models
    if type_ == "table":
        return name.startswith("careerlink_")
    table = getattr(obj, "table", None)
    return not (table is not None and not table.name.startswith("careerlink_"))


def _options():
    return {
        "target_metadata": target_metadata,
        "include_object": include_object,
        "compare_type": True,
        "render_as_batch": True,  # SQLite needs batch mode to alter tables
        "version_table": VERSION_TABLE,
    }


def version_table(name: str) -> sa.Table:
    """Alembic's version table under another name (the same column and primary key)."""
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column("version_num", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("version_num", name=f"{name}_pkc"),
    )


def move_old_version_rows(connection) -> list[str]:
    """Move CareerLink's revisions from `alembic_version` to our own table; what was moved.

    An install from before our own table keeps its place this way: the revision it is at is
    copied over, removed from the old table, and the old table is dropped only when nothing
    else (a portal's revision) is left in it. Nothing happens once our table exists.
    """
    if VERSION_TABLE == OLD_VERSION_TABLE:
        return []
    inspector = sa.inspect(connection)
    if inspector.has_table(VERSION_TABLE) or not inspector.has_table(OLD_VERSION_TABLE):
        return []
    ours = {rev.revision for rev in ScriptDirectory.from_config(config).walk_revisions()}
    old = version_table(OLD_VERSION_TABLE)
    found = list(connection.scalars(sa.select(old.c.version_num)))
    moving = [rev for rev in found if rev in ours]
    if not moving:
        return []  # a portal's own Alembic table: not ours to touch
    new = version_table(VERSION_TABLE)
    new.create(connection)
    connection.execute(new.insert(), [{"version_num": rev} for rev in moving])
    connection.execute(old.delete().where(old.c.version_num.in_(moving)))
    if len(moving) == len(found):
        old.drop(connection)
    log.info("moved revision %s from %s to %s", ", ".join(moving), OLD_VERSION_TABLE, VERSION_TABLE)
    return moving


def run_migrations_offline() -> None:
    """Emit SQL without a database connection."""
    context.configure(url=str(db.engine.url), literal_binds=True, **_options())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against the application's engine (which may create the default SQLite file)."""
    with creating_database():
        with db.engine.begin() as connection:
            move_old_version_rows(connection)
        with db.engine.connect() as connection:
            context.configure(connection=connection, **_options())
            with context.begin_transaction():
                context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
