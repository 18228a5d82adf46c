"""CareerLink inside a campus portal, in Chromium: a portal page on another site frames it.

Host names under .test all resolve to loopback (Chromium's --host-resolver-rules), and every
server speaks HTTPS with a certificate made here (Chromium ignores that no authority signed
it), so Secure and Partitioned cookies behave as in production:

- careers.uni.test   the app
- portal.uni.test    a portal on the same site (uni.test): Lax cookies do
- portal.college.test  a portal on another site: CHIPS (SameSite=None; Secure; Partitioned)
- elsewhere.test     a site that is not allowed to frame the app

Chromium runs with third-party cookies blocked, as Chrome does for people who chose it: only
partitioned cookies reach the cross-site frame.
"""

from __future__ import annotations

import datetime
import html
import re
import threading

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from browser.browser_helpers import (
    CHROMIUM_ARGS,
    DEFAULT_TIMEOUT_MS,
    assert_accessible,
    chromium_path,
    expect,
    heading,
    translator,
)
from careerlink.paths import load_config_module
from careerlink.permissions import Role

pytestmark = pytest.mark.browser

APP = "careers.uni.test"
SAME_SITE = "portal.uni.test"
CROSS_SITE = "portal.college.test"
ELSEWHERE = "elsewhere.test"
HOSTS = (APP, SAME_SITE, CROSS_SITE, ELSEWHERE)
# The portal's own words, in its language.
PORTAL_WORDS = {
    "en": {"portal": "Campus portal", "home": "Home", "careers": "Careers", "footer": "Footer."},
    "fr": {
        "portal": "Portail du campus",
        "home": "Accueil",
        "careers": "Carrières",
        "footer": "Pied de page.",
    },
}
LOCALES = pytest.mark.parametrize("tab", ["en-GB", "fr-FR"], indirect=True)
MESSAGE = (
    "I am a second-year biology student hoping to work in veterinary medicine. I volunteer at "
    "an animal shelter and would be grateful for an introduction to your practice manager."
)


# --- HTTPS on loopback ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[str, str]:
    """A self-signed certificate for every test host: (certificate file, key file)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CareerLink embedding tests")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(h) for h in HOSTS]), False)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_file), str(key_file)


class TlsServer:
    """A WSGI app served over HTTPS on 127.0.0.1 in a daemon thread, for any test host name."""

    def __init__(self, app, certificate: tuple[str, str]):
        self.server = make_server("127.0.0.1", 0, app, threaded=True, ssl_context=certificate)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, host: str) -> str:
        """The server's address under `host`."""
        return f"https://{host}:{self.port}"

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


class Portal:
    """The campus portal's pages: `/page?careerlink=...&...` includes embed.js with those
    data-* attributes; `/frame?path=...` frames a CareerLink path without embed.js."""

    def __init__(self, certificate):
        self.careers = ""  # the app's address, set by the `careers` fixture
        self.server = TlsServer(self.wsgi, certificate)

    @Request.application
    def wsgi(self, request):
        """A portal page around the snippet a portal administrator pastes."""
        # A French portal (`lang=fr`) is a French page that tells embed.js so (data-lang).
        lang = request.args.get("lang", "en")
        if request.path == "/page":
            attributes = "".join(
                f' data-{html.escape(k)}="{html.escape(v)}"' for k, v in request.args.items()
            )
            snippet = f'<script src="{self.careers}/embed.js"{attributes}></script>'
        elif request.path == "/frame":
            src = self.careers + request.args.get("path", "/embed/mentors")
            snippet = f'<iframe title="CareerLink" src="{html.escape(src)}"></iframe>'
        else:
            return Response("not found", status=404)
        words = PORTAL_WORDS.get(lang, PORTAL_WORDS["en"])
        return Response(
            f'<!doctype html><html lang="{html.escape(lang)}"><head><meta charset="utf-8">'
            "<title>{portal}</title></head><body>"
            '<header><p>{portal} · <a href="#">{home}</a></p></header>'
            "<main><h1>{careers}</h1>{snippet}<p>{footer}</p></main></body></html>".format(
                snippet=snippet, **words
            ),
            mimetype="text/html",
        )

    def url(self, host: str, page: str = "/page", **args) -> str:
        """A portal page under `host`, with these query arguments (`_` written as `-`)."""
        query = "&".join(f"{k.replace('_', '-')}={v}" for k, v in args.items())
        return self.server.url(host) + page + (f"?{query}" if query else "")


