"""Server-side sessions (issue 8, finding 3): sign-out, lifetimes, the account page's list."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from conftest import DEFAULT_PASSWORD, sign_in_session
from sqlalchemy import event, select

from careerlink.accounts import sessions
from careerlink.accounts.devices import describe_device
from careerlink.accounts.models import User, UserSession
from careerlink.accounts.signin import SESSION_KEY
from careerlink.models import utcnow
from config import ConfigError, config_from_env

FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
SIGN_IN_AGAIN = "/signin?next=%2Faccount"


def sign_in_with_form(client, user, user_agent=FIREFOX_WINDOWS):
    """Post the real sign-in form; returns the response."""
    return client.post(
        "/signin",
        data={"email": user.email, "password": DEFAULT_PASSWORD},
        headers={"User-Agent": user_agent},
    )


def rows_of(db, user) -> list[UserSession]:
    """Every session row of user, oldest first, as the database has them now."""
    db.session.expire_all()
    stmt = select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)
    return list(db.session.scalars(stmt))


def cookie_of(client) -> str:
    """The client's (signed) Flask session cookie (named careerlink_session)."""
    return client.get_cookie(client.application.config["SESSION_COOKIE_NAME"]).value


def flask_session(client) -> dict:
    """A copy of what the client's Flask session holds."""
    with client.session_transaction() as sess:
        return dict(sess)


def set_times(db, row_id, **times) -> None:
    """Move a session's timestamps (e.g. into the past) and commit."""
    row = db.session.get(UserSession, row_id)
    for name, value in times.items():
        setattr(row, name, value)
    db.session.commit()


# --- signing in starts a session; only its hash is stored ---------------------------------


def test_sign_in_form_starts_a_session_and_stores_only_the_keys_hash(client, db, student):
    resp = sign_in_with_form(client, student)
    assert resp.status_code == 302 and resp.headers["Location"] == "/account"
    [row] = rows_of(db, student)
    key = flask_session(client)[SESSION_KEY]
    assert len(key) >= 40
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest() != key
    assert (row.user_agent, row.ip_address) == (FIREFOX_WINDOWS, "127.0.0.1")
    assert row.ended_at is None and row.end_reason is None
    assert row.created_at == row.last_seen_at
    assert utcnow() - row.created_at < timedelta(minutes=1)
    assert client.get("/account").status_code == 200


def test_a_cookie_without_a_live_session_key_is_anonymous(app, client, db, student):
    # Before server-side sessions, Flask-Login's user id alone (this cookie) signed a user in.
    with client.session_transaction() as sess:
        sess["_user_id"] = student.get_id()
        sess["_fresh"] = True
    resp = client.get("/account")
    assert resp.status_code == 302 and resp.headers["Location"] == SIGN_IN_AGAIN
    # A key of another user's session does not help either.
    other = app.test_client()
    sign_in_session(other, student)
    stolen_key = flask_session(other)[SESSION_KEY]
    with client.session_transaction() as sess:
        sess["_user_id"] = str(student.id + 1)
        sess[SESSION_KEY] = stolen_key
    assert client.get("/account").headers["Location"] == SIGN_IN_AGAIN
    with client.session_transaction() as sess:
        sess["_user_id"] = str(2**63)  # beyond any id: refused, not a 500
    assert client.get("/account").headers["Location"] == SIGN_IN_AGAIN


# --- sign-out ends the session --------------------------------------------------------------


def test_a_copied_cookie_opens_nothing_after_sign_out(app, client, db, student):
    sign_in_with_form(client, student)
    copy = cookie_of(client)
    replay = app.test_client()
    replay.set_cookie("careerlink_session", copy)
    assert replay.get("/account").status_code == 200  # the copy works while signed in

    resp = client.post("/signout")
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    # The browser's session keeps only the message, not a trace of the sign-in.
    assert flask_session(client) == {"_flashes": [("info", "You are signed out.")]}
    [row] = rows_of(db, student)
    assert row.end_reason == "signed_out" and row.ended_at is not None

    replay = app.test_client()
    replay.set_cookie("careerlink_session", copy)
    resp = replay.get("/account")
    assert resp.status_code == 302 and resp.headers["Location"] == SIGN_IN_AGAIN
    # The dead session's keys are dropped from the replayed cookie too.
    assert "_user_id" not in flask_session(replay) and SESSION_KEY not in flask_session(replay)


