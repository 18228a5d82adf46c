"""Mounted under /careers inside a host WSGI app, every link and redirect keeps the prefix."""

from __future__ import annotations

import re

from conftest import DEFAULT_PASSWORD
from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client

HREF = re.compile(r'(?:href|action|src)="([^"]+)"')


def host_with_careerlink(app):
    host = Flask("portal")

    @host.route("/")
    def portal_home():
        return "campus portal"

    host.wsgi_app = DispatcherMiddleware(host.wsgi_app, {"/careers": app.wsgi_app})
    return host


def local_links(html: str) -> list[str]:
    return [u for u in HREF.findall(html) if not u.startswith(("http", "#", "mailto:"))]


def test_links_and_redirects_stay_under_the_prefix(app, db, student):
    host = host_with_careerlink(app)
    c = Client(host, use_cookies=True)
    assert c.get("/").get_data(as_text=True) == "campus portal"

    seen: set[str] = set()
    todo = ["/careers/", "/careers/signin", "/careers/signup"]
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        resp = c.get(url)
        assert resp.status_code in (200, 302), (url, resp.status_code)
        if resp.status_code == 302:
            assert resp.headers["Location"].startswith("/careers/"), resp.headers["Location"]
            continue
        for link in local_links(resp.get_data(as_text=True)):
            assert link.startswith("/careers/"), f"{link} on {url} escapes the prefix"
            if "/static/" not in link and "signout" not in link:
                todo.append(link.split("#")[0])
    assert "/careers/static/careerlink.css" in {
        link for u in ["/careers/"] for link in local_links(c.get(u).get_data(as_text=True))
    }
    assert c.get("/careers/static/careerlink.css").status_code == 200

    # A protected page redirects to the sign-in page under the prefix, with a prefixed next.
    resp = c.get("/careers/account")
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/careers/signin?next=%2Fcareers%2Faccount")

    # Signing in with the real form follows next, under the prefix.
    resp = c.post(
        "/careers/signin",
        data={"email": student.email, "password": DEFAULT_PASSWORD, "next": "/careers/account"},
    )
    assert resp.headers["Location"] == "/careers/account"
    page = c.get("/careers/account").get_data(as_text=True)
    assert "Stella Student" in page
    assert all(link.startswith("/careers/") for link in local_links(page))
    resp = c.post("/careers/signout")
    assert resp.headers["Location"] == "/careers/"


def test_script_name_from_a_proxy(app, db):
    """A proxy that sets SCRIPT_NAME (e.g. gunicorn behind nginx) gets prefixed links too."""
    c = app.test_client()
    resp = c.get("/signin", environ_overrides={"SCRIPT_NAME": "/careers"})
    html = resp.get_data(as_text=True)
    assert 'href="/careers/password/forgot"' in html
    assert 'href="/careers/static/careerlink.css"' in html


def test_emailed_links_use_the_configured_base_url(app, db, outbox, client):
    app.config["CAREERLINK_BASE_URL"] = "https://portal.example.edu/careers"
    try:
        client.post(
            "/signup",
            data={
                "display_name": "Pat",
                "email": "pat@example.edu",
                "role": "student",
                "password": "a-long-password-1",
                "confirm": "a-long-password-1",
            },
        )
    finally:
        app.config["CAREERLINK_BASE_URL"] = "http://careerlink.test"
    [row] = outbox("verify_email")
    assert "https://portal.example.edu/careers/verify/" in row.body_text
