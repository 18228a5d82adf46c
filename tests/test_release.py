"""A real version (in /healthz and, for staff, the footer), and the backup and restore drill.

Issue 18, findings "the version is always 0.1.0" and "no backup and restore procedure":
docs/OPERATIONS.md describes the drill that these tests perform.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import tomllib
import uuid
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from conftest import app_config, sign_in_session
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, text

from careerlink import __version__, create_app
from careerlink.accounts.services import create_user
from careerlink.database import transaction
from careerlink.extensions import db as _db
from careerlink.paths import MIGRATIONS_DIR
from careerlink.permissions import Role

ROOT = Path(__file__).resolve().parent.parent


# --- the version ------------------------------------------------------------------------------


def test_the_version_has_one_source():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert project["project"]["dynamic"] == ["version"]
    assert project["tool"]["hatch"]["version"] == {"path": "careerlink/__about__.py"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
    assert __version__ != "0.1.0"  # the first release that says which one it is


def test_healthz_shows_the_version(client, db):
    assert client.get("/healthz").get_json()["version"] == __version__


def test_the_footer_shows_the_version_to_staff_only(app, client, db, staff, student):
    version = f"version {__version__}"
    assert version not in client.get("/").get_data(as_text=True)
    sign_in_session(client, student)
    assert version not in client.get("/").get_data(as_text=True)
    other = app.test_client()
    sign_in_session(other, staff)
    footer = other.get("/").get_data(as_text=True).split('<footer class="site-footer">')[1]
    assert f'<span class="version">{version}</span>' in footer


# --- backup and restore -------------------------------------------------------------------------


def build_site(application) -> None:
    """A migrated database with a few rows in several tables."""
    with application.app_context():
        upgrade(directory=str(MIGRATIONS_DIR))
        with transaction():
            for i in range(3):
                create_user(
                    f"person{i}@example.edu", f"Person {i}", "a-long-password-1", [Role.STUDENT]
                )
            create_user("officer@example.edu", "Officer", "a-long-password-1", [Role.STAFF])
        _db.engine.dispose()


def row_counts(url: str, **engine_options) -> dict[str, int]:
    """Rows in every CareerLink table (and our Alembic table's revision)."""
    engine = create_engine(url, **engine_options)
    try:
        with engine.connect() as conn:
            names = [t for t in inspect(conn).get_table_names() if t.startswith("careerlink_")]
            counts = {
                name: conn.scalar(text(f'SELECT count(*) FROM "{name}"'))  # noqa: S608
                for name in names
            }
            counts["revision"] = conn.scalar(
                text("SELECT version_num FROM careerlink_alembic_version")
            )
    finally:
        engine.dispose()
    return counts


def test_sqlite_online_backup_and_restore_drill(tmp_path, database):
    """Back up a live SQLite file (the backup API and the sqlite3 tool), restore, compare."""
    live = tmp_path / "live.sqlite3"
    application = create_app(
        app_config(database, tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{live}",
                   SQLALCHEMY_ENGINE_OPTIONS={})
    )  # fmt: skip
    build_site(application)
    before = row_counts(f"sqlite:///{live}")
    assert before["careerlink_users"] == 4
    assert before["revision"] == ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()

    # The online backup, while another connection holds the database open mid-transaction.
    backups = tmp_path / "backups"
    backups.mkdir()
    holder = sqlite3.connect(live)
    holder.execute("BEGIN")
    holder.execute("SELECT count(*) FROM careerlink_users").fetchone()
    with sqlite3.connect(live) as source, sqlite3.connect(backups / "python.sqlite3") as target:
        source.backup(target)
    copies = [backups / "python.sqlite3"]
    tool = shutil.which("sqlite3")
    if tool:  # the command in docs/OPERATIONS.md, as written
        subprocess.run(
            [tool, str(live), f".backup {backups / 'tool.sqlite3'}"], check=True, timeout=60
        )
        copies.append(backups / "tool.sqlite3")
    holder.rollback()
    holder.close()

    for copy in copies:
        with sqlite3.connect(copy) as check:
            assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        restored = tmp_path / f"restored-{copy.stem}.sqlite3"
        shutil.copyfile(copy, restored)
        assert row_counts(f"sqlite:///{restored}") == before
        # The restored file serves: the app finds its tables and its migration.
        app = create_app(
            app_config(database, tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{restored}",
                       SQLALCHEMY_ENGINE_OPTIONS={})
        )  # fmt: skip
        result = app.test_cli_runner().invoke(args=["careerlink", "check"])
        assert "database: ok" in result.output, result.output
        with app.app_context():
            _db.engine.dispose()


def test_postgresql_pg_dump_and_pg_restore_drill(tmp_path, database, new_database):
    """pg_dump the schema (custom format), pg_restore it into a new database, compare counts."""
    if database.dialect != "postgresql":
        pytest.skip("the pg_dump drill needs PostgreSQL (set CAREERLINK_TEST_DATABASE_URL)")
    pg_dump, pg_restore = shutil.which("pg_dump"), shutil.which("pg_restore")
    if not (pg_dump and pg_restore):
        pytest.skip("the PostgreSQL client tools (pg_dump, pg_restore) are not installed")
    source = new_database("backup")
    build_site(create_app(app_config(source, tmp_path)))
    before = row_counts(source.url, **source.engine_options)
    assert before["careerlink_users"] == 4

    plain_url = source.url.replace("postgresql+psycopg://", "postgresql://")
    dump = tmp_path / "careerlink.dump"
    subprocess.run(
        [pg_dump, "--format=custom", "--no-owner", f"--schema={source.schema}",
         f"--file={dump}", plain_url],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    restore_db = f"careerlink_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(source.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{restore_db}"'))
    target_url = plain_url.rsplit("/", 1)[0] + f"/{restore_db}"
    try:
        subprocess.run(
            [pg_restore, "--no-owner", "--exit-on-error", f"--dbname={target_url}", str(dump)],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        after = row_counts(
            target_url.replace("postgresql://", "postgresql+psycopg://"),
            connect_args={"options": f"-csearch_path={source.schema}"},
        )
        assert after == before
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{restore_db}" WITH (FORCE)'))
        admin.dispose()