def test_a_csrf_token_from_before_sign_in_is_refused_after_it(app, db, student):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        c = app.test_client()
        page = c.get("/signin").get_data(as_text=True)
        anonymous_token = csrf_token_in(page)
        resp = c.post(
            "/signin",
            data={
                "email": student.email,
                "password": DEFAULT_PASSWORD,
                "csrf_token": anonymous_token,
            },
        )
        assert resp.status_code == 302 and resp.headers["Location"] == "/account"
        # The token an attacker could have read or planted before sign-in is now worthless ...
        resp = c.post("/signout", data={"csrf_token": anonymous_token})
        assert resp.status_code == 400
        page = resp.get_data(as_text=True)
        assert "The form could not be sent" in page
        assert (
            "Your session changed since this page was loaded (you signed in or out, perhaps "
            "in another tab, or it timed out). Go back, reload the page and send the form again."
        ) in page
        assert c.get("/account").status_code == 200  # still signed in
        # ... and the token of a page served after sign-in works.
        fresh = csrf_token_in(c.get("/account").get_data(as_text=True))
        assert fresh != anonymous_token
        assert c.post("/signout", data={"csrf_token": fresh}).status_code == 302
        assert c.get("/account").headers["Location"] == SIGN_IN_AGAIN
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def csrf_token_in(page: str) -> str:
    """The first CSRF token in a page's forms."""
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


# --- lifetimes --------------------------------------------------------------------------------


def test_an_idle_session_expires(client, db, student, sign_in):
    sign_in(student)
    [row] = rows_of(db, student)
    set_times(db, row.id, last_seen_at=utcnow() - timedelta(minutes=479))
    assert client.get("/account").status_code == 200  # 479 of 480 minutes: still live
    set_times(db, row.id, last_seen_at=utcnow() - timedelta(minutes=481))
    resp = client.get("/account")
    assert resp.status_code == 302 and resp.headers["Location"] == SIGN_IN_AGAIN
    [row] = rows_of(db, student)
    assert row.end_reason == "expired" and row.ended_at is not None


def test_a_session_ends_at_its_maximum_age_however_active(client, db, student, sign_in):
    sign_in(student)
    [row] = rows_of(db, student)
    set_times(db, row.id, created_at=utcnow() - timedelta(hours=167, minutes=59))
    assert client.get("/account").status_code == 200
    set_times(db, row.id, created_at=utcnow() - timedelta(hours=168, minutes=1))
    assert client.get("/account").headers["Location"] == SIGN_IN_AGAIN
    assert rows_of(db, student)[0].end_reason == "expired"


def test_lifetimes_follow_the_settings(app, client, db, student, sign_in, monkeypatch):
    monkeypatch.setitem(app.config, "CAREERLINK_SESSION_IDLE_MINUTES", 10)
    monkeypatch.setitem(app.config, "CAREERLINK_SESSION_MAX_HOURS", 2)
    sign_in(student)
    [row] = rows_of(db, student)
    page = client.get("/account").get_data(as_text=True)
    assert "signed in for at most 2 hours, and is signed out after 10 minutes without" in page
    set_times(db, row.id, last_seen_at=utcnow() - timedelta(minutes=11))
    assert client.get("/account").headers["Location"] == SIGN_IN_AGAIN

    sign_in(student)
    row = rows_of(db, student)[-1]
    set_times(db, row.id, created_at=utcnow() - timedelta(hours=2, minutes=1))
    assert client.get("/account").headers["Location"] == SIGN_IN_AGAIN
    assert [r.end_reason for r in rows_of(db, student)] == ["expired", "expired"]


