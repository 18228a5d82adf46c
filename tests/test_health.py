"""/healthz answers JSON in every case; the mail worker's health is reported for monitoring.

Issue 18, finding "during a database outage /healthz answers an HTML 500 page; nothing reports
the mail worker's health (last successful pass, queue depth, oldest due message)".
"""

from __future__ import annotations

import json
import os
import socket
from datetime import timedelta

import pytest
from conftest import app_config
from support.workers import IDLE_WORKER_HEALTH

from careerlink import __version__, create_app
from careerlink.accounts.models import User
from careerlink.extensions import db as _db
from careerlink.mail import enqueue, worker
from careerlink.mail.health import record_pass, worker_health
from careerlink.mail.models import OutboxMessage, WorkerState
from careerlink.models import utcnow

UNREACHABLE_PG = "postgresql+psycopg://postgres:secret@127.0.0.1:1/x"


def queue(db, due_ago: timedelta | None = None, status: str | None = None) -> OutboxMessage:
    """One committed outbox row, due `due_ago` ago (now by default)."""
    row = enqueue(
        "password_changed",
        "user",
        "vera@example.edu",
        {"user": User(email="vera@example.edu", display_name="Vera")},
    )
    db.session.flush()
    if due_ago is not None:
        row.next_attempt_at = utcnow() - due_ago
    if status is not None:
        row.status = status
    db.session.commit()
    return row


def set_last_pass(db, ago: timedelta) -> None:
    """Pretend the worker's last pass finished `ago` ago."""
    record_pass(now=utcnow() - ago)
    db.session.commit()


# --- /healthz -------------------------------------------------------------------------------


@pytest.fixture
def broken_app(database, tmp_path):
    """make(url) -> an app whose database does not answer."""
    made = []

    def make(url: str):
        application = create_app(
            app_config(
                database, tmp_path, SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS={}
            )
        )
        made.append(application)
        return application

    yield make
    for application in made:
        with application.app_context():
            _db.engine.dispose()


def test_healthz_is_json_with_the_version(client, db):
    resp = client.get("/healthz")
    assert (resp.status_code, resp.mimetype) == (200, "application/json")
    assert resp.get_json() == {"status": "ok", "version": __version__, "database": "ok"}


def test_healthz_is_a_503_in_json_when_postgresql_does_not_answer(broken_app):
    resp = broken_app(UNREACHABLE_PG).test_client().get("/healthz")
    assert (resp.status_code, resp.mimetype) == (503, "application/json")
    body = resp.get_json()
    assert (body["status"], body["version"]) == ("unavailable", __version__)
    assert body["database"].startswith("connection failed: ")
    assert "port 1 failed: Connection refused" in body["database"]
    assert "secret" not in resp.get_data(as_text=True)


def test_healthz_is_a_503_in_json_when_sqlite_cannot_be_opened(broken_app, tmp_path):
    missing = tmp_path / "no" / "such" / "folder" / "careerlink.sqlite3"
    resp = broken_app(f"sqlite:///{missing}").test_client().get("/healthz")
    assert resp.status_code == 503
    assert resp.get_json() == {
        "status": "unavailable",
        "version": __version__,
        "database": "unable to open database file",
    }


