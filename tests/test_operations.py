"""Operations: an SMTP server that never answers, a database that goes away, bad settings.

Each test stands for an outage an operator meets: nothing is lost, the worker keeps running,
the web app answers once the database is back, and a bad setting or an unreachable service
is one clear line.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
from conftest import app_config, free_port
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from support.workers import running_in_thread, wait_for

from careerlink import create_app, workers
from careerlink.extensions import db as _db
from careerlink.mail import enqueue, worker
from careerlink.mail.models import OutboxMessage
from careerlink.models import utcnow

ROOT = Path(__file__).resolve().parent.parent


def queue_one(db, to="vera@example.edu") -> OutboxMessage:
    """One committed outbox row, due now."""
    from careerlink.accounts.models import User

    row = enqueue("password_changed", "user", to, {"user": User(email=to, display_name="Vera")})
    db.session.commit()
    return row


# --- finding 8: an SMTP server that accepts and never answers ----------------------------------


class SilentSmtpServer:
    """Accepts connections on loopback, then never answers (or stops after the greeting)."""

    def __init__(self, greet: bool):
        self.greet = greet
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return  # closed
            self.connections.append(conn)
            if self.greet:
                conn.sendall(b"220 silent.example.edu ESMTP\r\n")
                conn.recv(1024)  # EHLO
                conn.sendall(b"250 silent.example.edu\r\n")
            # ...and nothing more, ever.

    def close(self) -> None:
        """Stop listening and drop every connection."""
        self.listener.close()
        for conn in self.connections:
            conn.close()


@pytest.mark.parametrize("greet", [False, True], ids=["silent-from-the-start", "silent-after-ehlo"])
def test_an_smtp_server_that_never_answers_times_out_and_the_mail_is_retried(
    app, db, monkeypatch, greet
):
    server = SilentSmtpServer(greet=greet)
    monkeypatch.setitem(app.config, "CAREERLINK_MAIL_TRANSPORT", "smtp")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
    monkeypatch.setitem(app.config, "CAREERLINK_SMTP_TIMEOUT_SECONDS", 1)
    rows = [queue_one(db, to=f"t{i}@example.edu") for i in range(2)]
    before = utcnow()
    results = []

    def work():
        with app.app_context():
            results.append(worker.send_due())

    sender = threading.Thread(target=work, daemon=True)
    sender.start()
    try:
        sender.join(timeout=10)
        assert not sender.is_alive(), "the worker hung on a silent SMTP server"
    finally:
        server.close()
    [result] = results
    assert (result.claimed, result.sent, result.retried, result.failed) == (2, 0, 2, 0)
    for row in rows:
        db.session.refresh(row)
        assert (row.status, row.attempts) == ("queued", 1)
        assert row.next_attempt_at > before  # retried later, like any failure
    assert "timed out" in rows[0].last_error
    # The rest of the batch does not wait again on the dead connection.
    expected = "timed out" if not greet else "the connection was lost earlier in this batch"
    assert expected in rows[1].last_error


def test_the_smtp_timeout_is_a_setting():
    from careerlink.paths import load_config_module

    cfg = load_config_module()
    assert cfg.config_from_env({}).CAREERLINK_SMTP_TIMEOUT_SECONDS == 30
    env = {"CAREERLINK_SMTP_TIMEOUT_SECONDS": "5"}
    assert cfg.config_from_env(env).CAREERLINK_SMTP_TIMEOUT_SECONDS == 5
    with pytest.raises(cfg.ConfigError, match="CAREERLINK_SMTP_TIMEOUT_SECONDS"):
        cfg.config_from_env({"CAREERLINK_SMTP_TIMEOUT_SECONDS": "0"})


# --- finding 9: the database goes away -----------------------------------------------------------


def worker_loop(application, **kwargs):
    """`mail send --loop` in a thread; yields the thread, stops it on the way out."""
    return running_in_thread(application, worker.run, loop=True, interval=0.05, **kwargs)


def test_database_retry_waits_double_up_to_a_minute():
    waits = [workers.database_retry_wait(n) for n in range(1, 10)]
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_the_worker_loop_outlives_a_database_outage(app, db, smtp_server, monkeypatch, caplog):
    """Three failed claims (the database restarting): logged, waited out, then delivered."""
    monkeypatch.setattr(workers, "DB_RETRY_FIRST_SECONDS", 0.01)
    row = queue_one(db)
    real_claim = worker.claim_batch
    failures = {"left": 3}

    def claim(batch, now=None):
        if failures["left"]:
            failures["left"] -= 1
            raise OperationalError(
                "SELECT careerlink_outbox.id ...",
                {},
                ConnectionError("server closed the connection unexpectedly"),
            )
        return real_claim(batch, now=now)

    monkeypatch.setattr(worker, "claim_batch", claim)
    with (
        caplog.at_level(logging.INFO, logger="careerlink.mail.worker"),
        worker_loop(app) as thread,
    ):
        assert wait_for(lambda: len(smtp_server.envelopes) == 1)
        assert thread.is_alive()  # still polling after the outage
    lines = [r.getMessage() for r in caplog.records if r.name == "careerlink.mail.worker"]
    assert lines == [
        "mail worker: database unavailable (server closed the connection unexpectedly); "
        f"trying again in {wait:g} s"
        for wait in (0.01, 0.02, 0.04)
    ] + ["mail worker: database back after 3 failed attempts"]
    db.session.refresh(row)
    assert (row.status, row.attempts) == ("sent", 1)


def test_without_loop_a_database_error_is_not_swallowed(app, db, monkeypatch):
    def claim(batch, now=None):
        raise OperationalError("SELECT 1", {}, ConnectionError("gone"))

    monkeypatch.setattr(worker, "claim_batch", claim)
    with pytest.raises(OperationalError):
        worker.run()


@pytest.fixture
def pg_app(database, tmp_path):
    """make(**config) -> a second app on the test database whose connections carry a name.

    The name lets a test end exactly this app's connections (other test runs may share the
    PostgreSQL server).
    """
    if database.dialect != "postgresql":
        pytest.skip("ending server connections needs PostgreSQL (SQLite has no server)")
    made = []

    def make(**options):
        name = f"careerlink-test-{uuid.uuid4().hex[:8]}"
        connect_args = {**database.engine_options["connect_args"], "application_name": name}
        engine_options = {**options, "connect_args": connect_args}
        application = create_app(
            app_config(database, tmp_path, SQLALCHEMY_ENGINE_OPTIONS=engine_options)
        )
        application.config["TESTING"] = True
        made.append(application)
        return application, name

    yield make
    for application in made:
        with application.app_context():
            _db.engine.dispose()


def end_connections(database, application_name: str) -> int:
    """Terminate the server side of every connection with this name; how many there were."""
    engine = create_engine(database.url)
    try:
        with engine.begin() as conn:
            return len(
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                        "AND application_name = :name"
                    ),
                    {"name": application_name},
                ).all()
            )
    finally:
        engine.dispose()


def test_the_web_app_answers_after_its_connections_were_ended(database, pg_app, db):
    """After a database restart, pooled connections are dead: pre-ping replaces them."""
    application, name = pg_app()
    client = application.test_client()
    assert client.get("/healthz").status_code == 200
    assert end_connections(database, name) >= 1
    assert client.get("/healthz").status_code == 200
    assert client.get("/mentors").status_code == 200


def test_the_worker_loop_reconnects_after_its_connections_were_ended(
    database, pg_app, db, smtp_server, monkeypatch
):
    """Without pre-ping the next claim fails on the dead connection; the loop gets over it."""
    monkeypatch.setattr(workers, "DB_RETRY_FIRST_SECONDS", 0.01)
    application, name = pg_app(pool_pre_ping=False)
    application.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, CAREERLINK_MAIL_TRANSPORT="smtp"
    )
    failures = []
    real_wait = workers.database_retry_wait

    def counted_wait(n: int) -> float:
        failures.append(n)
        return real_wait(n)

    monkeypatch.setattr(workers, "database_retry_wait", counted_wait)
    with worker_loop(application) as thread:
        queue_one(db, to="first@example.edu")
        assert wait_for(lambda: len(smtp_server.envelopes) == 1)
        assert end_connections(database, name) >= 1
        queue_one(db, to="second@example.edu")
        assert wait_for(lambda: len(smtp_server.envelopes) == 2)
        assert thread.is_alive()
    assert failures[:1] == [1]  # it did meet the dead connection, and went on
    assert sorted(m["To"] for m in smtp_server.messages) == [
        "first@example.edu",
        "second@example.edu",
    ]


def test_engine_options_ping_every_connection_and_pool_only_a_server_database():
    from careerlink import engine_options

    settings = {
        "CAREERLINK_DB_POOL_SIZE": 7,
        "CAREERLINK_DB_MAX_OVERFLOW": 3,
        "CAREERLINK_DB_POOL_RECYCLE_SECONDS": 600,
        "CAREERLINK_DB_CONNECT_TIMEOUT_SECONDS": 4,
    }
    # A SQLite file has no server to restart, so no ping before each request's statements.
    assert engine_options({**settings, "SQLALCHEMY_DATABASE_URI": "sqlite:///x.db"}) == {}
    pg = {**settings, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@db/careers"}
    assert engine_options(pg) == {
        "pool_pre_ping": True,
        "pool_size": 7,
        "max_overflow": 3,
        "pool_recycle": 600,
        "connect_args": {"connect_timeout": 4},
    }
    # Options given by a host application win; connect_args are merged.
    given = {"pool_size": 2, "connect_args": {"options": "-csearch_path=portal"}}
    assert engine_options({**pg, "SQLALCHEMY_ENGINE_OPTIONS": given}) == {
        "pool_pre_ping": True,
        "pool_size": 2,
        "max_overflow": 3,
        "pool_recycle": 600,
        "connect_args": {"connect_timeout": 4, "options": "-csearch_path=portal"},
    }
    never = {**pg, "CAREERLINK_DB_POOL_RECYCLE_SECONDS": 0}
    assert engine_options(never)["pool_recycle"] == -1


def test_pool_settings_are_read_and_checked():
    from careerlink.paths import load_config_module

    cfg = load_config_module()
    config = cfg.config_from_env(
        {"CAREERLINK_DB_POOL_SIZE": "20", "CAREERLINK_DB_POOL_RECYCLE_SECONDS": "300"}
    )
    assert (config.CAREERLINK_DB_POOL_SIZE, config.CAREERLINK_DB_POOL_RECYCLE_SECONDS) == (20, 300)
    defaults = cfg.config_from_env({})
    assert (
        defaults.CAREERLINK_DB_POOL_SIZE,
        defaults.CAREERLINK_DB_MAX_OVERFLOW,
        defaults.CAREERLINK_DB_POOL_RECYCLE_SECONDS,
        defaults.CAREERLINK_DB_CONNECT_TIMEOUT_SECONDS,
    ) == (5, 10, 1800, 10)
    for name, value in [
        ("CAREERLINK_DB_POOL_SIZE", "0"),
        ("CAREERLINK_DB_MAX_OVERFLOW", "many"),
        ("CAREERLINK_DB_CONNECT_TIMEOUT_SECONDS", "0"),
    ]:
        with pytest.raises(cfg.ConfigError, match=name):
            cfg.config_from_env({name: value})


# --- finding 10: a bad interval is a usage error -------------------------------------------------


@pytest.mark.parametrize("interval", ["-1", "0", "0.01", "3601", "1e9", "soon"])
def test_a_bad_interval_is_a_usage_error(app, db, interval):
    result = app.test_cli_runner().invoke(
        args=["careerlink", "mail", "send", "--loop", "--interval", interval]
    )
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--interval'" in result.output


# --- finding 12: one log line per tick -------------------------------------------------------


def test_tick_logs_one_structured_line(app, db, caplog):
    with caplog.at_level(logging.INFO, logger="careerlink.clock"):
        result = app.test_cli_runner().invoke(args=["careerlink", "requests", "tick"])
    assert result.exit_code == 0, result.output
    assert result.output == "reminded 0, expired 0, completed 0, paused 0 alumni\n"
    [record] = [r for r in caplog.records if r.name == "careerlink.clock"]
    counts = {k: getattr(record, k) for k in ("reminded", "expired", "completed", "paused")}
    assert counts == {"reminded": 0, "expired": 0, "completed": 0, "paused": 0}
    assert record.skipped == 0
    assert isinstance(record.duration_ms, float)
    assert record.getMessage() == (
        f"tick reminded=0 expired=0 completed=0 paused=0 skipped=0 duration_ms={record.duration_ms}"
    )


def test_tick_logs_what_it_did(app, db, caplog, make_request, monkeypatch):
    from datetime import timedelta

    import careerlink.connections.cli as requests_cli
    from careerlink.connections.services.clock import tick

    req = make_request(state="relayed")
    after_deadline = req.respond_by + timedelta(hours=1)
    monkeypatch.setattr(requests_cli, "tick", lambda unit: tick(after_deadline, unit=unit))
    with caplog.at_level(logging.INFO, logger="careerlink.clock"):
        result = app.test_cli_runner().invoke(args=["careerlink", "requests", "tick"])
    assert result.exit_code == 0, result.output
    assert result.output == "reminded 0, expired 1, completed 0, paused 0 alumni\n"
    [record] = [r for r in caplog.records if r.name == "careerlink.clock"]
    assert (record.reminded, record.expired, record.completed, record.paused) == (0, 1, 0, 0)


# --- finding 11: one clear line for a bad setting or an unreachable database -------------------


def clean_env(**extra) -> dict[str, str]:
    """The environment of a fresh process, without this run's CareerLink settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CAREERLINK_", "FLASK_", "SECRET_KEY", "DATABASE_URL", "MAIL_"))
    }
    env.update(extra)
    return env