def session_updates(app, client, path="/account") -> list[str]:
    """The UPDATE statements on careerlink_sessions that one request runs."""
    seen: list[str] = []

    def before(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("UPDATE CAREERLINK_SESSIONS"):
            seen.append(statement)

    from careerlink.extensions import db as ext_db

    with app.app_context():
        engine = ext_db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return seen


def test_last_seen_is_written_at_most_once_a_minute(app, client, db, student, sign_in):
    sign_in(student)
    [row] = rows_of(db, student)
    recent = utcnow() - timedelta(seconds=30)
    set_times(db, row.id, last_seen_at=recent)
    assert session_updates(app, client) == []  # seen half a minute ago: no write
    assert rows_of(db, student)[0].last_seen_at == recent

    set_times(db, row.id, last_seen_at=utcnow() - timedelta(minutes=5))
    before = utcnow()
    assert len(session_updates(app, client)) == 1
    touched = rows_of(db, student)[0].last_seen_at
    assert before - timedelta(seconds=1) <= touched <= utcnow()
    assert session_updates(app, client) == []  # the next request within the minute: none


def test_recording_activity_never_commits_the_requests_unfinished_work(
    client, db, student, sign_in
):
    """The loader may run while a view has changes pending: it commits only its own write."""
    sign_in(student)
    name = student.display_name
    key = flask_session(client)[SESSION_KEY]
    [row] = rows_of(db, student)
    set_times(db, row.id, last_seen_at=utcnow() - timedelta(minutes=5))
    db.session.get(User, student.id).display_name = "Half-done change"  # not committed
    with db.session.no_autoflush:
        found = sessions.find_live_session(str(student.id), key)
    assert found is not None and found.id == row.id
    db.session.rollback()  # the view then fails
    db.session.expire_all()
    assert db.session.get(User, student.id).display_name == name != "Half-done change"
    assert utcnow() - rows_of(db, student)[0].last_seen_at < timedelta(minutes=1)


# --- deactivation ----------------------------------------------------------------------------


def test_a_deactivated_users_sessions_end(client, db, student, sign_in):
    sign_in(student)
    assert client.get("/account").status_code == 200
    db.session.get(User, student.id).active = False
    db.session.commit()
    assert client.get("/account").headers["Location"] == SIGN_IN_AGAIN
    [row] = rows_of(db, student)
    assert row.end_reason == "deactivated"
    # Reactivated, the account's old browser stays signed out.
    db.session.get(User, student.id).active = True
    db.session.commit()
    assert client.get("/account").headers["Location"] == SIGN_IN_AGAIN


# --- the account page -------------------------------------------------------------------------


# A day under 10 and September: the page writes "5 Sept", neither "05" nor "Sep".
@time_machine.travel(datetime(2026, 9, 5, 10, 7, tzinfo=UTC), tick=True)
def test_the_account_page_lists_live_sessions_and_marks_this_device(
    app, client, db, student, make_user
):
    sign_in_with_form(client, student, FIREFOX_WINDOWS)
    phone = app.test_client()
    sign_in_with_form(phone, student, SAFARI_IPHONE)
    gone = app.test_client()
    sign_in_with_form(gone, student, "curl/8.5.0")
    gone.post("/signout")
    sign_in_with_form(app.test_client(), make_user(), FIREFOX_WINDOWS)  # someone else's
    html = client.get("/account").get_data(as_text=True)
    section = html.split('id="sessions-heading"')[1].split("</section>")[0]
    items = re.findall(r"<li>(.*?)</li>", section, re.S)
    assert len(items) == 2  # not the ended one, not another person's
    # Most recently seen first: the phone signed in after this browser, which has not been
    # seen again since (last seen is written at most once a minute).
    assert "Safari on iPhone" in items[0]
    assert "Firefox on Windows" in items[1]
    mine = next(i for i in items if "Firefox on Windows" in i)
    theirs = next(i for i in items if "Safari on iPhone" in i)
    assert "this device" in mine and "End session" not in mine
    assert "this device" not in theirs and "End session" in theirs
    assert "last seen 5 Sept 2026, 10:07 UTC" in theirs
    assert "curl" not in section
    assert "signed in for at most 7 days, and is signed out after 8 hours without use" in section
    assert "Sign out all other devices" in section
    # Alone, there is nothing else to sign out.
    phone.post("/signout")
    section = client.get("/account").get_data(as_text=True).split('id="sessions-heading"')[1]
    assert "Sign out all other devices" not in section.split("</section>")[0]


def test_end_one_other_session(app, client, db, student):
    sign_in_with_form(client, student)
    phone = app.test_client()
    sign_in_with_form(phone, student, SAFARI_IPHONE)
    mine, theirs = rows_of(db, student)
    resp = client.post(f"/account/sessions/{theirs.id}/end")
    assert resp.status_code == 302 and resp.headers["Location"] == "/account"
    assert flask_session(client)["_flashes"] == [
        ("success", "That session has ended; the device is signed out.")
    ]
    assert phone.get("/account").headers["Location"] == SIGN_IN_AGAIN
    assert client.get("/account").status_code == 200
    mine, theirs = rows_of(db, student)
    assert (mine.ended_at, theirs.end_reason) == (None, "ended_by_user")
    # Again: it had already ended; said calmly.
    client.post(f"/account/sessions/{theirs.id}/end")
    assert flask_session(client)["_flashes"] == [("info", "That session had already ended.")]


def test_nobody_ends_someone_elses_session(app, client, db, student, make_user):
    victim = make_user()
    victims_browser = app.test_client()
    sign_in_with_form(victims_browser, victim)
    [row] = rows_of(db, victim)
    sign_in_with_form(client, student)
    assert client.post(f"/account/sessions/{row.id}/end").status_code == 404
    assert client.post("/account/sessions/999999/end").status_code == 404
    assert client.post("/account/sessions/99999999999999999999/end").status_code == 404
    assert client.post(f"/account/sessions/{2**63 - 1}/end").status_code == 404
    assert rows_of(db, victim)[0].ended_at is None
    assert victims_browser.get("/account").status_code == 200
    assert client.get("/account/sessions/1/end").status_code == 405  # POST only
    anonymous = app.test_client()
    resp = anonymous.post(f"/account/sessions/{row.id}/end")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/signin")


def test_ending_this_devices_session_signs_this_browser_out(client, db, student):
    sign_in_with_form(client, student)
    [row] = rows_of(db, student)
    resp = client.post(f"/account/sessions/{row.id}/end")
    assert resp.status_code == 302 and resp.headers["Location"] == "/signin"
    assert client.get("/account").headers["Location"] == SIGN_IN_AGAIN
    assert rows_of(db, student)[0].end_reason == "ended_by_user"


def test_sign_out_all_other_devices(app, client, db, student):
    sign_in_with_form(client, student)
    others = [app.test_client(), app.test_client()]
    for other in others:
        sign_in_with_form(other, student, SAFARI_IPHONE)
    resp = client.post("/account/sessions/end-others")
    assert resp.status_code == 302 and resp.headers["Location"] == "/account"
    assert flask_session(client)["_flashes"] == [
        ("success", "Your 2 other sessions have ended; those devices are signed out.")
    ]
    assert [o.get("/account").status_code for o in others] == [302, 302]
    assert client.get("/account").status_code == 200
    assert [r.end_reason for r in rows_of(db, student)] == [None, "ended_by_user", "ended_by_user"]
    client.post("/account/sessions/end-others")
    assert flask_session(client)["_flashes"] == [
        ("success", "You were not signed in anywhere else.")
    ]


def test_session_buttons_need_a_csrf_token(app, db, student):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        c = app.test_client()
        page = c.get("/signin").get_data(as_text=True)
        c.post(
            "/signin",
            data={
                "email": student.email,
                "password": DEFAULT_PASSWORD,
                "csrf_token": csrf_token_in(page),
            },
        )
        [row] = rows_of(db, student)
        assert c.post("/account/sessions/end-others").status_code == 400
        assert c.post(f"/account/sessions/{row.id}/end").status_code == 400
        assert rows_of(db, student)[0].ended_at is None
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


# --- passwords ------------------------------------------------------------------------------


def test_a_password_change_ends_every_other_session(app, client, db, student):
    sign_in_with_form(client, student)
    other = app.test_client()
    sign_in_with_form(other, student, SAFARI_IPHONE)
    resp = client.post(
        "/account/password",
        data={
            "current_password": DEFAULT_PASSWORD,
            "new_password": "a-brand-new-password",
            "confirm": "a-brand-new-password",
        },
    )
    assert resp.status_code == 302
    mine, theirs = rows_of(db, student)
    assert (mine.ended_at, theirs.end_reason) == (None, "password_changed")
    assert client.get("/account").status_code == 200
    assert other.get("/account").headers["Location"] == SIGN_IN_AGAIN


def test_a_password_reset_ends_every_session(app, client, db, student, outbox):
    elsewhere = app.test_client()
    sign_in_with_form(elsewhere, student)
    client.post("/password/forgot", data={"email": student.email})
    from conftest import link_from, write_deferred

    write_deferred()  # the worker writes the reset email
    [mail] = outbox("reset_password")
    path = link_from(mail, "/password/reset/").replace("http://careerlink.test", "")
    resp = client.post(path, data={"password": "another-long-pass", "confirm": "another-long-pass"})
    assert resp.status_code == 302
    assert [r.end_reason for r in rows_of(db, student)] == ["password_reset"]
    assert elsewhere.get("/account").headers["Location"] == SIGN_IN_AGAIN


# --- settings and devices -------------------------------------------------------------------


def test_session_settings_defaults_and_validation():
    config = config_from_env({"CAREERLINK_ENV": "testing"})
    assert (config.CAREERLINK_SESSION_IDLE_MINUTES, config.CAREERLINK_SESSION_MAX_HOURS) == (
        480,
        168,
    )
    config = config_from_env(
        {
            "CAREERLINK_ENV": "testing",
            "CAREERLINK_SESSION_IDLE_MINUTES": "30",
            "CAREERLINK_SESSION_MAX_HOURS": "12",
        }
    )
    assert (config.CAREERLINK_SESSION_IDLE_MINUTES, config.CAREERLINK_SESSION_MAX_HOURS) == (30, 12)
    for name, value, message in [
        ("CAREERLINK_SESSION_IDLE_MINUTES", "4", "must be at least 5, got 4"),
        ("CAREERLINK_SESSION_IDLE_MINUTES", "eight hours", "must be a whole number"),
        ("CAREERLINK_SESSION_MAX_HOURS", "0", "must be at least 1, got 0"),
    ]:
        with pytest.raises(ConfigError, match=f"^{name} {message}"):
            config_from_env({"CAREERLINK_ENV": "testing", name: value})


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36",
            "Chrome on Linux",
        ),
        (FIREFOX_WINDOWS, "Firefox on Windows"),
        (SAFARI_IPHONE, "Safari on iPhone"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Safari/605.1.15",
            "Safari on macOS",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Mobile Safari/537.36",
            "Chrome on Android",
        ),
        (
            "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36",
            "Chrome on ChromeOS",
        ),
        ("curl/8.5.0", "curl"),
        ("Mozilla/5.0 (X11; Linux x86_64)", "A browser on Linux"),
        ("", "Unknown browser"),
        (None, "Unknown browser"),
    ],
)
def test_devices_are_described_in_plain_words(user_agent, expected):
    assert describe_device(user_agent) == expected


