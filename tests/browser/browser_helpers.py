"""Plain helpers for browser tests: a loopback live server, signing in, axe-core, caught emails.

Import them in a test with `from browser.browser_helpers import assert_accessible`.
tests/browser is a package (it has an __init__.py) so that its conftest is the module
`browser.conftest` and never shadows tests/conftest.py, which other tests import as `conftest`.
tests/browser/screenshots.py uses these helpers outside pytest, so none needs a fixture.
"""

from __future__ import annotations

import email
import email.policy
import os
import shutil
import threading
from email.message import EmailMessage
from pathlib import Path

from support.auth import DEFAULT_PASSWORD
from support.outbox import link_from
from werkzeug.serving import make_server

# How long an action, and an expect(), waits: Playwright's own default for expect() is 5 s,
# short for two loaded cores running both suites side by side.
DEFAULT_TIMEOUT_MS = 10_000

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips (or fails) with the reason before any use
    expect = None
else:
    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# --- the browser -----------------------------------------------------------------------------


def chromium_path() -> str:
    """The Chromium executable: $CAREERLINK_CHROMIUM, else Debian's /usr/bin/chromium."""
    return os.environ.get("CAREERLINK_CHROMIUM", "").strip() or DEFAULT_CHROMIUM


def browser_problem() -> str | None:
    """Why the browser tests cannot run here, or None when playwright and Chromium are there."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return (
            f"the playwright package is not installed ({exc}); "
            "install the test extras: pip install -e '.[test]'"
        )
    try:
        import axe_playwright_python  # noqa: F401
    except ImportError as exc:
        return (
            f"the axe-playwright-python package is not installed ({exc}); "
            "install the test extras: pip install -e '.[test]'"
        )
    path = chromium_path()
    resolved = shutil.which(path) if os.sep not in path else path
    if not resolved or not os.path.isfile(resolved) or not os.access(resolved, os.X_OK):
        return (
            f"no Chromium executable at {path!r} (set CAREERLINK_CHROMIUM, or install "
            "Debian's chromium: apt-get install chromium); Playwright never downloads one"
        )
    return None


def launch_chromium(playwright):
    """Launch headless Chromium from chromium_path() with the harness's flags."""
    return playwright.chromium.launch(
        executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
    )


# --- the app on loopback ---------------------------------------------------------------------


class LiveServer:
    """A WSGI app served by werkzeug on 127.0.0.1 in a daemon thread; `.url` has no slash."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0):
        self.app = app
        # Port 0: the OS picks a free port at bind time, so there is no race for it.
        self.server = make_server(host, port, app, threaded=True)
        self.host = host
        self.port = self.server.server_port
        self.url = f"http://{host}:{self.port}"
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"careerlink-live-server-{self.port}",
            daemon=True,
        )

    def start(self) -> LiveServer:
        """Start serving."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting requests, close the socket and wait for the serving thread."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# --- signing in ------------------------------------------------------------------------------


def translator(language: str):
    """t(english, **values): what a page in `language` shows for this English text.

    English is the source language; any other comes from its compiled catalogue, and a text
    the catalogue does not translate fails the test at once (a label that is not translated
    would otherwise pass unnoticed in the French journey). `t.plural(singular, plural, n,
    **values)` is the same for an `ngettext` text.
    """
    if language == "en":

        def t(text: str, **values) -> str:
            return text % values if values else text

        def plural(singular: str, plural_text: str, n: int, **values) -> str:
            text = singular if n == 1 else plural_text
            return text % values if values else text

        t.plural = plural
        return t
    from babel.support import Translations

    from careerlink.i18n import TRANSLATIONS_DIR

    catalogue = Translations.load(str(TRANSLATIONS_DIR), [language])

    def t(text: str, **values) -> str:
        assert text in catalogue._catalog, f"no {language} translation of {text!r}"
        translated = catalogue.gettext(text)
        return translated % values if values else translated

    def plural(singular: str, plural_text: str, n: int, **values) -> str:
        key = (singular, 0)
        assert key in catalogue._catalog, f"no {language} plural translation of {singular!r}"
        translated = catalogue.ngettext(singular, plural_text, n)
        return translated % values if values else translated

    t.plural = plural
    return t


def translate_industries(language: str) -> None:
    """Give every stored industry its shipped name in `language`, as an admin would (the
    industries page); the English run leaves them as they are. Needs an app context."""
    if language == "en":
        return
    from careerlink.extensions import db
    from careerlink.mentors.industries import DEFAULT_TRANSLATIONS
    from careerlink.mentors.models import Industry

    for industry in db.session.scalars(db.select(Industry)):
        names = DEFAULT_TRANSLATIONS.get(industry.slug)
        if names and language in names:
            industry.translations = {**(industry.translations or {}), language: names[language]}
    db.session.commit()


def industry_name(language: str, slug: str) -> str:
    """A default industry's name in `language` (see `translate_industries`)."""
    from careerlink.mentors.industries import DEFAULT_INDUSTRIES, DEFAULT_TRANSLATIONS

    if language != "en":
        return DEFAULT_TRANSLATIONS[slug][language]
    return dict(DEFAULT_INDUSTRIES)[slug]


