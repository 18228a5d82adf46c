"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from conftest import app_config
from flask_migrate import downgrade, upgrade

from careerlink import create_app
from careerlink.extensions import db
from careerlink.paths import MIGRATIONS_DIR


def _include_object_from_env():
    """Load include_object from migrations/env.py without running it."""
    import ast

    source = (MIGRATIONS_DIR / "env.py").read_text()
    tree = ast.parse(source)
    func = next(
        n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "include_object"
    )
    namespace: dict = {}
    module = ast.Module(body=[func], type_ignores=[])
    exec(compile(module, "env.py", "exec"), namespace)  # noqa: S102 (our own file)
    return namespace["include_object"]


def test_upgrade_from_empty_matches_the_models(new_database, tmp_path):
    """Upgrading an empty database gives the models' schema and no table outside the prefix."""
    database = new_database("migrate")
    application = create_app(app_config(database, tmp_path))
    with application.app_context():
        upgrade(directory=str(MIGRATIONS_DIR))
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    "include_object": _include_object_from_env(),
                    "version_table": application.config["CAREERLINK_ALEMBIC_VERSION_TABLE"],
                },
            )
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"migrations and models differ: {diff}"
        tables = set(db.inspect(db.engine).get_table_names())
        # Alembic's bookkeeping too is ours: careerlink_alembic_version, never alembic_version.
        assert {t for t in tables if not t.startswith("careerlink_")} == set()
        assert "careerlink_alembic_version" in tables
        db.engine.dispose()


def test_downgrade_to_base_and_up_again(new_database, tmp_path):
    """Downgrading to base leaves only our Alembic table; upgrading again rebuilds the same set."""
    database = new_database("downgrade")
    application = create_app(app_config(database, tmp_path))
    with application.app_context():
        upgrade(directory=str(MIGRATIONS_DIR))
        upgraded = set(db.inspect(db.engine).get_table_names())
        # Every model's table (SQLite adds the full-text search's own tables).
        assert {t.name for t in db.metadata.sorted_tables} <= upgraded
        downgrade(directory=str(MIGRATIONS_DIR), revision="base")
        assert set(db.inspect(db.engine).get_table_names()) == {"careerlink_alembic_version"}
        upgrade(directory=str(MIGRATIONS_DIR))
        assert set(db.inspect(db.engine).get_table_names()) == upgraded
        db.engine.dispose()


def test_0013_backfills_each_request_s_industry_and_allows_the_system_close(new_database, tmp_path):
    """Requests made before 0013 get their alumnus's industry (the first by name); the CHECK
    accepts the new state; downgrading turns it back into a state the old release knew."""
    from datetime import UTC, datetime

    from sqlalchemy import insert, text

    from careerlink.accounts.models import User
    from careerlink.connections.models import ConnectionRequest
    from careerlink.mentors.models import Industry, MentorProfile

    database = new_database("backfill")
    application = create_app(app_config(database, tmp_path))
    with application.app_context():
        upgrade(directory=str(MIGRATIONS_DIR), revision="0011")
        zoos = Industry(slug="zoos", name="Zoos")
        aquaria = Industry(slug="aquaria", name="Aquaria")
        student = User(email="s@example.edu", display_name="S")
        alumna = User(email="a@example.edu", display_name="A")
        db.session.add_all([zoos, aquaria, student, alumna])
        db.session.flush()
        db.session.add(MentorProfile(user_id=alumna.id, industries=[zoos, aquaria]))
        db.session.commit()
        now = datetime(2026, 3, 2, 9, tzinfo=UTC)
        # The table as 0011 left it: no industry column yet.
        columns = {c.name for c in ConnectionRequest.__table__.c} - {"industry_id"}
        row = {
            "kind": "introduction",
            "state": "submitted",
            "student_id": student.id,
            "alumnus_id": alumna.id,
            "hopes": "h",
            "why_alumnus": "w",
            "message": "m",
            "proposed_dates": [],
            "conduct_acknowledged_at": now,
            "ics_sequence": 0,
            "created_at": now,
            "updated_at": now,
        }
        assert set(row) <= columns
        table = ConnectionRequest.__table__
        db.session.execute(insert(table).values(row))
        db.session.commit()
        upgrade(directory=str(MIGRATIONS_DIR))
        assert db.session.scalar(text("SELECT industry_id FROM careerlink_requests")) == aquaria.id
        db.session.execute(text("UPDATE careerlink_requests SET state = 'alumnus_left'"))
        db.session.commit()
        downgrade(directory=str(MIGRATIONS_DIR), revision="0011")
        assert db.session.scalar(text("SELECT state FROM careerlink_requests")) == (
            "declined_by_staff"
        )
        db.session.remove()
        db.engine.dispose()
