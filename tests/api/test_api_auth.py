"""Who may call: tokens (personal and service, scopes, expiry, revocation, act-as and its
audit), the session cookie with CSRF, rate limits per token, CORS for the configured portals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from careerlink.api import tokens
from careerlink.api.models import ApiToken, ApiTokenUse
from careerlink.database import transaction
from careerlink.extensions import limiter
from careerlink.models import utcnow

PROBLEM = "application/problem+json"


def test_without_a_token_a_personal_operation_is_401(api):
    resp = api().get("/api/v1/me/requests")
    assert resp.status_code == 401 and resp.mimetype == PROBLEM
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert resp.json["status"] == 401 and "token" in resp.json["detail"]


def test_the_directory_is_public(api, make_mentor):
    make_mentor()
    assert api().get("/api/v1/mentors").json["total"] == 1


@pytest.mark.parametrize(
    "header", ["Basic abc", "Bearer", "Token clp_x", "bearer   ", "Bearer clp_not-a-real-token"]
)
def test_a_malformed_or_unknown_token_is_401(client, header):
    resp = client.get("/api/v1/mentors", headers={"Authorization": header})
    assert resp.status_code == 401 and resp.mimetype == PROBLEM


def test_a_personal_token_acts_as_its_owner(api, make_token, student):
    me = api(make_token(student)).get("/api/v1/me").json
    assert (me["id"], me["authenticated_by"], me["acting_for"]) == (student.id, "token", False)
    assert me["token"]["kind"] == "personal" and "requests:write" in me["token"]["scopes"]
    assert "staff" not in me["token"]["scopes"]


def test_a_revoked_token_stops_at_once(api, make_token, student, db):
    raw = make_token(student)
    assert api(raw).get("/api/v1/me/requests").status_code == 200
    with transaction():
        tokens.revoke(tokens.find_token(raw))
    resp = api(raw).get("/api/v1/me/requests")
    assert resp.status_code == 401 and "revoked" in resp.json["detail"]


def test_an_expired_token_is_refused(api, make_token, student, db):
    raw = make_token(student, days=1)
    with transaction():
        tokens.find_token(raw).expires_at = utcnow() - timedelta(seconds=1)
    resp = api(raw).get("/api/v1/me")
    assert resp.status_code == 401 and "expired" in resp.json["detail"]


def test_an_under_scoped_token_is_403(api, make_token, student, make_request):
    req = make_request(student=student)
    raw = make_token(student, scopes=["directory:read"])
    assert api(raw).get("/api/v1/mentors").status_code == 200
    resp = api(raw).get(f"/api/v1/requests/{req.id}")
    assert resp.status_code == 403 and "requests:read" in resp.json["detail"]
    resp = api(raw).post(f"/api/v1/requests/{req.id}/withdraw")
    assert resp.status_code == 403 and req.state == "submitted"


def test_a_token_of_another_user_sees_nothing_of_mine(api, make_token, make_request, make_user):
    mine = make_request()
    other = make_user()
    resp = api(make_token(other)).get(f"/api/v1/requests/{mine.id}")
    assert resp.status_code == 404
    resp = api(make_token(other)).post(f"/api/v1/requests/{mine.id}/withdraw")
    assert resp.status_code == 404


def test_only_staff_may_hold_the_staff_scope(db, student, staff):
    from careerlink.errors import DomainError

    with pytest.raises(DomainError), transaction():
        tokens.create_personal_token(student, "x", ["staff"], 30)
    with transaction():
        token, raw = tokens.create_personal_token(staff, "x", ["staff"], 30)
    assert token.scopes == ["staff"] and raw.startswith("clp_")
    assert token.token_hash != raw and raw not in token.token_hash  # only the hash is kept


def test_a_token_lasts_at_most_the_configured_days(db, student, app, monkeypatch):
    from careerlink.errors import DomainError

    monkeypatch.setitem(app.config, "CAREERLINK_API_TOKEN_MAX_DAYS", 30)
    with pytest.raises(DomainError) as refused, transaction():
        tokens.create_personal_token(student, "x", ["directory:read"], 31)
    assert refused.value.field == "days"


def test_a_service_token_acts_for_nobody_unless_it_names_someone(
    api, make_service_token, student, db
):
    raw = make_service_token(["directory:read", "requests:read"])
    assert api(raw).get("/api/v1/mentors").status_code == 200
    resp = api(raw).get("/api/v1/me/requests")
    assert resp.status_code == 403 and "CareerLink-Act-As" in resp.json["detail"]
    # Naming someone needs the act-as scope; the refusal is recorded too.
    resp = api(raw).get("/api/v1/me/requests", headers={"CareerLink-Act-As": student.email})
    assert resp.status_code == 403
    [use] = db.session.scalars(select(ApiTokenUse)).all()
    assert (use.acted_for, use.allowed) == (student.email, False)


def test_a_service_token_with_act_as_is_audited_call_by_call(
    api, make_service_token, student, make_request, db
):
    req = make_request(student=student)
    raw = make_service_token(["act-as", "requests:read", "requests:write"])
    as_student = {"CareerLink-Act-As": student.email.upper()}
    me = api(raw).get("/api/v1/me", headers=as_student).json
    assert (me["id"], me["acting_for"]) == (student.id, True)
    assert api(raw).get("/api/v1/me/requests", headers=as_student).json["items"][0]["id"] == req.id
    resp = api(raw).get("/api/v1/me", headers={"CareerLink-Act-As": "nobody@example.edu"})
    assert resp.status_code == 403
    uses = db.session.scalars(select(ApiTokenUse).order_by(ApiTokenUse.id)).all()
    assert [(u.path, u.acted_for_id, u.allowed) for u in uses] == [
        ("/api/v1/me", student.id, True),
        ("/api/v1/me/requests", student.id, True),
        ("/api/v1/me", None, False),
    ]


def test_a_personal_token_cannot_act_for_anyone(api, make_token, student, make_user):
    other = make_user()
    resp = api(make_token(student)).get("/api/v1/me", headers={"CareerLink-Act-As": other.email})
    assert resp.status_code == 403


def test_last_use_is_recorded(api, make_token, student, db):
    raw = make_token(student)
    api(raw).get("/api/v1/me")
    db.session.expire_all()
    assert db.session.scalar(select(ApiToken)).last_used_at is not None


# --- the session cookie -------------------------------------------------------------------------


def test_the_session_cookie_works_with_csrf_for_changes(
    app, client, sign_in, student, make_request
):
    req = make_request(student=student)
    sign_in(student)
    assert client.get("/api/v1/me").json["authenticated_by"] == "session"
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        resp = client.post(f"/api/v1/requests/{req.id}/withdraw", json={})
        assert resp.status_code == 403 and "X-CSRFToken" in resp.json["detail"]
        resp = client.post(
            f"/api/v1/requests/{req.id}/withdraw", json={}, headers={"X-CSRFToken": "forged"}
        )
        assert resp.status_code == 403
        token = client.get("/api/v1/csrf-token").json["csrf_token"]
        resp = client.post(
            f"/api/v1/requests/{req.id}/withdraw", json={}, headers={"X-CSRFToken": token}
        )
        assert resp.status_code == 200 and resp.json["state"] == "withdrawn"
        # A bearer token needs no CSRF token (it is not sent by the browser on its own).
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_a_token_call_needs_no_csrf_token(app, api, make_token, student, make_request):
    req = make_request(student=student)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        resp = api(make_token(student)).post(f"/api/v1/requests/{req.id}/withdraw")
        assert resp.status_code == 200
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


# --- rate limits and CORS -----------------------------------------------------------------------


def test_rate_limits_count_per_token(app, api, make_token, student, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "CAREERLINK_API_RATE_LIMIT", "3 per minute")
    limiter.enabled = True
    limiter.reset()
    first, second = make_token(student), make_token(make_user())
    for _ in range(3):
        assert api(first).get("/api/v1/me").status_code == 200
    resp = api(first).get("/api/v1/me")
    assert resp.status_code == 429 and resp.mimetype == PROBLEM
    assert int(resp.headers["Retry-After"]) > 0
    assert api(second).get("/api/v1/me").status_code == 200  # another token, its own count
    limiter.reset()


def test_cors_answers_only_the_configured_portal(app, client, monkeypatch, make_mentor):
    monkeypatch.setitem(app.config, "CAREERLINK_API_CORS_ORIGINS", ("https://portal.example.edu",))
    resp = client.get("/api/v1/mentors", headers={"Origin": "https://portal.example.edu"})
    assert resp.headers["Access-Control-Allow-Origin"] == "https://portal.example.edu"
    assert "Access-Control-Allow-Credentials" not in resp.headers
    resp = client.get("/api/v1/mentors", headers={"Origin": "https://evil.example.com"})
    assert "Access-Control-Allow-Origin" not in resp.headers
    preflight = client.options(
        "/api/v1/me/requests",
        headers={
            "Origin": "https://portal.example.edu",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "Authorization",
        },
    )
    assert preflight.status_code == 200
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    # The pages themselves never answer cross-origin.
    page = client.get("/mentors", headers={"Origin": "https://portal.example.edu"})
    assert "Access-Control-Allow-Origin" not in page.headers


def test_cors_origins_setting_is_validated():
    from config import ConfigError, env_origins

    assert env_origins({"X": "https://a.edu, http://b.edu:8080/"}, "X") == (
        "https://a.edu",
        "http://b.edu:8080",
    )
    for bad in ("https://a.edu/path", "*", "https://*.edu", "portal.edu"):
        with pytest.raises(ConfigError):
            env_origins({"X": bad}, "X")
