"""Production refuses settings that are unsafe to leave running; cron without its environment.

Issue 18, findings "production accepts unsafe settings silently", "`flask careerlink demo`
runs in production" and "cron: run without that environment, `requests tick` fails with an
80-line traceback and creates a stray SQLite file".
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import app_config, once

from careerlink import create_app
from careerlink.accounts.models import User
from careerlink.cli import load_demo
from careerlink.errors import NotAllowed
from careerlink.extensions import db as _db
from careerlink.paths import load_config_module

cfg = load_config_module()
ROOT = Path(__file__).resolve().parent.parent

# A production environment that starts: each test below takes one thing away.
PRODUCTION = {
    "CAREERLINK_ENV": "production",
    "SECRET_KEY": "s" * 32,
    "CAREERLINK_BASE_URL": "https://careers.example.edu",
    "DATABASE_URL": "postgresql://careerlink@db.example.edu/careerlink",
    "CAREERLINK_MAIL_TRANSPORT": "smtp",
    "MAIL_SERVER": "smtp.example.edu",
    "CAREERLINK_SECURE_COOKIES": "true",
}

DATABASE_URL_LINE = (
    "DATABASE_URL must be set in production (postgresql://user:password@host/db); commands run "
    "from cron or a timer need the service's environment file too"
)
SQLITE_LINE = (
    "DATABASE_URL is a SQLite file in production: use PostgreSQL, or set "
    "CAREERLINK_ALLOW_SQLITE=true for a small single-machine install"
)
CATCHER_LINE = (
    "CAREERLINK_MAIL_TRANSPORT is catcher in production, which writes emails to files and "
    "sends none: set CAREERLINK_MAIL_TRANSPORT=smtp and MAIL_SERVER, or "
    "CAREERLINK_ALLOW_MAIL_CATCHER=true for a trial"
)
COOKIES_LINE = (
    "CAREERLINK_SECURE_COOKIES must be true in production, so that sign-in cookies travel over "
    "HTTPS only (serve the app over HTTPS)"
)


def production(**changes) -> dict[str, str]:
    """PRODUCTION with some variables changed (None removes one)."""
    env = dict(PRODUCTION)
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def clean_env(**extra) -> dict[str, str]:
    """This process's environment without any CareerLink, Flask, database or mail setting."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CAREERLINK_", "FLASK_", "SECRET_KEY", "DATABASE_URL", "MAIL_"))
    }
    env.update(extra)
    return env