def sign_in_with_form(
    page, base_url: str, email: str, password: str = DEFAULT_PASSWORD, t=translator("en")
) -> None:
    """Sign in as a person does: the header's "Sign in" link, then the real form (CSRF on).

    The one way browser tests sign in; it returns once the form is posted, on whatever page
    the app answers with (the landing page, or the form again with an error). `t` gives the
    labels in the page's language (see `translator`).
    """
    page.goto(base_url + "/")
    page.get_by_role("navigation", name=t("Main")).get_by_role("link", name=t("Sign in")).click()
    page.get_by_role("heading", level=1, name=t("Sign in"), exact=True).wait_for()
    page.get_by_label(t("Email address")).fill(email)
    page.get_by_label(t("Password"), exact=True).fill(password)
    page.get_by_role("button", name=t("Sign in"), exact=True).click()


def sign_out(page, t=translator("en")) -> None:
    """Press the header's sign-out button."""
    page.get_by_role("navigation", name=t("Main")).get_by_role("button", name=t("Sign out")).click()


def heading(page, text: str):
    """The page's (or frame's) h1 with exactly this text."""
    return page.get_by_role("heading", level=1, name=text, exact=True)


def staff_approve_first_request(page, base_url: str, staff_email: str, kind: str, t) -> None:
    """A staff member signs in, opens request #1 (`kind` is its heading's kind), checks the
    page's accessibility, approves and relays it as it stands, and signs out."""
    sign_in_with_form(page, base_url, staff_email, t=t)
    page.goto(f"{base_url}/staff/requests")
    page.get_by_role("link", name="#1").click()
    expect(heading(page, t("Request #%(number)s: %(kind)s", number=1, kind=kind))).to_be_visible()
    assert_accessible(page, f"staff page of a request for {kind}")
    page.get_by_role("button", name=t("Approve and relay")).click()
    expect(
        page.get_by_text(t("Approved: the request is on its way to the alumnus."))
    ).to_be_visible()
    sign_out(page, t)


def open_relayed_request(page, relay: EmailMessage, student: str, kind: str, t) -> None:
    """Open the answer link of the relayed request's email (signed out): its page asks the
    alumnus about `student`'s request for `kind`, and is accessible."""
    page.goto(email_link(relay, "/requests/answer/"))
    asks = t("%(name)s asks you for %(kind)s", name=student, kind=kind)
    expect(heading(page, asks)).to_be_visible()
    assert_accessible(page, f"answer page of a request for {kind}")


# --- accessibility ---------------------------------------------------------------------------

_axe = None


def _get_axe():
    global _axe
    if _axe is None:
        from axe_playwright_python.sync_playwright import Axe

        _axe = Axe()
    return _axe


def axe_violations(page) -> list[dict]:
    """Run axe-core (bundled with axe-playwright-python) on the page; its violations."""
    results = _get_axe().run(page)
    return list(results.response["violations"])


def format_violations(violations: list[dict]) -> str:
    """One block per violation: id, impact, help and the offending nodes."""
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact') or 'no impact'}): {v['help']}")
        lines.append(f"  {v.get('helpUrl', '')}")
        for node in v.get("nodes", []):
            target = ", ".join(str(t) for t in node.get("target", []))
            lines.append(f"    at {target}: {node.get('html', '').strip()[:200]}")
            summary = (node.get("failureSummary") or "").strip().replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


def assert_accessible(page, context: str = "") -> None:
    """Fail, listing every violation, unless axe-core finds none on the page as it is now."""
    violations = axe_violations(page)
    if violations:
        where = context or page.url
        raise AssertionError(
            f"axe-core found {len(violations)} accessibility violation(s) on {where} "
            f"({page.url}):\n{format_violations(violations)}"
        )


def assert_no_horizontal_scroll(page, context: str = "") -> None:
    """Fail when the page is wider than the viewport (it would scroll sideways)."""
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    scroll_width, client_width = widths
    assert scroll_width <= client_width, (
        f"{context or page.url} scrolls sideways: scrollWidth {scroll_width} > "
        f"clientWidth {client_width}"
    )


# --- caught email ----------------------------------------------------------------------------


def deliver_outbox(directory: Path) -> list[EmailMessage]:
    """Deliver every due outbox row as .eml files in directory; all caught messages, oldest first.

    Needs an app context (the `db` fixture pushes one).
    """
    from careerlink.extensions import db
    from careerlink.mail.transports import CatcherTransport
    from careerlink.mail.worker import send_due

    # End this thread's transaction so rows the server thread committed are visible.
    db.session.rollback()
    transport = CatcherTransport(Path(directory))
    while send_due(transport=transport).claimed:
        pass
    return read_caught(directory)


def read_caught(directory: Path) -> list[EmailMessage]:
    """Parse every .eml file in directory, in the order the outbox created them."""

    def row_id(path: Path) -> tuple[int, str]:
        tail = path.stem.rsplit("-", 1)[-1]
        return (int(tail) if tail.isdigit() else 0, path.name)

    paths = sorted(Path(directory).glob("*.eml"), key=row_id)
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in paths]


def email_text(message: EmailMessage) -> str:
    """The text/plain part of a message."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, f"no text part in {message['Subject']!r}"
    return part.get_content()


def email_link(message: EmailMessage, marker: str = "http") -> str:
    """The first URL in the text part that contains marker (see `support.outbox.link_from`)."""
    try:
        return link_from(email_text(message), marker)
    except AssertionError as exc:
        raise AssertionError(f"in {message['Subject']!r}: {exc}") from None


def addressed_to(message: EmailMessage, address: str) -> bool:
    """Whether address is among the message's To/Cc recipients (case-insensitive)."""
    wanted = address.strip().lower()
    for header in ("To", "Cc"):
        for addr in message.get_all(header, []) or []:
            for each in getattr(addr, "addresses", ()):
                if each.addr_spec.lower() == wanted:
                    return True
    return False
