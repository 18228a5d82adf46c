"""Production hardening: emailed links, response headers, ids out of range, request ids."""

from __future__ import annotations

import logging

import pytest
from conftest import link_from, write_deferred

from careerlink.web.security import CONTENT_SECURITY_POLICY, MAX_ID


def test_emailed_links_ignore_a_forged_host_header(app, client, db, outbox, make_user, monkeypatch):
    """With the default settings, a reset asked with `Host: evil.example` links to our host."""
    from careerlink.paths import load_config_module

    default = load_config_module().config_from_env({"CAREERLINK_ENV": "development"})
    monkeypatch.setitem(app.config, "CAREERLINK_BASE_URL", default.CAREERLINK_BASE_URL)
    user = make_user(email="victim@example.edu")
    resp = client.post(
        "/password/forgot",
        data={"email": user.email},
        headers={"Host": "evil.example"},
    )
    assert resp.status_code == 302
    write_deferred()
    (row,) = outbox("reset_password")
    link = link_from(row, "/password/reset/")
    assert link.startswith("http://127.0.0.1:5000/password/reset/")
    assert "evil.example" not in row.body_text
    assert "evil.example" not in row.body_html


def test_base_url_default_is_pinned_not_taken_from_the_request():
    """Without CAREERLINK_BASE_URL, development links point at the local server, not the Host."""
    from careerlink.paths import load_config_module

    cfg = load_config_module()
    config = cfg.config_from_env({"CAREERLINK_ENV": "development"})
    assert config.CAREERLINK_BASE_URL == "http://127.0.0.1:5000"


def test_production_refuses_to_start_without_a_base_url():
    """Production names the missing variable instead of guessing the host."""
    from careerlink.paths import load_config_module

    cfg = load_config_module()
    with pytest.raises(cfg.ConfigError, match="CAREERLINK_BASE_URL must be set in production"):
        cfg.config_from_env({"CAREERLINK_ENV": "production", "SECRET_KEY": "k" * 32})


@pytest.mark.parametrize("path", ["/", "/mentors", "/signin", "/no/such/page"])
def test_security_headers_on_every_response(client, db, path):
    """CSP without unsafe-inline, nosniff, referrer, permissions and framing policies."""
    resp = client.get(path)
    assert resp.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in resp.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "same-origin"
    assert resp.headers["Permissions-Policy"].startswith("camera=()")
    assert resp.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "Strict-Transport-Security" not in resp.headers


def test_hsts_only_when_cookies_are_secure(app, client, db, monkeypatch):
    """HSTS is sent when the deployment says it runs behind HTTPS (secure cookies)."""
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    resp = client.get("/")
    assert resp.headers["Strict-Transport-Security"] == "max-age=31536000"


@pytest.mark.parametrize(
    "path",
    [
        "/mentors/99999999999999999999999",
        f"/mentors/{MAX_ID + 1}",
        f"/requests/{MAX_ID + 1}",
        f"/staff/requests/{MAX_ID + 1}",
        f"/staff/outbox/{MAX_ID + 1}",
    ],
)
def test_ids_beyond_the_id_columns_are_404_not_500(client, db, staff, sign_in, path):
    """An id no column can hold never reaches the database."""
    sign_in(staff)
    assert client.get(path).status_code == 404


def test_largest_id_is_an_ordinary_404(client, db):
    """The largest id a column holds reaches the database and is simply not found."""
    assert client.get(f"/mentors/{MAX_ID}").status_code == 404


def test_every_response_carries_a_request_id_and_error_pages_show_it(client, db):
    """A user can quote the reference on an error page; it matches the response header."""
    resp = client.get("/no/such/page")
    rid = resp.headers["X-Request-ID"]
    assert len(rid) == 32
    assert f"reference <code>{rid}</code>" in resp.get_data(as_text=True)


def test_a_plain_incoming_request_id_is_kept_and_a_hostile_one_replaced(client, db):
    """A proxy's id joins the logs up; an id with markup or newlines is not trusted."""
    assert client.get("/", headers={"X-Request-ID": "abc-123-def"}).headers["X-Request-ID"] == (
        "abc-123-def"
    )
    hostile = client.get("/", headers={"X-Request-ID": "<script>x</script>"})
    assert hostile.headers["X-Request-ID"] != "<script>x</script>"
    assert len(hostile.headers["X-Request-ID"]) == 32


def test_one_log_line_per_request(client, db, caplog, student, sign_in):
    """Method, path, status, duration, request id and user id, as fields for JSON logs."""
    sign_in(student)
    with caplog.at_level(logging.INFO, logger="careerlink.request"):
        resp = client.get("/account", headers={"X-Request-ID": "req-0000001"})
    (record,) = [r for r in caplog.records if r.name == "careerlink.request"]
    assert resp.status_code == 200
    assert (record.method, record.path, record.route, record.status) == (
        "GET",
        "/account",
        "/account",
        200,
    )
    assert record.request_id == "req-0000001"
    assert record.user_id == str(student.id)
    assert isinstance(record.duration_ms, float)


@pytest.mark.parametrize(
    "url",
    [
        "/staff/requests?page=99999999999999999999999",
        "/staff/outbox?page=99999999999999999999999",
        "/staff/requests?min_days=999999999",
        "/staff/requests?page=-5&min_days=-1",
    ],
)
def test_out_of_range_list_parameters_are_not_500(client, db, staff, sign_in, url):
    """Huge page numbers and waiting days answer the list (empty or unfiltered), not a 500."""
    sign_in(staff)
    assert client.get(url).status_code == 200


def test_bulk_ids_beyond_the_id_columns_are_ignored(client, db, staff, sign_in):
    """An id no column can hold is not looked up; with nothing valid ticked, staff are told."""
    sign_in(staff)
    resp = client.post(
        "/staff/requests/bulk",
        data={
            "request_ids": [str(MAX_ID + 1), "99999999999999999999999", "²"],
            "action": "approve",
        },
        follow_redirects=True,
    )
    assert resp.status_code == 200
    assert "Tick at least one request." in resp.get_data(as_text=True)


@pytest.mark.parametrize(
    ("referrer", "expected"),
    [
        ("https://evil.example/phish", "/staff/requests"),
        ("//evil.example/phish", "/staff/requests"),
        ("javascript:alert(1)", "/staff/requests"),
        ("http://localhost/staff/requests?state=open&page=2", "/staff/requests?state=open&page=2"),
        (None, "/staff/requests"),
    ],
)
def test_bulk_review_redirects_only_to_local_pages(client, db, staff, sign_in, referrer, expected):
    """The Referer decides where staff go back to only when it is one of our own pages."""
    sign_in(staff)
    headers = {"Referer": referrer} if referrer else {}
    resp = client.post(
        "/staff/requests/bulk",
        data={"request_ids": ["1"], "action": "approve"},
        headers=headers,
    )
    assert resp.status_code == 302
    assert resp.headers["Location"] == expected


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("post", "/signin", {"email": "\x00", "password": "x"}),
        ("get", "/mentors?q=a%00b", None),
        ("post", "/password/forgot", {"email": "a\x00@example.edu"}),
    ],
)
def test_a_nul_character_is_a_clear_400(client, db, method, url, data):
    """PostgreSQL cannot store NUL; the request is refused before any query with a reason."""
    resp = getattr(client, method)(url, data=data)
    assert resp.status_code == 400
    assert "The request contained a null character" in resp.get_data(as_text=True)
