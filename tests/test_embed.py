"""Embedding in a campus portal: settings, framing headers, cookies, the /embed/ mode, themes,
the pages made for the frame, and the popup sign-in hand-off (careerlink.embed)."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import DEFAULT_PASSWORD, sign_in_session
from support.oidc import sso_sign_in

from careerlink import create_app
from careerlink.accounts.models import UserSession
from careerlink.database import transaction
from careerlink.embed import handoff
from careerlink.paths import load_config_module
from careerlink.web.security import CONTENT_SECURITY_POLICY

cfg = load_config_module()

BASE = "https://careers.example.edu"
SAME_SITE_PORTAL = "https://portal.example.edu"
CROSS_SITE_PORTAL = "https://lms.college.org"


def settings(origins: str, base: str = BASE, secure: bool = True, production: bool = False):
    """embed_settings for CAREERLINK_EMBED_ORIGINS=origins."""
    return cfg.embed_settings({"CAREERLINK_EMBED_ORIGINS": origins}, base, secure, production)


@pytest.fixture
def embedding(app, monkeypatch):
    """embedding(origins, base=BASE) -> the settings, applied to the app for this test."""

    def apply(origins: str, base: str = BASE):
        monkeypatch.setitem(app.config, "CAREERLINK_BASE_URL", base)
        for key, value in settings(origins, base).items():
            monkeypatch.setitem(app.config, key, value)
        return app.config

    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", app.config["SESSION_COOKIE_SECURE"])
    monkeypatch.setitem(app.config, "REMEMBER_COOKIE_SECURE", app.config["REMEMBER_COOKIE_SECURE"])
    return apply


# --- settings -----------------------------------------------------------------------------------


def test_no_portal_by_default():
    config = cfg.config_from_env({})
    assert config.CAREERLINK_EMBED_ORIGINS == ()
    assert config.CAREERLINK_EMBED_CROSS_SITE == ()
    assert (config.SESSION_COOKIE_SAMESITE, config.SESSION_COOKIE_PARTITIONED) == ("Lax", False)


def test_origins_are_read_normalised_and_deduplicated():
    got = settings(
        "https://Portal.Example.edu:443/ , https://lms.college.org:8443\thttps://portal.example.edu"
        " http://localhost:3000"
    )
    assert got["CAREERLINK_EMBED_ORIGINS"] == (
        "https://portal.example.edu",
        "https://lms.college.org:8443",
        "http://localhost:3000",
    )
    assert got["CAREERLINK_EMBED_CROSS_SITE"] == (
        "https://lms.college.org:8443",
        "http://localhost:3000",
    )


@pytest.mark.parametrize(
    "origin",
    [
        "portal.example.edu",
        "https://portal.example.edu/careers",
        "https://portal.example.edu?x=1",
        "https://*.example.edu",
        "https://user@portal.example.edu",
        "ftp://portal.example.edu",
        "http://portal.example.edu",
        "https://portal.example.edu:99999",
        "'self'",
    ],
)
def test_a_bad_origin_stops_the_app_naming_the_variable(origin):
    with pytest.raises(cfg.ConfigError, match="CAREERLINK_EMBED_ORIGINS"):
        cfg.config_from_env({"CAREERLINK_EMBED_ORIGINS": origin})


@pytest.mark.parametrize(
    "portal,base,same",
    [
        ("https://portal.example.edu", "https://careers.example.edu", True),
        ("https://example.edu", "https://careers.example.edu/careers", True),
        ("https://portal.ox.ac.uk", "https://careers.ox.ac.uk", True),
        ("https://portal.cam.ac.uk", "https://careers.ox.ac.uk", False),
        ("https://portal.college.org", "https://careers.example.edu", False),
        ("http://portal.example.edu", "https://careers.example.edu", False),
        ("https://portal.example.edu:8443", "https://careers.example.edu", True),
        ("https://127.0.0.1:3000", "https://localhost:5000", False),
    ],
)
def test_same_site_is_scheme_and_registrable_domain(portal, base, same):
    assert cfg.same_site(portal, base) is same


def test_a_same_site_portal_keeps_lax_cookies():
    got = settings(SAME_SITE_PORTAL, secure=False)
    assert got["CAREERLINK_EMBED_CROSS_SITE"] == ()
    assert got["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert got["SESSION_COOKIE_PARTITIONED"] is False
    assert "SESSION_COOKIE_SECURE" not in got  # CAREERLINK_SECURE_COOKIES decides, as before


def test_a_cross_site_portal_gets_partitioned_cookies():
    got = settings(f"{SAME_SITE_PORTAL} {CROSS_SITE_PORTAL}")
    assert got["CAREERLINK_EMBED_CROSS_SITE"] == (CROSS_SITE_PORTAL,)
    assert got["SESSION_COOKIE_SAMESITE"] == "None"
    assert got["SESSION_COOKIE_SECURE"] is True
    assert got["SESSION_COOKIE_PARTITIONED"] is True
    assert (got["REMEMBER_COOKIE_SAMESITE"], got["REMEMBER_COOKIE_SECURE"]) == ("None", True)


@pytest.mark.parametrize(
    "env",
    [
        {"CAREERLINK_BASE_URL": BASE},
        {"CAREERLINK_BASE_URL": "http://careers.example.edu"},
        {"CAREERLINK_ENV": "production", "SECRET_KEY": "k" * 32, "CAREERLINK_BASE_URL": BASE},
        {
            "CAREERLINK_ENV": "production",
            "SECRET_KEY": "k" * 32,
            "CAREERLINK_BASE_URL": "http://127.0.0.1:5000",
        },
    ],
)
def test_cross_site_embedding_without_secure_cookies_refuses_to_start(env):
    env = {**env, "CAREERLINK_EMBED_ORIGINS": CROSS_SITE_PORTAL}
    with pytest.raises(cfg.ConfigError, match="CAREERLINK_SECURE_COOKIES=true") as caught:
        cfg.config_from_env(env)
    assert "lms.college.org" in str(caught.value)
    assert "SameSite=None; Secure; Partitioned" in str(caught.value)


@pytest.mark.parametrize("base", ["http://127.0.0.1:5000", "http://localhost:5000"])
def test_development_on_loopback_may_embed_cross_site_without_https(base):
    config = cfg.config_from_env(
        {"CAREERLINK_EMBED_ORIGINS": "http://portal.localhost:3000", "CAREERLINK_BASE_URL": base}
    )
    assert config.CAREERLINK_EMBED_CROSS_SITE == ("http://portal.localhost:3000",)
    # Browsers keep Secure cookies from http://localhost: the attributes stay what CHIPS needs.
    assert (config.SESSION_COOKIE_SAMESITE, config.SESSION_COOKIE_SECURE) == ("None", True)


def test_production_with_https_embeds_cross_site():
    config = cfg.config_from_env(
        {
            "CAREERLINK_ENV": "production",
            "SECRET_KEY": "k" * 32,
            "CAREERLINK_BASE_URL": BASE,
            "CAREERLINK_SECURE_COOKIES": "true",
            "DATABASE_URL": "postgresql://careerlink@db.example.edu/careerlink",
            "CAREERLINK_MAIL_TRANSPORT": "smtp",
            "CAREERLINK_EMBED_ORIGINS": f"{CROSS_SITE_PORTAL},{SAME_SITE_PORTAL}",
        }
    )
    assert config.CAREERLINK_EMBED_ORIGINS == (CROSS_SITE_PORTAL, SAME_SITE_PORTAL)
    assert config.SESSION_COOKIE_PARTITIONED is True


def test_create_app_reads_the_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("CAREERLINK_EMBED_ORIGINS", SAME_SITE_PORTAL)
    monkeypatch.setenv("CAREERLINK_BASE_URL", BASE)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    assert app.config["CAREERLINK_EMBED_ORIGINS"] == (SAME_SITE_PORTAL,)
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


# --- framing headers ----------------------------------------------------------------------------


def test_without_portals_nothing_but_the_site_frames_any_page(client):
    for path in ("/mentors", "/embed/mentors"):
        response = client.get(path)
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_embedded_pages_name_the_portals_in_frame_ancestors(client, embedding):
    embedding(f"{SAME_SITE_PORTAL} {CROSS_SITE_PORTAL}")
    for path in ("/embed/mentors", "/embed/signin", "/embed/no-such-page"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert csp.endswith(f"frame-ancestors 'self' {SAME_SITE_PORTAL} {CROSS_SITE_PORTAL}")
        assert csp.count("frame-ancestors") == 1
        # X-Frame-Options cannot name origins: it would refuse the portals.
        assert "X-Frame-Options" not in response.headers


def test_pages_of_the_full_site_stay_unframeable_by_portals(client, embedding):
    embedding(CROSS_SITE_PORTAL)
    for path in ("/mentors", "/signin", "/embed.js", "/portal/sign-in/campus?handoff=x"):
        response = client.get(path)
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


# --- cookies ------------------------------------------------------------------------------------


def session_cookie(app, response) -> str:
    """The Set-Cookie header of the session cookie (whatever its configured name)."""
    name = app.config["SESSION_COOKIE_NAME"] + "="
    cookies = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(name)]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    return cookies[0]


def attributes(header: str) -> set[str]:
    """A Set-Cookie header's attributes: flags lower-cased, and SameSite=<value> as sent."""
    found = set()
    for part in (p.strip() for p in header.split(";")[1:]):
        name = part.split("=", 1)[0].lower()
        if name == "samesite":
            found.add(part)
        elif "=" not in part:
            found.add(name)
    return found