@pytest.fixture(scope="module")
def portal(certificate):
    """The portal's server (every portal host name; the page says which snippet)."""
    server = Portal(certificate)
    yield server
    server.server.stop()


@pytest.fixture
def careers(app, db, certificate, portal, monkeypatch):
    """The app over HTTPS at careers.uni.test, framed by the portal's same- and cross-site
    hosts by default; `careers.allow(*hosts)` changes which portal hosts may frame it."""
    server = TlsServer(app, certificate)
    base = server.url(APP)
    portal.careers = base
    cfg = load_config_module()
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    monkeypatch.setitem(app.config, "CAREERLINK_BASE_URL", base)
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        monkeypatch.setitem(app.config, key, True)

    def allow(*hosts: str) -> None:
        origins = " ".join(portal.server.url(h) for h in hosts)
        env = {"CAREERLINK_EMBED_ORIGINS": origins}
        for key, value in cfg.embed_settings(env, base, True, False).items():
            monkeypatch.setitem(app.config, key, value)

    allow(SAME_SITE, CROSS_SITE)
    server.allow = allow
    server.base = base
    yield server
    server.stop()


@pytest.fixture(scope="module")
def portal_browser(playwright_instance):
    """Chromium resolving *.test to loopback, accepting our certificate, blocking
    third-party cookies (only partitioned ones reach a cross-site frame)."""
    args = [
        *CHROMIUM_ARGS,
        "--host-resolver-rules=MAP *.test 127.0.0.1",
        "--ignore-certificate-errors",
        "--test-third-party-cookie-phaseout",
    ]
    instance = playwright_instance.chromium.launch(
        executable_path=chromium_path(), headless=True, args=args
    )
    yield instance
    instance.close()


@pytest.fixture
def tab(portal_browser, request, tmp_path):
    """A page in a fresh context; a screenshot on failure. British English, or the locale a
    test gives through indirect parametrisation (`LOCALES`); `tab.context.careerlink_language`
    is its language."""
    locale = getattr(request, "param", "en-GB")
    context = portal_browser.new_context(
        viewport={"width": 1100, "height": 800}, locale=locale, ignore_https_errors=True
    )
    context.careerlink_language = locale.split("-")[0]
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        shot = tmp_path / "failure.png"
        try:
            page.screenshot(path=str(shot), full_page=True)
            print(f"\nbrowser screenshot at failure: {shot} (page {page.url})")
        except Exception as exc:
            print(f"\nno failure screenshot: {exc}")
    context.close()


# --- helpers --------------------------------------------------------------------------------


def the_frame(page, title: str):
    """The CareerLink iframe with this title, as a Frame (it has loaded)."""
    handle = page.locator(f'iframe[title="{title}"]').element_handle()
    frame = handle.content_frame()
    frame.wait_for_load_state()
    return frame


def speaking(tab):
    """(t, portal arguments) for the tab's language: a French portal says data-lang="fr"; the
    English one says nothing, so the app's default is what it shows."""
    language = tab.context.careerlink_language
    return translator(language), ({} if language == "en" else {"lang": language})


def embedded(lang: dict) -> str:
    """The start of an embedded page's path: `/embed/`, then the portal's `lang=fr/` if any."""
    return "/embed/" + (f"lang={lang['lang']}/" if lang else "")


def portal_accessible(page, context: str) -> None:
    """axe-core on the portal page itself (the iframe's title among its checks)."""
    from browser.browser_helpers import _get_axe, format_violations

    results = _get_axe().run(page, options={"resultTypes": ["violations"], "iframes": False})
    violations = results.response["violations"]
    assert not violations, f"{context}:\n{format_violations(violations)}"


def careerlink_cookie(page, app) -> list[dict]:
    """The browser's CareerLink session cookies (one per partition)."""
    name = app.config["SESSION_COOKIE_NAME"]
    return [c for c in page.context.cookies() if c["name"] == name and c["domain"] == APP]


