"""A form refused by the CSRF check says what failed, logs why, and stays a 400 page.

Issue 18, finding "a POST over HTTPS without a Referer header and a plain-HTTP visit with
secure cookies both get 'The form expired — your session timed out', which is not what
happened".
"""

from __future__ import annotations

import html
import logging
import re

import pytest
from conftest import DEFAULT_PASSWORD
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

RELOAD = "Go back, reload the page and send the form again."
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def csrf_on(app, monkeypatch):
    """CSRF protection on, as in production."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def form_token(client, **kwargs) -> str:
    """Open the sign-in page (which starts a session) and return its form's token."""
    page = client.get("/signin", **kwargs).get_data(as_text=True)
    return TOKEN.search(page).group(1)


def refused(resp, caplog, code: str, message: str, hint: str) -> None:
    """A 400 page with the title, what to do, the administrator's hint; one log line."""
    assert resp.status_code == 400
    page = html.unescape(resp.get_data(as_text=True))
    assert "<h1>The form could not be sent</h1>" in page
    assert f"<p>{message}</p>" in page
    assert f"For the site's administrator: {hint}" in page
    [record] = [r for r in caplog.records if r.name == "careerlink.web.errors"]
    assert record.levelno == logging.WARNING
    assert record.csrf_reason == code
    assert record.getMessage().startswith(f"csrf refused: {code} (")


def post_signin(client, student, token=None, **kwargs):
    data = {"email": student.email, "password": DEFAULT_PASSWORD}
    if token is not None:
        data["csrf_token"] = token
    return client.post("/signin", data=data, **kwargs)


def test_a_form_without_its_token(app, db, student, csrf_on, caplog):
    c = app.test_client()
    form_token(c)
    with caplog.at_level(logging.WARNING, logger="careerlink.web.errors"):
        resp = post_signin(c, student)
    refused(
        resp,
        caplog,
        "token_missing",
        f"The form was sent without its security token. {RELOAD}",
        "The POST carried no csrf_token field (or X-CSRFToken header): a script must first "
        "load the form and send its token back.",
    )


def test_an_https_post_without_a_referer(app, db, student, csrf_on, caplog):
    c = app.test_client()
    token = form_token(c, base_url="https://localhost")
    with caplog.at_level(logging.WARNING, logger="careerlink.web.errors"):
        resp = post_signin(c, student, token, base_url="https://localhost")
    refused(
        resp,
        caplog,
        "referrer_missing",
        "Your browser did not say which page the form came from (the Referer header), which "
        "this site needs over HTTPS to tell its own forms from forged ones. Allow your browser "
        f"or extension to send it to this site, then: {RELOAD}",
        "An HTTPS POST came without a Referer header (a no-referrer policy, a privacy "
        "extension, or a script): a script must send Referer: https://<host>/...",
    )
    # With the Referer a browser sends, the same form goes through.
    ok = post_signin(
        c,
        student,
        token,
        base_url="https://localhost",
        headers={"Referer": "https://localhost/signin"},
    )
    assert ok.status_code == 302


def test_an_https_post_from_another_site(app, db, student, csrf_on, caplog):
    c = app.test_client()
    token = form_token(c, base_url="https://localhost")
    with caplog.at_level(logging.WARNING, logger="careerlink.web.errors"):
        resp = post_signin(
            c,
            student,
            token,
            base_url="https://localhost",
            headers={"Referer": "https://evil.example/page"},
        )
    refused(
        resp,
        caplog,
        "referrer_mismatch",
        "The form was sent from evil.example, not from this site. Open the form on this site "
        "and send it from there.",
        "The Referer (evil.example) is not the host the app sees (localhost): behind a proxy, "
        "pass the Host header (proxy_set_header Host $host) or X-Forwarded-Host with "
        "CAREERLINK_PROXY_COUNT.",
    )


def test_plain_http_with_secure_cookies(app, db, student, csrf_on, caplog, monkeypatch):
    """Over http:// a browser keeps back a Secure cookie: the form arrives without it."""
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    token = form_token(app.test_client())
    with caplog.at_level(logging.WARNING, logger="careerlink.web.errors"):
        resp = post_signin(app.test_client(), student, token)
    refused(
        resp,
        caplog,
        "cookie_not_sent_over_http",
        "This page was opened over plain HTTP, so your browser kept back the site's cookie (it "
        "travels over HTTPS only). Open the site's https:// address and send the form again.",
        "The request arrived over http://. Redirect HTTP to HTTPS; behind a proxy that ends "
        "HTTPS, have it send X-Forwarded-Proto and set CAREERLINK_PROXY_COUNT.",
    )


def test_cookies_blocked(app, db, student, csrf_on, caplog):
    token = form_token(app.test_client())
    with caplog.at_level(logging.WARNING, logger="careerlink.web.errors"):
        resp = post_signin(app.test_client(), student, token)
    refused(
        resp,
        caplog,
        "cookie_not_sent",
        "Your browser did not send the site's cookie, which the form needs. Allow cookies for "
        f"this site (a blocker or private mode may refuse them), then: {RELOAD}",
        "No session cookie came with the form. Check that the cookie's name and path (the "
        "mount prefix) match the address users open.",
    )


def test_an_expired_token(app, db, student, csrf_on, caplog, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_TIME_LIMIT", 3600)
    c = app.test_client()
    form_token(c)
    with c.session_transaction() as sess:
        raw = sess["csrf_token"]

    class TwoHoursAgo(TimestampSigner):
        def get_timestamp(self):
            return super().get_timestamp() - 7200

    old = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token", signer=TwoHoursAgo)
    old = old.dumps(raw)
    with caplog.at_level(logging.WARNING, logger="careerlink.web.errors"):
        resp = post_signin(c, student, old)
    refused(
        resp,
        caplog,
        "token_expired",
        f"The form was open too long and its security token expired. {RELOAD}",
        "The form's token outlived WTF_CSRF_TIME_LIMIT.",
    )


def test_a_token_from_another_session(app, db, student, csrf_on, caplog):
    theirs = form_token(app.test_client())
    c = app.test_client()
    form_token(c)
    with caplog.at_level(logging.WARNING, logger="careerlink.web.errors"):
        resp = post_signin(c, student, theirs)
    refused(
        resp,
        caplog,
        "token_mismatch",
        "The form's security token belongs to another session (you signed in or out since "
        f"this page was loaded, perhaps in another tab). {RELOAD}",
        "The form's token does not match the session's: a page from before a sign-in, or from "
        "another browser.",
    )


def test_a_session_that_ended_since_the_page_was_served(app, db, student, csrf_on, caplog):
    c = app.test_client()
    token = form_token(c)
    with c.session_transaction() as sess:
        sess.clear()
        sess["_flashes"] = [("info", "kept so that the cookie is still sent")]
    with caplog.at_level(logging.WARNING, logger="careerlink.web.errors"):
        resp = post_signin(c, student, token)
    refused(
        resp,
        caplog,
        "session_ended",
        "Your session changed since this page was loaded (you signed in or out, perhaps in "
        f"another tab, or it timed out). {RELOAD}",
        "The session cookie came without the form's token: the session ended, or SECRET_KEY "
        "changed since the page was served.",
    )


def test_the_api_gets_the_reason_as_problem_json(app, db, student, csrf_on):
    resp = app.test_client().post("/signin", headers={"Accept": "application/json"})
    assert resp.status_code == 400
    assert resp.headers["Content-Type"] == "application/problem+json"
    assert resp.get_json() == {
        "type": "about:blank",
        "title": "The form could not be sent",
        "status": 400,
        "detail": f"The form was sent without its security token. {RELOAD}",
    }
