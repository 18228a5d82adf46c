"""Error pages in the site's style, never a stack trace; rate limits answer 429 kindly."""

from __future__ import annotations

import pytest
from conftest import DEFAULT_PASSWORD

from careerlink import __version__
from careerlink.accounts.models import find_user_by_email
from careerlink.errors import (
    Conflict,
    DomainError,
    InvalidToken,
    InvalidTransition,
    NotAllowed,
    NotFound,
)
from careerlink.permissions import Role


def test_404_page(client, db):
    resp = client.get("/no/such/page")
    assert resp.status_code == 404
    html = resp.get_data(as_text=True)
    assert "Page not found" in html and "careerlink.css" in html


def test_404_as_json_for_api_clients(client, db):
    resp = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert resp.status_code == 404
    assert resp.content_type == "application/problem+json"
    assert resp.get_json() == {
        "type": "about:blank",
        "title": "Page not found",
        "status": 404,
        "detail": "We could not find that page. Check the address.",
    }


def test_500_page_hides_the_trace(app, client, db, monkeypatch):
    def boom():
        raise RuntimeError("secret internals")

    monkeypatch.setitem(app.view_functions, "main.index", boom)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    resp = client.get("/")
    assert resp.status_code == 500
    html = resp.get_data(as_text=True)
    assert "Something went wrong" in html
    assert "secret internals" not in html and "Traceback" not in html


def test_405_page(client, db):
    resp = client.get("/signout")
    assert resp.status_code == 405 and "cannot be done this way" in resp.get_data(as_text=True)


def test_sign_in_is_rate_limited(app, client, db, student):
    from careerlink.extensions import limiter

    limiter.enabled = True
    limiter.reset()  # counters other tests left on this address must not count here
    try:
        codes = [
            client.post(
                "/signin", data={"email": student.email, "password": "wrong password!"}
            ).status_code
            for _ in range(21)
        ]
        assert codes[:20] == [200] * 20
        assert codes[20] == 429
        resp = client.post("/signin", data={"email": student.email, "password": DEFAULT_PASSWORD})
        assert resp.status_code == 429
        assert "Too many attempts" in resp.get_data(as_text=True)
        assert client.get("/signin").status_code == 200  # reading the page is not limited
    finally:
        limiter.reset()
        limiter.enabled = False


def test_healthz(client, db):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok", "version": __version__, "database": "ok"}


# --- the one handler for refusals no view handled ---------------------------------------------

REFUSALS = [
    # (error, status, title on the page)
    (NotFound("No such mentor."), 404, "Page not found"),
    (NotAllowed("Only staff may see this."), 403, "Not allowed"),
    (InvalidTransition("This request was already approved."), 409, "Already changed"),
    (Conflict("That name is taken."), 409, "Already exists"),
    (DomainError("Choose a date in the future."), 422, "That cannot be done"),
]


def raising(app, monkeypatch, error: Exception, email: str = "lost@example.edu") -> None:
    """Make the landing page write a user, then raise `error` (as a service would)."""
    from careerlink.accounts.services import create_user

    def view():
        create_user(email, "Lost", None, [Role.STUDENT])
        raise error

    monkeypatch.setitem(app.view_functions, "main.index", view)


@pytest.mark.parametrize("error,status,title", REFUSALS)
def test_a_refusal_becomes_a_page_with_its_status_and_is_rolled_back(
    app, client, db, monkeypatch, error, status, title
):
    raising(app, monkeypatch, error)
    resp = client.get("/")
    html = resp.get_data(as_text=True)
    assert resp.status_code == status
    assert f"<h1>{title}</h1>" in html
    assert f"<p>{error.message}</p>" in html
    assert f"Error {status}" in html
    db.session.rollback()
    assert find_user_by_email("lost@example.edu") is None


@pytest.mark.parametrize(
    "link,offer,not_offered",
    [
        ("verify-email", "Send a new verification link", "Ask for a new password reset link"),
        ("reset-password", "Ask for a new password reset link", "Send a new verification link"),
    ],
)
def test_a_bad_link_is_the_link_page_offering_the_next_step(
    app, client, db, monkeypatch, link, offer, not_offered
):
    raising(app, monkeypatch, InvalidToken("This link has expired. Ask for a new one.", link=link))
    resp = client.get("/")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "<h1>This link cannot be used</h1>" in html
    assert "This link has expired. Ask for a new one." in html
    assert offer in html and not_offered not in html
    db.session.rollback()
    assert find_user_by_email("lost@example.edu") is None


@pytest.mark.parametrize(
    "error,status,title",
    [*REFUSALS, (InvalidToken("This link is not valid.", link="reset-password"), 400, None)],
)
def test_a_refusal_is_problem_json_for_api_clients(
    app, client, db, monkeypatch, error, status, title
):
    raising(app, monkeypatch, error)
    resp = client.get("/", headers={"Accept": "application/json"})
    assert resp.status_code == status
    assert resp.content_type == "application/problem+json"
    assert resp.get_json() == {
        "type": "about:blank",
        "title": title or "This link cannot be used",
        "status": status,
        "detail": error.message,
    }


@pytest.mark.parametrize("error,status,title", REFUSALS)
def test_a_refusal_under_api_is_problem_json_whatever_the_accept_header(
    app, db, error, status, title
):
    with app.test_request_context("/api/v1/anything", headers={"Accept": "text/html"}):
        resp = app.make_response(app.handle_user_exception(error))
    assert resp.status_code == status
    assert resp.content_type == "application/problem+json"
    assert resp.get_json() == {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": error.message,
    }
