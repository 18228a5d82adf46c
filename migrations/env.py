"""Alembic environment for CareerLink, driven by Flask-Migrate."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name is not None and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

db = current_app.extensions["migrate"].db
target_metadata = db.metadata


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
    }


def run_migrations_offline() -> None:
    """Emit SQL without a database connection."""
    context.configure(url=str(db.engine.url), literal_binds=True, **_options())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against the application's engine."""
    with db.engine.connect() as connection:
        context.configure(connection=connection, **_options())
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
