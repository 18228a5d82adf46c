"""Configuration from the environment: defaults, validation, clear messages."""

from __future__ import annotations

import pytest

from careerlink import create_app
from careerlink.paths import load_config_module

cfg = load_config_module()


def test_embedded_defaults(tmp_path):
    config = cfg.config_from_env({})
    assert config.CAREERLINK_MAIL_TRANSPORT == "catcher"
    assert config.SQLALCHEMY_DATABASE_URI is None  # create_app puts SQLite in the instance folder
    assert config.SECRET_KEY == "careerlink-development-key-not-for-production"
    assert config.MAIL_PORT == 25
    # The mail worker and enqueue read these with config["..."]: config.py is their one default.
    assert config.MAIL_DEFAULT_SENDER == "CareerLink <careers@localhost>"
    assert config.CAREERLINK_SITE_NAME == "CareerLink"
    assert config.CAREERLINK_MAIL_DIR is None
    assert (
        config.CAREERLINK_MAIL_MAX_ATTEMPTS,
        config.CAREERLINK_MAIL_BACKOFF_SECONDS,
        config.CAREERLINK_MAIL_LEASE_SECONDS,
    ) == (8, 60, 300)


def test_default_database_is_sqlite_in_the_instance_folder(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("CAREERLINK_ENV", "development")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/careerlink.sqlite3")


def test_production_refuses_to_start_without_secret_key():
    with pytest.raises(cfg.ConfigError, match="SECRET_KEY"):
        cfg.config_from_env({"CAREERLINK_ENV": "production"})
    config = cfg.config_from_env(
        {
            "CAREERLINK_ENV": "production",
            "SECRET_KEY": "x" * 32,
            "CAREERLINK_BASE_URL": "https://careers.example.edu",
            "DATABASE_URL": "postgresql://careerlink@db.example.edu/careerlink",
            "CAREERLINK_MAIL_TRANSPORT": "smtp",
            "CAREERLINK_SECURE_COOKIES": "true",
        }
    )
    assert config.SECRET_KEY == "x" * 32


@pytest.mark.parametrize(
    "env,name",
    [
        ({"MAIL_PORT": "smtp"}, "MAIL_PORT"),
        ({"MAIL_PORT": "0"}, "MAIL_PORT"),
        ({"MAIL_USE_TLS": "maybe"}, "MAIL_USE_TLS"),
        ({"MAIL_USE_TLS": "1", "MAIL_USE_SSL": "1"}, "MAIL_USE_SSL"),
        ({"CAREERLINK_MAIL_TRANSPORT": "pigeon"}, "CAREERLINK_MAIL_TRANSPORT"),
        ({"CAREERLINK_BASE_URL": "portal.example.edu"}, "CAREERLINK_BASE_URL"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"CAREERLINK_ENV": "staging"}, "CAREERLINK_ENV"),
    ],
)
def test_invalid_values_name_the_variable(env, name):
    with pytest.raises(cfg.ConfigError) as info:
        cfg.config_from_env(env)
    assert name in str(info.value)


def test_values_are_read(tmp_path):
    config = cfg.config_from_env(
        {
            "DATABASE_URL": "postgres://u@db/careers",
            "MAIL_SERVER": "smtp.example.edu",
            "MAIL_PORT": "587",
            "MAIL_USE_TLS": "yes",
            "MAIL_USERNAME": "careers",
            "MAIL_PASSWORD": "pw",
            "MAIL_DEFAULT_SENDER": "Careers <careers@example.edu>",
            "CAREERLINK_MAIL_TRANSPORT": "smtp",
            "CAREERLINK_BASE_URL": "https://portal.example.edu/careers/",
        }
    )
    assert config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://u@db/careers"
    assert (config.MAIL_SERVER, config.MAIL_PORT, config.MAIL_USE_TLS) == (
        "smtp.example.edu",
        587,
        True,
    )
    assert config.CAREERLINK_BASE_URL == "https://portal.example.edu/careers"


def test_flask_cli_reports_a_bad_setting_clearly():
    """One line naming the variable, no traceback (the worktree's code: cwd is the checkout)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "CAREERLINK_ENV": "production", "FLASK_APP": "wsgi:app"}
    env.pop("SECRET_KEY", None)
    proc = subprocess.run(
        [sys.executable, "-m", "flask", "careerlink", "--help"],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
        check=False,
    )
    assert (proc.returncode, proc.stdout) == (4, "")
    assert proc.stderr == (
        "careerlink: SECRET_KEY must be set to a long random value in production "
        '(for example: python -c "import secrets; print(secrets.token_hex(32))")\n'
    )


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "../../etc/passwd", "Europe/"])
def test_an_unknown_time_zone_is_a_start_up_error_naming_the_variable(zone):
    cfg = load_config_module()
    with pytest.raises(cfg.ConfigError, match="CAREERLINK_TIME_ZONE must be an IANA time zone"):
        cfg.Config({"CAREERLINK_TIME_ZONE": zone})


def test_the_time_zone_defaults_to_utc_and_takes_an_iana_name():
    cfg = load_config_module()
    assert cfg.Config({}).CAREERLINK_TIME_ZONE == "UTC"
    assert cfg.Config({"CAREERLINK_TIME_ZONE": "Europe/Paris"}).CAREERLINK_TIME_ZONE == (
        "Europe/Paris"
    )