@pytest.fixture
def csrf_on(app, monkeypatch):
    """CSRF protection on, as for a real browser (the token lives in the session)."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def form_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_cross_site_portal_session_cookie_is_none_secure_partitioned(app, embedding, csrf_on):
    embedding(CROSS_SITE_PORTAL)
    client = app.test_client()
    header = session_cookie(app, client.get("/embed/signin"))  # the CSRF token goes in the session
    assert {"SameSite=None", "secure", "partitioned", "httponly"} <= attributes(header)


def test_same_site_portal_session_cookie_is_lax(app, embedding, csrf_on):
    embedding(SAME_SITE_PORTAL)
    client = app.test_client()
    header = session_cookie(app, client.get("/embed/signin"))
    assert "SameSite=Lax" in attributes(header)
    assert "partitioned" not in attributes(header)


def test_signing_in_inside_a_cross_site_frame_sets_the_partitioned_cookie(
    app, db, embedding, csrf_on, student
):
    embedding(CROSS_SITE_PORTAL)
    client = app.test_client()
    token = form_token(client.get("/embed/signin", base_url=BASE).get_data(as_text=True))
    response = client.post(
        "/embed/signin",
        data={"email": student.email, "password": DEFAULT_PASSWORD, "csrf_token": token},
        base_url=BASE,
        # Over HTTPS Flask-WTF also checks the Referer; the frame's own page sends it.
        headers={"Referer": BASE + "/embed/signin"},
    )
    assert response.status_code == 302 and response.location == "/embed/account"
    assert {"SameSite=None", "secure", "partitioned", "httponly"} <= attributes(
        session_cookie(app, response)
    )
    assert client.get("/embed/account", base_url=BASE).status_code == 200


def test_csrf_failure_in_a_frame_points_to_a_new_tab(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    framed = client.post("/embed/signin", data={"email": "a@b.c", "password": "x"})
    assert framed.status_code == 400
    assert "Open in a new tab" in framed.get_data(as_text=True)
    plain = client.post("/signin", data={"email": "a@b.c", "password": "x"})
    assert plain.status_code == 400
    assert "Open in a new tab" not in plain.get_data(as_text=True)


# --- the embedded mode --------------------------------------------------------------------------


def urls_in(html: str) -> list[str]:
    """Every href, action and src in a page."""
    return re.findall(r'(?:href|action|src)="([^"#][^"]*)"', html)


def test_embedded_pages_are_chromeless_and_keep_links_inside(client, db, make_mentor):
    profile = make_mentor()
    html = client.get("/embed/mentors").get_data(as_text=True)
    assert 'class="site-header"' not in html and 'class="site-footer"' not in html
    assert '<nav class="cl-embed-bar"' in html
    assert '<a href="/mentors" target="_blank" rel="noopener">Open in a new tab' in html
    assert f'href="/embed/mentors/{profile.id}"' in html
    outside = [u for u in urls_in(html) if not u.startswith("/embed/")]
    assert outside == ["/mentors"]  # only "Open in a new tab"
    full = client.get("/mentors").get_data(as_text=True)
    assert 'class="site-header"' in full and "/embed/" not in full


@pytest.mark.parametrize(
    "path",
    [
        "/embed/mentors",
        "/embed/mentors/{mentor}",
        "/embed/mentors/{mentor}/ask/introduction",
        "/embed/my/requests",
        "/embed/my/waiting",
        "/embed/staff/requests",
    ],
)
def test_each_embeddable_page_stays_embedded_for_its_audience(
    client, db, make_mentor, student, alumna, staff, sign_in, path
):
    profile = make_mentor(user=alumna)
    path = path.format(mentor=profile.id)
    anonymous = client.get(path)
    if anonymous.status_code == 302:
        assert anonymous.location.startswith("/embed/signin?next=")
        person = staff if "staff" in path else alumna if "waiting" in path else student
        sign_in(person)
    response = client.get(path)
    assert response.status_code == 200, path
    html = response.get_data(as_text=True)
    assert '<nav class="cl-embed-bar"' in html
    assert all(u.startswith("/embed/") for u in urls_in(html) if u != path.removeprefix("/embed"))


def test_redirects_after_a_form_stay_embedded(client, db, student, make_mentor, sign_in):
    profile = make_mentor()
    sign_in(student)
    response = client.post(
        f"/embed/mentors/{profile.id}/ask/introduction",
        data={
            "hopes": "How a clinic hires.",
            "why_alumnus": "You run the clinic I admire.",
            "message": "I am a second-year student and would love an introduction. " * 2,
            "conduct": "y",
        },
    )
    assert response.status_code == 302
    assert re.fullmatch(r"/embed/requests/\d+", response.location)
    page = client.get(response.location).get_data(as_text=True)
    assert "Your request is with the career office" in page


def test_the_theme_rides_in_the_path_and_becomes_custom_properties(client, db):
    prefix = "/embed/theme=primary:0B5394,text:%23222/"
    html = client.get(prefix + "mentors?industry=veterinary").get_data(as_text=True)
    canonical = "/embed/theme=primary:0b5394,text:222/"
    assert f'href="{canonical}theme.css"' in html
    assert f'action="{canonical}mentors"' in html
    css = client.get(canonical + "theme.css")
    assert css.mimetype == "text/css"
    assert css.get_data(as_text=True) == (
        ":root {\n  --cl-color-primary: #0b5394;\n  --cl-color-text: #222;\n}\n"
    )


@pytest.mark.parametrize(
    "theme",
    [
        "primary:0b53",
        "primary:red",
        "colour:000000",
        "primary:000000;}body{display:none",
        "primary:000000,primary",
        "x" * 500,
    ],
)
def test_a_bad_theme_is_ignored(client, db, theme):
    response = client.get(f"/embed/theme={theme}/mentors")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "theme.css" not in html
    assert 'action="/embed/mentors"' in html


def test_theme_css_needs_a_theme(client):
    assert client.get("/theme.css").status_code == 404
    assert client.get("/embed/theme.css").status_code == 404


def test_embed_js_is_small_and_served_as_javascript(client):
    response = client.get("/embed.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert len(response.get_data()) <= 5 * 1024
    assert "public" in response.headers["Cache-Control"]
    body = response.get_data(as_text=True)
    for page in ("directory", "mentor", "ask", "my-requests", "waiting-requests", "staff-queue"):
        assert f'"{page}"' in body


def test_my_requests_and_waiting_requests(client, db, sign_in, make_request):
    mine = make_request(state="submitted")
    relayed = make_request(state="relayed", mentor=mine.mentor_profile)
    answered = make_request(state="introduced", mentor=mine.mentor_profile)
    sign_in(mine.student)
    html = client.get("/embed/my/requests").get_data(as_text=True)
    assert f"/embed/requests/{mine.id}" in html and "Waiting for the career office" in html
    client.post("/signout")
    sign_in(mine.alumnus)
    html = client.get("/embed/my/waiting").get_data(as_text=True)
    assert f"/embed/requests/{relayed.id}" in html
    assert f"/embed/requests/{mine.id}" not in html  # not relayed yet
    assert f"/embed/requests/{answered.id}" not in html  # answered


# --- campus sign-in through a popup -------------------------------------------------------------


def popup_link(html: str) -> str:
    """The campus sign-in link of an embedded sign-in page (a top-level URL)."""
    match = re.search(
        r'<a class="button" href="([^"]+)" target="_blank" rel="opener" data-careerlink-popup>',
        html,
    )
    assert match, html
    return match.group(1).replace("&amp;", "&")


def code_in(html: str) -> str:
    """The code the sign-in window posts to the frame."""
    match = re.search(r'data-code="([^"]+)"', html)
    assert match, html
    return match.group(1)


def frame_and_popup(app):
    """Two browsers' worth of cookies: the portal's frame and the top-level popup."""
    frame = app.test_client()
    popup = app.test_client()
    return frame, popup


@pytest.fixture
def campus_student(campus_sso, oidc_provider):
    """Campus sign-in configured, and a student known to the provider."""
    campus_sso()
    oidc_provider.set_user(
        "stella-campus",
        {
            "email": "stella@students.example.edu",
            "email_verified": True,
            "name": "Stella Student",
            "eduperson_scoped_affiliation": ["student@example.edu"],
        },
    )
    return "stella-campus"


def test_campus_sign_in_is_handed_from_the_popup_to_the_frame(
    app, db, campus_student, oidc_provider, make_mentor
):
    profile = make_mentor()
    frame, popup = frame_and_popup(app)
    ask = f"/embed/mentors/{profile.id}/ask/introduction"
    sign_in_page = frame.get(ask)
    assert (
        sign_in_page.location
        == f"/embed/signin?next=%2Fembed%2Fmentors%2F{profile.id}%2Fask%2Fintroduction"
    )
    html = frame.get(sign_in_page.location).get_data(as_text=True)
    link = popup_link(html)
    assert re.fullmatch(r"/portal/sign-in/campus\?handoff=[A-Za-z0-9_-]{32}", link)
    assert 'id="cl-popup-blocked"' in html and 'id="cl-handoff-form"' in html

    # The popup: the provider, then the page that posts the code (and the popup is signed in).
    start = popup.get(link)
    done_path = "/portal/signed-in?handoff=" + link.split("handoff=")[1]
    where = urlsplit(start.location)
    assert (where.path, parse_qs(where.query)) == ("/sso/oidc/campus/start", {"next": [done_path]})
    back = sso_sign_in(popup, oidc_provider, campus_student, next=done_path)
    assert back.location == done_path
    done = popup.get(done_path)
    assert done.headers["Cache-Control"] == "no-store"
    code = code_in(done.get_data(as_text=True))

    # The frame redeems it for its own session, and lands where it wanted to go.
    exchanged = frame.post("/embed/portal/exchange", data={"code": code})
    assert exchanged.status_code == 302 and exchanged.location == ask
    assert frame.get(ask).status_code == 200
    db.session.rollback()
    assert db.session.query(UserSession).count() == 2  # the popup's and the frame's

    # Once only: the frame's hand-off id is spent.
    frame.post("/signout")
    again = frame.post("/embed/portal/exchange", data={"code": code})
    assert again.location == "/embed/signin"
    assert frame.get(ask).status_code == 302


def test_a_code_only_works_in_the_frame_that_asked_for_it(app, db, campus_student, oidc_provider):
    frame, popup = frame_and_popup(app)
    other_frame = app.test_client()
    link = popup_link(frame.get("/embed/signin").get_data(as_text=True))
    popup_link(other_frame.get("/embed/signin").get_data(as_text=True))  # its own hand-off id
    done_path = "/portal/signed-in?handoff=" + link.split("handoff=")[1]
    popup.get(link)
    sso_sign_in(popup, oidc_provider, campus_student, next=done_path)
    code = code_in(popup.get(done_path).get_data(as_text=True))

    stolen = other_frame.post("/embed/portal/exchange", data={"code": code}, follow_redirects=True)
    assert str(handoff.REFUSED) in stolen.get_data(as_text=True)
    assert other_frame.get("/embed/my/requests").status_code == 302
    no_frame = app.test_client().post("/embed/portal/exchange", data={"code": code})
    assert no_frame.location == "/embed/signin"
    # The right frame still can (the others did not spend its id).
    assert frame.post("/embed/portal/exchange", data={"code": code}).location == "/embed/account"


def test_an_expired_or_forged_code_is_refused(app, db, student, monkeypatch):
    frame = app.test_client()
    link = popup_link_for(app, frame, monkeypatch)
    handoff_id = link.split("handoff=")[1]
    with app.test_request_context():
        good = handoff.mint_code(student, handoff_id)
        forged = handoff.mint_code(student, "A" * 32)
    monkeypatch.setattr(handoff, "CODE_SECONDS", -1)
    for code in (good, forged, good[:-2] + "xx", ""):
        response = frame.post("/embed/portal/exchange", data={"code": code}, follow_redirects=True)
        assert response.request.path == "/embed/signin"
        assert str(handoff.REFUSED) in response.get_data(as_text=True)
        popup_link_for(app, frame, monkeypatch)


def popup_link_for(app, frame, monkeypatch) -> str:
    """An embedded sign-in page offering a (stub) campus provider: its popup link."""
    monkeypatch.setitem(
        app.config,
        "CAREERLINK_OIDC_PROVIDERS",
        {"campus": cfg._oidc_provider(_stub_env(), "campus", ())},
    )
    return popup_link(frame.get("/embed/signin").get_data(as_text=True))


def _stub_env() -> dict[str, str]:
    return {
        "CAREERLINK_OIDC_CAMPUS_DISCOVERY_URL": "https://idp.example.edu/.well-known/x",
        "CAREERLINK_OIDC_CAMPUS_CLIENT_ID": "careerlink",
        "CAREERLINK_OIDC_CAMPUS_CLIENT_SECRET": "secret",
    }


def test_a_deactivated_account_gets_no_frame_session(app, db, student, monkeypatch):
    frame = app.test_client()
    handoff_id = popup_link_for(app, frame, monkeypatch).split("handoff=")[1]
    with app.test_request_context():
        code = handoff.mint_code(student, handoff_id)
    with transaction():
        db.session.merge(student).active = False
    response = frame.post("/embed/portal/exchange", data={"code": code}, follow_redirects=True)
    assert str(handoff.REFUSED) in response.get_data(as_text=True)


def test_a_popup_already_signed_in_hands_over_at_once(app, db, student, monkeypatch):
    popup = app.test_client()
    frame = app.test_client()
    link = popup_link_for(app, frame, monkeypatch)
    sign_in_session(popup, student)
    start = popup.get(link)
    assert start.location == "/portal/signed-in?handoff=" + link.split("handoff=")[1]
    code = code_in(popup.get(start.location).get_data(as_text=True))
    assert frame.post("/embed/portal/exchange", data={"code": code}).location == "/embed/account"


def test_popup_pages_refuse_bad_input(app, client, db, student, monkeypatch):
    popup_link_for(app, app.test_client(), monkeypatch)
    assert client.get("/portal/sign-in/nobody?handoff=" + "A" * 32).status_code == 404
    assert client.get("/portal/sign-in/saml?handoff=" + "A" * 32).status_code == 404
    assert client.get("/portal/sign-in/campus?handoff=short").status_code == 400
    assert client.get("/portal/signed-in?handoff=" + "A" * 32).status_code == 302  # sign in first
    sign_in_session(client, student)
    assert client.get("/portal/signed-in").status_code == 400
    assert client.get("/portal/signed-in?handoff=" + "A" * 32).status_code == 200


def test_the_full_site_sign_in_page_is_unchanged(app, client, monkeypatch):
    popup_link_for(app, client, monkeypatch)
    html = client.get("/signin").get_data(as_text=True)
    assert 'href="/sso/oidc/campus/start"' in html
    assert "data-careerlink-popup" not in html and "cl-handoff-form" not in html


def test_embed_js_names_the_frame_in_the_portals_language(client):
    """With data-lang="fr" the iframe's title (its accessible name on the portal's page) is
    French: embed.js carries each offered language's titles, English being its own."""
    body = client.get("/embed.js").get_data(as_text=True)
    line = next(x for x in body.splitlines() if "var titles = " in x)
    titles = json.loads(line.split("var titles = ", 1)[1].rstrip(";"))
    assert list(titles) == ["fr"]
    assert titles["fr"]["directory"] == "CareerLink\u00a0: annuaire des mentors"
    assert set(titles["fr"]) == {
        "directory",
        "mentor",
        "ask",
        "my-requests",
        "waiting-requests",
        "staff-queue",
    }