BAD_SETTINGS = {"CAREERLINK_ENV": "production", "CAREERLINK_BASE_URL": "https://c.example.edu"}
SECRET_KEY_LINE = (
    "SECRET_KEY must be set to a long random value in production (for example: "
    'python -c "import secrets; print(secrets.token_hex(32))")'
)


def test_the_flask_command_reports_a_bad_setting_in_one_line():
    """`flask --app careerlink`: the ConfigError is a ClickException, so click prints one line.

    (`FLASK_APP=wsgi:app` goes through wsgi.py's own line: see test_config.)
    """
    proc = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "careerlink", "careerlink", "--help"],
        capture_output=True,
        text=True,
        env=clean_env(**BAD_SETTINGS),
        cwd=ROOT,
        check=False,
        timeout=60,
    )
    assert (proc.returncode, proc.stdout) == (1, "")
    assert proc.stderr == f"Error: {SECRET_KEY_LINE}\n"


def test_importing_wsgi_with_a_bad_setting_prints_one_line_and_exits(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        capture_output=True,
        text=True,
        env=clean_env(**{**BAD_SETTINGS, "MAIL_PORT": "smtp"}),
        cwd=ROOT,
        check=False,
        timeout=60,
    )
    assert (proc.returncode, proc.stdout) == (4, "")
    assert proc.stderr == "careerlink: MAIL_PORT must be a whole number, got 'smtp'\n"


