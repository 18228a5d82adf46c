"""Sharing a database or a host with a portal: CareerLink's own Alembic table and cookie.

Issue 18, finding "the migrations create an unprefixed alembic_version table; the session
cookie is called `session` with `Path=/`; neither is configurable".
"""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from conftest import DEFAULT_PASSWORD, app_config
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, text
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.test import Client

from careerlink import create_app
from careerlink.extensions import db as _db
from careerlink.paths import MIGRATIONS_DIR, load_config_module

cfg = load_config_module()
HEAD = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def tables_and_versions(database) -> tuple[set[str], dict[str, list[str]]]:
    """The database's tables, and the rows of each Alembic version table in it."""
    engine = create_engine(database.url, **database.engine_options)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            versions = {
                name: sorted(conn.scalars(text(f"SELECT version_num FROM {name}")))  # noqa: S608
                for name in ("alembic_version", "careerlink_alembic_version")
                if name in tables
            }
    finally:
        engine.dispose()
    return tables, versions


def migrate(database, tmp_path, revision: str = "head", **config) -> None:
    """`flask db upgrade` to revision with these settings."""
    application = create_app(app_config(database, tmp_path, **config))
    with application.app_context():
        upgrade(directory=str(MIGRATIONS_DIR), revision=revision)
        _db.engine.dispose()


def execute(database, *statements: str) -> None:
    """Run SQL statements on the database and commit."""
    engine = create_engine(database.url, **database.engine_options)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


def test_the_version_table_is_ours(new_database, tmp_path):
    database = new_database("version_table")
    migrate(database, tmp_path)
    tables, versions = tables_and_versions(database)
    assert "alembic_version" not in tables
    assert versions == {"careerlink_alembic_version": [HEAD]}


def test_an_install_upgraded_the_old_way_moves_to_our_table(new_database, tmp_path):
    """Built by 0.1.0 (alembic_version at 0003): the row moves over and the upgrade goes on."""
    database = new_database("old_way")
    migrate(database, tmp_path, "0003", CAREERLINK_ALEMBIC_VERSION_TABLE="alembic_version")
    tables, versions = tables_and_versions(database)
    assert versions == {"alembic_version": ["0003"]}
    assert "careerlink_worker_state" not in tables

    migrate(database, tmp_path)
    tables, versions = tables_and_versions(database)
    assert versions == {"careerlink_alembic_version": [HEAD]}  # the old table is gone
    assert "careerlink_worker_state" in tables  # 0005 and 0006 ran: 0001 would have failed
    migrate(database, tmp_path)  # and again: nothing to do
    assert tables_and_versions(database)[1] == {"careerlink_alembic_version": [HEAD]}


def test_a_portals_alembic_table_is_left_alone(new_database, tmp_path):
    database = new_database("portal")
    execute(
        database,
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)",
        "INSERT INTO alembic_version VALUES ('9f3c2a1b7d4e')",
    )
    migrate(database, tmp_path)
    _, versions = tables_and_versions(database)
    assert versions == {"alembic_version": ["9f3c2a1b7d4e"], "careerlink_alembic_version": [HEAD]}


def test_a_shared_alembic_table_keeps_the_portals_row(new_database, tmp_path):
    """Our row moves; the table stays because it still holds the portal's revision."""
    database = new_database("shared")
    migrate(database, tmp_path, "0003", CAREERLINK_ALEMBIC_VERSION_TABLE="alembic_version")
    execute(database, "INSERT INTO alembic_version VALUES ('9f3c2a1b7d4e')")
    migrate(database, tmp_path)
    _, versions = tables_and_versions(database)
    assert versions == {"alembic_version": ["9f3c2a1b7d4e"], "careerlink_alembic_version": [HEAD]}


def test_the_version_table_name_is_a_setting():
    assert cfg.config_from_env({}).CAREERLINK_ALEMBIC_VERSION_TABLE == "careerlink_alembic_version"
    env = {"CAREERLINK_ALEMBIC_VERSION_TABLE": "careers_alembic"}
    assert cfg.config_from_env(env).CAREERLINK_ALEMBIC_VERSION_TABLE == "careers_alembic"
    for bad in ("careers alembic", "Careers", "x;drop table y", "9lives"):
        with pytest.raises(cfg.ConfigError, match="CAREERLINK_ALEMBIC_VERSION_TABLE"):
            cfg.config_from_env({"CAREERLINK_ALEMBIC_VERSION_TABLE": bad})


# --- the session cookie -------------------------------------------------------------------


def set_cookie_header(resp) -> str:
    """The one Set-Cookie header of a response."""
    [header] = resp.headers.getlist("Set-Cookie")
    return header


def sign_in(client, path: str, student, **kwargs):
    """Post the real sign-in form at path; the answer sets the session cookie."""
    resp = client.post(path, data={"email": student.email, "password": DEFAULT_PASSWORD}, **kwargs)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return resp


def test_the_session_cookie_has_our_name_and_the_root_path(app, db, client, student):
    header = set_cookie_header(sign_in(client, "/signin", student))
    assert header.startswith("careerlink_session=")
    assert "; Path=/;" in header or header.endswith("; Path=/")
    assert "HttpOnly" in header and "SameSite=Lax" in header


def test_the_cookie_path_follows_a_mount_prefix(app, db, student):
    """Mounted at /careers beside a portal's own Flask app, the cookie stays under /careers."""
    portal = Flask("portal")
    portal.wsgi_app = DispatcherMiddleware(portal.wsgi_app, {"/careers": app.wsgi_app})
    c = Client(portal, use_cookies=True)
    header = set_cookie_header(sign_in(c, "/careers/signin", student))
    assert header.startswith("careerlink_session=")
    assert "Path=/careers;" in header or header.endswith("Path=/careers")
    assert c.get("/careers/account").status_code == 200  # the browser sends it back there


def test_the_cookie_path_follows_script_name_and_a_forwarded_prefix(app, db, student):
    c = app.test_client()
    header = set_cookie_header(
        sign_in(c, "/signin", student, environ_overrides={"SCRIPT_NAME": "/careers"})
    )
    assert "Path=/careers" in header
    behind_proxy = Flask("proxy")
    behind_proxy.wsgi_app = ProxyFix(app.wsgi_app, x_prefix=1)
    c = Client(behind_proxy, use_cookies=True)
    header = set_cookie_header(
        sign_in(c, "/signin", student, headers={"X-Forwarded-Prefix": "/careers"})
    )
    assert "Path=/careers" in header


def test_the_cookie_name_is_a_setting(tmp_path, database, app, student, db):
    assert cfg.config_from_env({}).SESSION_COOKIE_NAME == "careerlink_session"
    env = {"CAREERLINK_SESSION_COOKIE_NAME": "careers_sid"}
    assert cfg.config_from_env(env).SESSION_COOKIE_NAME == "careers_sid"
    with pytest.raises(cfg.ConfigError, match="CAREERLINK_SESSION_COOKIE_NAME"):
        cfg.config_from_env({"CAREERLINK_SESSION_COOKIE_NAME": "a cookie;"})
    other = create_app(app_config(database, tmp_path, SESSION_COOKIE_NAME="careers_sid"))
    header = set_cookie_header(sign_in(other.test_client(), "/signin", student))
    assert header.startswith("careers_sid=")
    with other.app_context():
        _db.session.remove()
        _db.engine.dispose()


def test_the_remember_cookie_name_is_ours_too(app):
    """Flask-Login clears a "remember" cookie at sign-out: never the portal's remember_token."""
    assert app.config["REMEMBER_COOKIE_NAME"] == "careerlink_remember"