def flask(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """`flask --app careerlink ...` in a fresh process, from the checkout."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "careerlink", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
        timeout=120,
    )


def test_a_complete_production_environment_starts():
    config = cfg.config_from_env(PRODUCTION)
    assert (
        config.SQLALCHEMY_DATABASE_URI
        == "postgresql+psycopg://careerlink@db.example.edu/careerlink"
    )
    assert (config.SESSION_COOKIE_SECURE, config.CAREERLINK_MAIL_TRANSPORT) == (True, "smtp")
    assert (config.CAREERLINK_ALLOW_SQLITE, config.CAREERLINK_ALLOW_MAIL_CATCHER) == (False, False)


@pytest.mark.parametrize(
    "changes,line",
    [
        ({"DATABASE_URL": None}, DATABASE_URL_LINE),
        ({"DATABASE_URL": "sqlite:////var/lib/careerlink/careerlink.sqlite3"}, SQLITE_LINE),
        ({"CAREERLINK_MAIL_TRANSPORT": None}, CATCHER_LINE),
        ({"CAREERLINK_MAIL_TRANSPORT": "catcher"}, CATCHER_LINE),
        ({"CAREERLINK_SECURE_COOKIES": None}, COOKIES_LINE),
        ({"CAREERLINK_SECURE_COOKIES": "false"}, COOKIES_LINE),
        # Allowing SQLite never means the implicit file: DATABASE_URL names it.
        ({"DATABASE_URL": None, "CAREERLINK_ALLOW_SQLITE": "true"}, DATABASE_URL_LINE),
    ],
    ids=[
        "no-database-url",
        "sqlite",
        "catcher-by-default",
        "catcher",
        "cookies-by-default",
        "insecure-cookies",
        "allowed-sqlite-still-needs-a-url",
    ],
)
def test_production_refuses_an_unsafe_setting_in_one_line(changes, line):
    with pytest.raises(cfg.ConfigError) as info:
        cfg.config_from_env(production(**changes))
    assert info.value.message == line


def test_sqlite_and_the_catcher_start_when_allowed_explicitly():
    config = cfg.config_from_env(
        production(
            DATABASE_URL="sqlite:////var/lib/careerlink/careerlink.sqlite3",
            CAREERLINK_ALLOW_SQLITE="true",
            CAREERLINK_MAIL_TRANSPORT="catcher",
            CAREERLINK_ALLOW_MAIL_CATCHER="yes",
        )
    )
    assert config.SQLALCHEMY_DATABASE_URI == "sqlite:////var/lib/careerlink/careerlink.sqlite3"
    assert config.CAREERLINK_MAIL_TRANSPORT == "catcher"
    with pytest.raises(cfg.ConfigError, match="CAREERLINK_ALLOW_SQLITE must be true or false"):
        cfg.config_from_env(production(CAREERLINK_ALLOW_SQLITE="please"))


def test_development_and_testing_keep_their_embedded_defaults():
    for name in ("development", "testing"):
        config = cfg.config_from_env({"CAREERLINK_ENV": name})
        assert config.CAREERLINK_MAIL_TRANSPORT == "catcher"
        assert config.SESSION_COOKIE_SECURE is False


def test_the_flask_command_refuses_insecure_cookies_in_one_line(tmp_path):
    proc = flask(
        "careerlink",
        "--help",
        env=clean_env(**production(CAREERLINK_SECURE_COOKIES=None)),
    )
    assert (proc.returncode, proc.stdout) == (1, "")
    assert proc.stderr == f"Error: {COOKIES_LINE}\n"


# --- the demo command ---------------------------------------------------------------------


def test_the_demo_command_refuses_to_run_in_production(database, tmp_path, app):
    application = create_app(app_config(database, tmp_path, ENV_NAME="production"))
    try:
        result = application.test_cli_runner().invoke(args=["careerlink", "demo"])
        with application.app_context():
            users = _db.session.query(User).count()
            with pytest.raises(NotAllowed, match="public password"):
                load_demo("careerlink-demo")
    finally:
        with application.app_context():
            _db.session.remove()
            _db.engine.dispose()
    assert result.exit_code == 1
    assert result.output == (
        "Error: the demo data is not loaded in production (CAREERLINK_ENV=production): its "
        "accounts, an admin among them, have a public password\n"
    )
    assert users == 0


# --- cron without the service's environment -------------------------------------------------


@once
def test_tick_in_production_without_database_url_is_one_line_and_no_file(tmp_path):
    instance = tmp_path / "instance"
    env = clean_env(**production(DATABASE_URL=None), CAREERLINK_INSTANCE_PATH=str(instance))
    proc = flask("careerlink", "requests", "tick", env=env)
    assert (proc.returncode, proc.stdout) == (1, "")
    assert proc.stderr == f"Error: {DATABASE_URL_LINE}\n"
    assert not instance.exists()


@once
def test_tick_without_any_environment_is_one_line_and_creates_no_database(tmp_path):
    """No CAREERLINK_ENV: the development default, whose file only `db upgrade` may create."""
    instance = tmp_path / "instance"
    env = clean_env(CAREERLINK_INSTANCE_PATH=str(instance))
    proc = flask("careerlink", "requests", "tick", env=env)
    assert (proc.returncode, proc.stdout) == (1, "")
    database = instance / "careerlink.sqlite3"
    assert proc.stderr == (
        f"Error: cannot use the database sqlite:///{database}: the database file does not "
        "exist (DATABASE_URL is not set, so this is the development default); run `flask db "
        "upgrade` to create it, or give the command the service's environment (DATABASE_URL)\n"
    )
    assert not database.exists()
    # `flask db upgrade` creates it (and its folder); then the same command works.
    upgrade = flask("db", "upgrade", env=env)
    assert upgrade.returncode == 0, upgrade.stderr
    assert database.exists()
    proc = flask("careerlink", "requests", "tick", env=env)
    assert (proc.returncode, proc.stdout) == (
        0,
        "reminded 0, expired 0, completed 0, paused 0 alumni\n",
    )


def test_the_instance_folder_is_a_setting(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("CAREERLINK_ENV", "development")
    monkeypatch.setenv("CAREERLINK_INSTANCE_PATH", str(tmp_path / "state"))
    application = create_app()
    assert application.instance_path == str(tmp_path / "state")
    assert application.config["SQLALCHEMY_DATABASE_URI"] == (
        f"sqlite:///{tmp_path / 'state' / 'careerlink.sqlite3'}"
    )
    monkeypatch.setenv("CAREERLINK_INSTANCE_PATH", "relative/state")
    with pytest.raises(cfg.ConfigError, match="CAREERLINK_INSTANCE_PATH must be an absolute"):
        create_app()