def frame_height_matches(page, frame) -> None:
    """Wait until the iframe is exactly as tall as the page inside it."""
    seen = []
    for _ in range(DEFAULT_TIMEOUT_MS // 100):
        inside = frame.evaluate(
            "() => Math.ceil(document.documentElement.getBoundingClientRect().height)"
        )
        outside = page.locator("iframe").bounding_box()["height"]
        if abs(inside - outside) < 2:
            return
        seen.append((inside, outside))
        page.wait_for_timeout(100)
    raise AssertionError(f"the iframe never took its content's height: {seen[-5:]}")


# --- the journeys ---------------------------------------------------------------------------


@LOCALES
def test_anonymous_search_in_a_cross_site_frame(tab, careers, portal, make_user, make_mentor):
    """embed.js with a preset industry: a titled frame, the filtered directory, a search."""
    t, lang = speaking(tab)
    vet = make_mentor(
        user=make_user(Role.ALUMNUS, email="vera@alumni.example.org", name="Vera Vet"),
        industry="veterinary",
    )
    make_mentor(
        user=make_user(Role.ALUMNUS, email="pete@alumni.example.org", name="Pete Press"),
        industry="publishing",
    )
    tab.goto(portal.url(CROSS_SITE, careerlink="directory", industry="veterinary", **lang))
    frame = the_frame(tab, t("CareerLink: Mentor directory"))
    expect(heading(frame, t("Find a mentor"))).to_be_visible()
    expect(frame.get_by_role("link", name="Vera Vet")).to_be_visible()
    expect(frame.get_by_role("link", name="Pete Press")).to_have_count(0)
    assert frame.locator(".site-header").count() == 0
    open_link = frame.get_by_role(
        "link",
        name=t(
            'Open in a new tab<span class="visually-hidden"> (opens %(site)s in a new tab)</span>',
            site="CareerLink",
        ).split("<span")[0],
    )
    assert open_link.get_attribute("href") == "/mentors?industry=veterinary"
    assert open_link.get_attribute("target") == "_blank"
    assert_accessible(frame, "embedded directory")
    portal_accessible(tab, "portal page with the embedded directory")
    frame_height_matches(tab, frame)

    # A search inside the frame stays inside it.
    frame.get_by_label(t("Words")).fill("nobody matches this")
    frame.get_by_role("button", name=t("Search")).first.click()
    # The frame was already on a directory page: wait for the search's own page to load.
    frame.wait_for_url(re.compile(re.escape(f"{embedded(lang)}mentors?") + r".*\bq=nobody\+"))
    expect(frame.get_by_role("link", name="Vera Vet")).to_have_count(0)
    assert tab.url.startswith(portal.server.url(CROSS_SITE))
    assert_accessible(frame, "embedded directory, no results")
    assert vet.id


@LOCALES
def test_password_sign_in_and_ask_in_a_cross_site_frame(
    tab, careers, portal, app, student, alumna, make_mentor
):
    """The mentor's page in the frame: sign in with a password, ask, see the request."""
    t, lang = speaking(tab)
    profile = make_mentor(user=alumna)
    tab.goto(portal.url(CROSS_SITE, careerlink="mentor", mentor=profile.id, **lang))
    frame = the_frame(tab, t("CareerLink: Mentor"))
    expect(heading(frame, "Alma Alumna")).to_be_visible()
    assert_accessible(frame, "embedded mentor page")

    frame.get_by_role("navigation", name="CareerLink").get_by_role(
        "link", name=t("Sign in")
    ).click()
    expect(heading(frame, t("Sign in"))).to_be_visible()
    # After a navigation inside the frame, focus starts at the new page's content.
    frame.wait_for_function("() => document.activeElement.id === 'main'")
    assert_accessible(frame, "embedded sign-in page")
    frame.get_by_label(t("Email address")).fill(student.email)
    frame.get_by_label(t("Password"), exact=True).fill("correct horse battery")
    frame.get_by_role("button", name=t("Sign in"), exact=True).click()
    expect(heading(frame, "Alma Alumna")).to_be_visible()
    expect(frame.get_by_text(t("Signed in as %(name)s", name="Stella Student"))).to_be_visible()

    (cookie,) = careerlink_cookie(tab, app)
    assert (cookie["sameSite"], cookie["secure"], cookie["httpOnly"]) == ("None", True, True)
    assert cookie["partitionKey"] == "https://college.test"

    frame.get_by_role("link", name=t("Ask for %(kind)s", kind=t("an introduction"))).click()
    expect(
        heading(
            frame, t("Ask %(name)s for %(kind)s", name="Alma Alumna", kind=t("an introduction"))
        )
    ).to_be_visible()
    assert_accessible(frame, "embedded ask form")
    frame.get_by_label(t("What do you hope to learn or achieve?")).fill("How a clinic hires.")
    frame.get_by_label(t("Why this alumnus?")).fill("You run the clinic I admire.")
    frame.get_by_label(t("Your message to the alumnus")).fill(MESSAGE)
    frame.get_by_label(t("I have read the conduct policy and will follow it")).check()
    frame.get_by_role("button", name=t("Send to the career office")).click()
    expect(heading(frame, t("Your request to %(name)s", name="Alma Alumna"))).to_be_visible()
    expect(frame.get_by_text(t("Waiting for the career office")).first).to_be_visible()
    assert embedded(lang) + "requests/" in frame.url
    assert_accessible(frame, "embedded request after asking")
    frame_height_matches(tab, frame)


def campus_student(campus_sso, oidc_provider, base: str) -> str:
    """Campus sign-in configured for the app at `base`; a student the provider knows."""
    campus_sso(base=base)
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


def authorize_in(window, sub: str) -> None:
    """Play the person on the provider's form in the sign-in window."""
    window.get_by_role("heading", name="Authorize Client").wait_for()
    window.get_by_placeholder("sub").fill(sub)
    window.get_by_role("button", name="Authorize", exact=True).click()


@LOCALES
def test_campus_sign_in_through_a_popup(
    tab, careers, portal, app, campus_sso, oidc_provider, alumna, make_mentor
):
    """The ask form needs a sign-in: the campus button opens a popup; the frame is signed in."""
    t, lang = speaking(tab)
    sub = campus_student(campus_sso, oidc_provider, careers.base)
    profile = make_mentor(user=alumna)
    tab.goto(
        portal.url(CROSS_SITE, careerlink="ask", mentor=profile.id, kind="introduction", **lang)
    )
    frame = the_frame(tab, t("CareerLink: Ask a mentor"))
    expect(heading(frame, t("Sign in"))).to_be_visible()
    assert_accessible(frame, "embedded sign-in with the campus button")
    with tab.expect_popup() as opened:
        frame.get_by_role("link", name=t("Sign in with %(label)s", label="Campus account")).click()
    popup = opened.value
    # Listen before the click. The window closes itself within the redirects the click sets
    # off; an event that arrives while another call is waiting reaches only the listeners
    # already there, so a wait_for_event called afterwards would wait for good.
    with popup.expect_event("close"):
        authorize_in(popup, sub)
    expect(
        heading(
            frame, t("Ask %(name)s for %(kind)s", name="Alma Alumna", kind=t("an introduction"))
        )
    ).to_be_visible()
    expect(frame.get_by_text(t("Signed in as %(name)s", name="Stella Student"))).to_be_visible()
    assert_accessible(frame, "embedded ask form after campus sign-in")

    partitions = {c["partitionKey"] for c in careerlink_cookie(tab, app)}
    # The popup's own (top-level) session, and the frame's, each in its own partition.
    assert partitions == {"https://uni.test", "https://college.test"}


@LOCALES
def test_a_blocked_popup_leaves_a_link_to_a_new_tab(
    tab, careers, portal, campus_sso, oidc_provider, make_mentor
):
    """When window.open is refused, the frame shows a link; the new tab hands over the same."""
    t, lang = speaking(tab)
    sub = campus_student(campus_sso, oidc_provider, careers.base)
    make_mentor()
    tab.context.add_init_script("window.open = function () { return null; };")
    tab.goto(portal.url(CROSS_SITE, careerlink="my-requests", **lang))
    frame = the_frame(tab, t("CareerLink: Your requests"))
    expect(heading(frame, t("Sign in"))).to_be_visible()
    frame.get_by_role("link", name=t("Sign in with %(label)s", label="Campus account")).click()
    fallback = frame.get_by_role(
        "link", name=t("Sign in with %(label)s in a new tab", label="Campus account")
    )
    expect(fallback).to_be_visible()
    expect(fallback).to_be_focused()
    assert_accessible(frame, "embedded sign-in, popup blocked")
    with tab.context.expect_page() as opened:
        fallback.click()
    authorize_in(opened.value, sub)
    expect(heading(frame, t("Your requests"))).to_be_visible()
    expect(frame.get_by_text(t("You have not asked anyone yet."))).to_be_visible()
    assert_accessible(frame, "embedded requests list")


def test_the_frame_follows_its_content_height(tab, careers, portal, make_mentor, make_user):
    """The portal page sizes the iframe to the page inside, as it changes."""
    for n in range(6):
        make_mentor(
            user=make_user(Role.ALUMNUS, email=f"a{n}@alumni.example.org", name=f"Alum {n}")
        )
    tab.goto(portal.url(CROSS_SITE, careerlink="directory", height="300"))
    frame = the_frame(tab, "CareerLink: Mentor directory")
    expect(frame.get_by_role("link", name="Alum 5")).to_be_visible()
    frame_height_matches(tab, frame)
    tall = tab.locator("iframe").bounding_box()["height"]
    assert tall > 600

    # A shorter page inside the frame: the iframe shrinks to it.
    frame.get_by_role("link", name="Alum 5").click()
    expect(heading(frame, "Alum 5")).to_be_visible()
    frame_height_matches(tab, frame)
    assert tab.locator("iframe").bounding_box()["height"] < tall - 100


def test_no_other_site_may_frame_the_app(tab, careers, portal):
    """elsewhere.test is not in CAREERLINK_EMBED_ORIGINS: Chromium refuses to show the frame.
    The full site's pages stay unframeable even by an allowed portal."""
    tab.goto(portal.url(CROSS_SITE, "/frame", path="/embed/mentors"))
    allowed = the_frame(tab, "CareerLink")
    expect(heading(allowed, "Find a mentor")).to_be_visible()

    for host, path in ((ELSEWHERE, "/embed/mentors"), (CROSS_SITE, "/mentors")):
        tab.goto(portal.url(host, "/frame", path=path))
        tab.wait_for_load_state("load")
        framed = tab.locator('iframe[title="CareerLink"]').element_handle().content_frame()
        assert framed.url.startswith("chrome-error://"), (host, path, framed.url)
        assert framed.get_by_role("heading", name="Find a mentor").count() == 0


@LOCALES
def test_a_same_site_portal_works_with_lax_cookies(tab, careers, portal, app, student):
    """portal.uni.test frames careers.uni.test: first-party cookies, SameSite=Lax, suffice."""
    t, lang = speaking(tab)
    careers.allow(SAME_SITE)
    tab.goto(portal.url(SAME_SITE, careerlink="my-requests", theme_primary="7a1f5c", **lang))
    frame = the_frame(tab, t("CareerLink: Your requests"))
    expect(heading(frame, t("Sign in"))).to_be_visible()
    colour = frame.evaluate(
        "() => getComputedStyle(document.documentElement).getPropertyValue('--cl-color-primary')"
    )
    assert colour.strip() == "#7a1f5c"
    frame.get_by_label(t("Email address")).fill(student.email)
    frame.get_by_label(t("Password"), exact=True).fill("correct horse battery")
    frame.get_by_role("button", name=t("Sign in"), exact=True).click()
    expect(heading(frame, t("Your requests"))).to_be_visible()
    assert embedded(lang) + "theme=primary:7a1f5c/my/requests" in frame.url
    (cookie,) = careerlink_cookie(tab, app)
    assert cookie["sameSite"] == "Lax"
    assert "partitionKey" not in cookie or not cookie["partitionKey"]
    assert_accessible(frame, "embedded requests, same-site portal, themed")


def sign_in_in_frame(frame, email: str, t) -> None:
    """The frame's own sign-in form (the page asked for it)."""
    expect(heading(frame, t("Sign in"))).to_be_visible()
    frame.get_by_label(t("Email address")).fill(email)
    frame.get_by_label(t("Password"), exact=True).fill("correct horse battery")
    frame.get_by_role("button", name=t("Sign in"), exact=True).click()


@LOCALES
def test_the_alumnus_and_staff_widgets(tab, careers, portal, make_request, staff):
    """An alumnus's waiting requests and the staff queue, each in a cross-site frame."""
    t, lang = speaking(tab)
    waiting = make_request(state="relayed")
    tab.goto(portal.url(CROSS_SITE, careerlink="waiting-requests", **lang))
    frame = the_frame(tab, t("CareerLink: Requests waiting for your answer"))
    sign_in_in_frame(frame, waiting.alumnus.email, t)
    expect(heading(frame, t("Requests waiting for your answer"))).to_be_visible()
    expect(
        frame.get_by_role(
            "link",
            name=t(
                "%(kind)s for %(name)s",
                kind=t("Introduction"),
                name=waiting.student.display_name,
            ),
        )
    ).to_be_visible()
    assert_accessible(frame, "embedded waiting requests")

    tab.context.clear_cookies()
    make_request(state="submitted")
    tab.goto(portal.url(CROSS_SITE, careerlink="staff-queue", **lang))
    frame = the_frame(tab, t("CareerLink: Request queue"))
    sign_in_in_frame(frame, staff.email, t)
    expect(heading(frame, t("Requests"))).to_be_visible()
    assert embedded(lang) + "staff/requests" in frame.url
    assert_accessible(frame, "embedded staff queue")
