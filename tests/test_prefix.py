"""Mounted under /careers inside a host WSGI app, every link and redirect keeps the prefix."""

from __future__ import annotations

import re

from conftest import DEFAULT_PASSWORD, link_from
from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client

HREF = re.compile(r'(?:href|action|src)="([^"]+)"')


def host_with_careerlink(app):
    """A portal's own Flask app with CareerLink mounted under /careers."""
    host = Flask("portal")

    @host.route("/")
    def portal_home():
        return "campus portal"

    host.wsgi_app = DispatcherMiddleware(host.wsgi_app, {"/careers": app.wsgi_app})
    return host


def local_links(html: str) -> list[str]:
    """The page's links, sources and form actions that point into this site."""
    return [u for u in HREF.findall(html) if not u.startswith(("http", "#", "mailto:"))]


# Every page a signed-out visitor reaches by following links from the first three.
PUBLIC_PAGES = {
    "/careers/",
    "/careers/signin",
    "/careers/signup",
    "/careers/signup?role=student",
    "/careers/signup?role=alumnus",
    "/careers/password/forgot",
    "/careers/verify/resend",
    "/careers/mentors",
}


def test_links_and_redirects_stay_under_the_prefix(app, db, student):
    """Signed out, every public page answers 200 and links only under /careers/."""
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
        # Nothing a signed-out visitor is linked to redirects: each link is the page itself.
        assert resp.status_code == 200, (url, resp.status_code, resp.headers.get("Location"))
        for link in local_links(resp.get_data(as_text=True)):
            assert link.startswith("/careers/"), f"{link} on {url} escapes the prefix"
            # The footer's language menu is a form (its action needs the chosen language).
            if "/static/" not in link and "signout" not in link and link != "/careers/language":
                todo.append(link.split("#")[0])
    assert seen == PUBLIC_PAGES
    home = c.get("/careers/").get_data(as_text=True)
    assert "/careers/static/careerlink.css" in local_links(home)
    assert c.get("/careers/static/careerlink.css").status_code == 200

    # A protected page redirects to the sign-in page under the prefix, with a prefixed next.
    resp = c.get("/careers/account")
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/careers/signin?next=%2Fcareers%2Faccount"

    # Signing in with the real form follows next, under the prefix.
    resp = c.post(
        "/careers/signin",
        data={"email": student.email, "password": DEFAULT_PASSWORD, "next": "/careers/account"},
    )
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/careers/account"
    resp = c.get("/careers/account")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert "Stella Student" in page
    escaping = [link for link in local_links(page) if not link.startswith("/careers/")]
    assert escaping == []
    resp = c.post("/careers/signout")
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/careers/"


def test_script_name_from_a_proxy(app, db):
    """A proxy that sets SCRIPT_NAME (e.g. gunicorn behind nginx) gets prefixed links too."""
    c = app.test_client()
    resp = c.get("/signin", environ_overrides={"SCRIPT_NAME": "/careers"})
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert 'href="/careers/password/forgot"' in html
    assert 'href="/careers/static/careerlink.css"' in html


def test_emailed_links_use_the_configured_base_url(app, db, outbox, client):
    """The verification link starts with CAREERLINK_BASE_URL, whatever host was asked."""
    app.config["CAREERLINK_BASE_URL"] = "https://portal.example.edu/careers"
    try:
        resp = client.post(
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
    assert resp.status_code == 200
    assert "Check your email" in resp.get_data(as_text=True)
    [row] = outbox("verify_email")
    assert link_from(row, "/verify/").startswith("https://portal.example.edu/careers/verify/")