# --- old session rows (addresses and browsers are personal data) are purged -----------------


def test_the_purge_removes_sessions_over_with_for_longer_than_the_retention(app, db, student):
    # Idle limit 8 hours and maximum age 7 days (the defaults); keep 90 days.
    now = utcnow()
    days = timedelta(days=1)
    cases = {
        "ended 91 days ago": dict(ended_at=now - 91 * days, end_reason="signed_out"),
        "ended 89 days ago": dict(ended_at=now - 89 * days, end_reason="signed_out"),
        # Never marked ended: it lapsed when it went idle (last seen + 8 hours).
        "idle since 91 days": dict(last_seen_at=now - 91 * days),
        "idle since 90 days and 1 hour": dict(last_seen_at=now - 90 * days - timedelta(hours=1)),
        # Lapsed at its maximum age (started + 7 days, 89 days ago), in use until then.
        "started 96 days ago": dict(
            created_at=now - 96 * days, last_seen_at=now - 89 * days - timedelta(hours=1)
        ),
        "live": {},
    }
    ids = {}
    for name, times in cases.items():
        sessions.start_session(student, "test", "192.0.2.1")
        row = db.session.scalars(select(UserSession).order_by(UserSession.id.desc())).first()
        ids[name] = row.id
        for column, value in times.items():
            setattr(row, column, value)
    db.session.commit()
    assert sessions.purge_old_sessions(90, now=now) == 2
    db.session.commit()
    kept = {name for name, row_id in ids.items() if db.session.get(UserSession, row_id)}
    assert kept == {
        "ended 89 days ago",
        "idle since 90 days and 1 hour",
        "started 96 days ago",
        "live",
    }
    assert sessions.purge_old_sessions(0, now=now) == 0