def test_gunicorn_stops_with_one_line_on_a_bad_setting(tmp_path):
    """Exit status 4 is gunicorn's "App failed to load": it stops instead of respawning."""
    pytest.importorskip("gunicorn")
    gunicorn = Path(sys.executable).parent / "gunicorn"
    if not gunicorn.exists():
        pytest.skip("gunicorn's script is not installed beside this Python")
    proc = subprocess.run(
        [
            str(gunicorn),
            "--no-control-socket",
            "--bind",
            f"127.0.0.1:{free_port()}",
            "careerlink.wsgi:app",
        ],
        capture_output=True,
        text=True,
        env=clean_env(**BAD_SETTINGS),
        cwd=ROOT,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 4
    assert f"careerlink: {SECRET_KEY_LINE}\n" in proc.stderr
    assert "App failed to load" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("Booting worker") == 1  # no respawning


def test_an_unreachable_database_is_one_line_from_any_command(tmp_path, database):
    application = create_app(
        app_config(
            database,
            tmp_path,
            SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres:secret@127.0.0.1:1/x",
            SQLALCHEMY_ENGINE_OPTIONS={},
        )
    )
    try:
        result = application.test_cli_runner().invoke(args=["careerlink", "mail", "send"])
    finally:
        with application.app_context():
            _db.engine.dispose()
    assert result.exit_code == 1
    [line] = result.output.splitlines()
    assert line.startswith(
        "Error: cannot use the database postgresql+psycopg://postgres:***@127.0.0.1:1/x: "
    )
    assert "127.0.0.1" in line and "port 1 failed" in line
    assert "secret" not in result.output


# --- finding 11: `flask careerlink check` -----------------------------------------------------

REDIS_URL = os.environ.get("CAREERLINK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_url():
    """The test Redis's URL; skips when it does not answer."""
    redis = pytest.importorskip("redis", reason="the redis package is not installed")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as err:
        pytest.skip(f"Redis does not answer at {REDIS_URL}: {err}")
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture(scope="module")
def migrated(new_database, tmp_path_factory):
    """A database upgraded to the newest migration (as `flask db upgrade` leaves it)."""
    from flask_migrate import upgrade

    from careerlink.paths import MIGRATIONS_DIR

    database = new_database("check")
    application = create_app(app_config(database, tmp_path_factory.mktemp("check")))
    with application.app_context():
        upgrade(directory=str(MIGRATIONS_DIR))
        _db.engine.dispose()
    return database


def head_revision() -> str:
    """The newest revision in migrations/."""
    from alembic.script import ScriptDirectory

    from careerlink.paths import MIGRATIONS_DIR

    [head] = ScriptDirectory(str(MIGRATIONS_DIR)).get_heads()
    return head


def run_check(database, tmp_path, *args, **config):
    """`flask careerlink check` on an app with these settings: (exit code, output lines)."""
    application = create_app(app_config(database, tmp_path, **config))
    try:
        result = application.test_cli_runner().invoke(args=["careerlink", "check", *args])
    finally:
        with application.app_context():
            _db.engine.dispose()
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output.splitlines()


def shown(database) -> str:
    """How the check names a database (its URL without a password)."""
    from sqlalchemy.engine import make_url

    return make_url(database.url).render_as_string(hide_password=True)


def test_check_all_ok(migrated, tmp_path, redis_url):
    code, lines = run_check(
        migrated,
        tmp_path,
        CAREERLINK_CACHE_URL=redis_url,
        RATELIMIT_STORAGE_URI=redis_url,
    )
    assert lines == [
        "configuration: ok (testing, http://careerlink.test)",
        f"database: ok ({shown(migrated)}, migrations at {head_revision()})",
        f"mail: ok (catcher, messages are written to {tmp_path / 'mail'})",
        f"redis (cache): ok ({redis_url})",
        f"redis (rate limits): ok ({redis_url})",
    ]
    assert code == 0


def test_check_reports_production_settings_that_would_send_nothing(migrated, tmp_path):
    code, lines = run_check(migrated, tmp_path, ENV_NAME="production")
    assert lines[0] == (
        "configuration: problem: CAREERLINK_MAIL_TRANSPORT is catcher in production: emails "
        "are written to files, not sent"
    )
    assert code == 1
    code, lines = run_check(
        migrated,
        tmp_path,
        ENV_NAME="production",
        CAREERLINK_MAIL_TRANSPORT="smtp",
        MAIL_DEFAULT_SENDER="CareerLink <careers@localhost>",
    )
    assert lines[0] == (
        "configuration: problem: MAIL_DEFAULT_SENDER 'careers@localhost' is not a public address"
    )
    assert code == 1
    code, lines = run_check(
        migrated, tmp_path, ENV_NAME="production", CAREERLINK_MAIL_TRANSPORT="smtp"
    )
    assert lines[0] == "configuration: ok (production, http://careerlink.test)"


def test_check_reports_a_database_without_migrations(database, tmp_path, app):
    """The suite's database is made by create_all: it answers, but Alembic never ran."""
    code, lines = run_check(database, tmp_path)
    assert lines[1] == (
        f"database: problem: {shown(database)} answers but has no migration applied; "
        "run: flask db upgrade"
    )
    assert code == 1


def test_check_reports_a_database_behind_the_code(migrated, tmp_path):
    engine = create_engine(migrated.url, **migrated.engine_options)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE careerlink_alembic_version SET version_num = '0001'"))
        code, lines = run_check(migrated, tmp_path)
    finally:
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE careerlink_alembic_version SET version_num = :v"),
                {"v": head_revision()},
            )
        engine.dispose()
    assert lines[1] == (
        f"database: problem: {shown(migrated)} is at migration 0001, the code needs "
        f"{head_revision()}; run: flask db upgrade"
    )
    assert code == 1


def test_check_reports_an_unreachable_database(database, tmp_path):
    code, lines = run_check(
        database,
        tmp_path,
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres:secret@127.0.0.1:1/x",
        SQLALCHEMY_ENGINE_OPTIONS={},
    )
    assert lines[0] == "configuration: ok (testing, http://careerlink.test)"
    assert lines[1].startswith(
        "database: problem: cannot use postgresql+psycopg://postgres:***@127.0.0.1:1/x: "
        "connection failed: "
    )
    assert "port 1 failed: Connection refused" in lines[1]
    assert len(lines) == 3 and "secret" not in "\n".join(lines)
    assert code == 1


def test_check_smtp(migrated, tmp_path, smtp_server):
    smtp = {"MAIL_SERVER": "127.0.0.1", "CAREERLINK_MAIL_TRANSPORT": "smtp"}
    code, lines = run_check(migrated, tmp_path, "--smtp", MAIL_PORT=smtp_server.port, **smtp)
    assert lines[2] == f"smtp: ok (127.0.0.1:{smtp_server.port} answered)"
    assert code == 0
    code, lines = run_check(migrated, tmp_path, MAIL_PORT=smtp_server.port, **smtp)
    assert lines[2] == f"smtp: skipped (127.0.0.1:{smtp_server.port}; add --smtp to connect)"
    assert code == 0
    closed = free_port()
    code, lines = run_check(migrated, tmp_path, "--smtp", MAIL_PORT=closed, **smtp)
    assert lines[2] == (
        f"smtp: problem: cannot talk to 127.0.0.1:{closed}: "
        "ConnectionRefusedError: [Errno 111] Connection refused"
    )
    assert code == 1


def test_check_smtp_that_never_answers_gives_up_after_the_timeout(migrated, tmp_path):
    server = SilentSmtpServer(greet=False)
    try:
        code, lines = run_check(
            migrated,
            tmp_path,
            "--smtp",
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=server.port,
            CAREERLINK_SMTP_TIMEOUT_SECONDS=1,
        )
    finally:
        server.close()
    assert lines[2] == (
        f"smtp: problem: cannot talk to 127.0.0.1:{server.port}: "
        "SMTPServerDisconnected: Connection unexpectedly closed: timed out"
    )
    assert code == 1


def test_check_reports_an_unreachable_redis(migrated, tmp_path):
    pytest.importorskip("redis", reason="the redis package is not installed")
    closed = f"redis://:pw@127.0.0.1:{free_port()}/0"
    code, lines = run_check(migrated, tmp_path, CAREERLINK_CACHE_URL=closed)
    masked = closed.replace(":pw@", ":***@")
    assert lines[3].startswith(f"redis (cache): problem: cannot reach {masked}: ")
    assert "Connection refused" in lines[3] and "pw@" not in lines[3]
    assert code == 1


# --- issue 18: in-memory rate limits in production are reported -------------------------------


def test_check_warns_about_in_memory_rate_limits_in_production(migrated, tmp_path, redis_url):
    production = {"ENV_NAME": "production", "CAREERLINK_MAIL_TRANSPORT": "smtp"}
    code, lines = run_check(migrated, tmp_path, RATELIMIT_STORAGE_URI="memory://", **production)
    assert lines[3] == (
        "rate limits: warning: rate limits are counted in each process's memory "
        "(CAREERLINK_RATELIMIT_STORAGE_URI=memory://): with several gunicorn workers or "
        "machines each counts alone, so sign-in allows several times its limit; set "
        "CAREERLINK_RATELIMIT_STORAGE_URI=redis://... (pip install 'careerlink[server]')"
    )
    assert code == 0  # a warning: one process may count in memory
    code, lines = run_check(migrated, tmp_path, RATELIMIT_STORAGE_URI=redis_url, **production)
    assert lines[3] == f"redis (rate limits): ok ({redis_url})"
    assert not any(line.startswith("rate limits:") for line in lines)


def test_check_reads_our_version_table_and_names_what_production_allows(migrated, tmp_path):
    code, lines = run_check(
        migrated,
        tmp_path,
        ENV_NAME="production",
        CAREERLINK_ALLOW_MAIL_CATCHER=True,
        CAREERLINK_ALLOW_SQLITE=True,
        RATELIMIT_ENABLED=False,
    )
    sqlite = (
        ", SQLite allowed: run one web process and one worker" if "sqlite" in migrated.url else ""
    )
    assert lines[0] == (
        "configuration: ok (production, http://careerlink.test, mail catcher allowed: emails are "
        f"written to files, not sent{sqlite})"
    )
    assert lines[1] == f"database: ok ({shown(migrated)}, migrations at {head_revision()})"
    assert code == 0