def test_healthz_is_json_whatever_goes_wrong(client, db, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("the pool is exhausted")

    monkeypatch.setattr(_db.session, "execute", boom)
    resp = client.get("/healthz")
    assert resp.status_code == 503
    assert resp.get_json()["database"] == "the pool is exhausted"


# --- the worker's health ----------------------------------------------------------------------


def test_an_idle_worker_that_never_ran_is_not_late(client, db):
    resp = client.get("/healthz/worker")
    assert resp.status_code == 200
    assert resp.get_json() == IDLE_WORKER_HEALTH


def test_mail_due_and_no_pass_ever_is_late_until_the_worker_runs(app, client, db):
    queue(db, due_ago=timedelta(minutes=20))
    resp = client.get("/healthz/worker")
    assert resp.status_code == 503
    body = resp.get_json()
    assert (body["status"], body["waiting"], body["due"], body["last_pass_at"]) == (
        "late",
        1,
        1,
        None,
    )
    assert 1199 <= body["oldest_due_age_seconds"] <= 1260

    worker.run()  # one pass (the catcher transport): sends it and records the pass
    resp = client.get("/healthz/worker")
    assert resp.status_code == 200
    body = resp.get_json()
    assert (body["status"], body["waiting"], body["due"]) == ("ok", 0, 0)
    assert 0 <= body["last_pass_age_seconds"] < 30


def test_a_last_pass_older_than_the_threshold_is_late_only_while_mail_is_due(app, client, db):
    set_last_pass(db, timedelta(minutes=11))
    assert client.get("/healthz/worker").status_code == 200  # idle: nothing to do anyway
    queue(db)
    resp = client.get("/healthz/worker")
    assert resp.status_code == 503 and resp.get_json()["status"] == "late"
    set_last_pass(db, timedelta(minutes=9))
    assert client.get("/healthz/worker").status_code == 200  # due, but the worker is alive


def test_the_threshold_is_a_setting(app, client, db, monkeypatch):
    from careerlink.paths import load_config_module

    cfg = load_config_module()
    assert cfg.config_from_env({}).CAREERLINK_WORKER_LATE_SECONDS == 600
    env = {"CAREERLINK_WORKER_LATE_SECONDS": "120"}
    assert cfg.config_from_env(env).CAREERLINK_WORKER_LATE_SECONDS == 120
    with pytest.raises(cfg.ConfigError, match="CAREERLINK_WORKER_LATE_SECONDS"):
        cfg.config_from_env({"CAREERLINK_WORKER_LATE_SECONDS": "5"})
    monkeypatch.setitem(app.config, "CAREERLINK_WORKER_LATE_SECONDS", 120)
    queue(db)
    set_last_pass(db, timedelta(minutes=3))
    resp = client.get("/healthz/worker")
    assert resp.status_code == 503 and resp.get_json()["late_after_seconds"] == 120


def test_the_counts(app, db):
    now = utcnow()
    queue(db, due_ago=timedelta(minutes=30))
    queue(db, due_ago=timedelta(minutes=5))
    queue(db, due_ago=timedelta(minutes=-10))  # waiting for a retry, not due yet
    queue(db, due_ago=timedelta(minutes=60), status="failed")
    queue(db, due_ago=timedelta(minutes=60), status="sent")
    health = worker_health(now=now)
    assert (health.waiting, health.due, health.failed) == (3, 2, 1)
    assert abs(health.oldest_due_age - timedelta(minutes=30)) < timedelta(seconds=5)
    assert health.oldest_due_at.tzinfo is not None


def test_each_pass_of_the_worker_is_recorded_once(app, db):
    worker.run()
    first = db.session.get(WorkerState, "mail")
    assert first.last_worker == f"{socket.gethostname()}:{os.getpid()}"
    first_at = first.last_pass_at
    db.session.expire_all()
    worker.run()
    assert db.session.query(WorkerState).count() == 1
    assert db.session.get(WorkerState, "mail").last_pass_at > first_at


def test_a_database_outage_is_a_503_for_the_worker_check_too(broken_app):
    resp = broken_app(UNREACHABLE_PG).test_client().get("/healthz/worker")
    assert resp.status_code == 503
    assert resp.get_json()["status"] == "unavailable"


# --- flask careerlink mail status -----------------------------------------------------------


def test_mail_status_when_all_is_well(app, db):
    set_last_pass(db, timedelta(seconds=42))
    result = app.test_cli_runner().invoke(args=["careerlink", "mail", "status"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:2] == ["waiting: 0 (0 due)", "failed for good: 0"]
    assert lines[2].startswith("last pass: ") and " s ago, by " in lines[2]
    assert lines[3:] == ["status: ok"]


def test_mail_status_when_the_worker_is_late(app, db):
    queue(db, due_ago=timedelta(minutes=15, seconds=3))
    set_last_pass(db, timedelta(hours=2, minutes=10))
    result = app.test_cli_runner().invoke(args=["careerlink", "mail", "status"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("waiting: 1 (1 due, the oldest due for 15 min ")
    assert lines[2].startswith("last pass: ") and "2 h 10 min ago" in lines[2]
    assert lines[3] == (
        "status: late: mail is due and the last pass was 2 h 10 min ago (more than "
        "CAREERLINK_WORKER_LATE_SECONDS=600); is `flask careerlink mail send --loop` running?"
    )


def test_mail_status_json_is_what_the_endpoint_answers(app, client, db):
    queue(db)
    result = app.test_cli_runner().invoke(args=["careerlink", "mail", "status", "--json"])
    assert result.exit_code == 1
    printed = json.loads(result.output)
    answered = client.get("/healthz/worker").get_json()
    for body in (printed, answered):
        body.pop("oldest_due_age_seconds")
    assert printed == answered