def test_the_purge_command_uses_the_setting_and_says_what_it_did(app, db, student, monkeypatch):
    sessions.start_session(student, "test", "192.0.2.1")
    row = db.session.scalars(select(UserSession)).one()
    row.ended_at, row.end_reason = utcnow() - timedelta(days=40), "signed_out"
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["careerlink", "privacy", "purge-sessions"])
    assert result.output == "Removed 0 sessions over for more than 90 days.\n"
    monkeypatch.setitem(app.config, "CAREERLINK_SESSION_RETENTION_DAYS", 30)
    result = runner.invoke(args=["careerlink", "privacy", "purge-sessions"])
    assert result.output == "Removed 1 session over for more than 30 days.\n"
    assert db.session.scalars(select(UserSession)).all() == []


def test_the_session_retention_comes_from_the_environment():
    assert config_from_env({}).CAREERLINK_SESSION_RETENTION_DAYS == 90
    env = {"CAREERLINK_SESSION_RETENTION_DAYS": "7"}
    assert config_from_env(env).CAREERLINK_SESSION_RETENTION_DAYS == 7
    with pytest.raises(ConfigError, match="CAREERLINK_SESSION_RETENTION_DAYS"):
        config_from_env({"CAREERLINK_SESSION_RETENTION_DAYS": "-1"})
