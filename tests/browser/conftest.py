"""The browser harness: the app on a loopback port, Playwright driving Debian's Chromium, axe-core.

Fixtures (reuse them for every journey):

- `live_server` -> LiveServer: the session `app` served by werkzeug on 127.0.0.1 (a free port,
  threaded, daemon thread). `.url` is the base URL without a trailing slash. While it runs,
  app.config["CAREERLINK_BASE_URL"] is `.url` (emailed links point at it) and CSRF protection
  is ON, as for a real user; both are restored afterwards. It depends on `db`, so the tables
  are emptied after each test.
- `browser` (session) -> playwright Browser: headless Chromium from $CAREERLINK_CHROMIUM or
  /usr/bin/chromium. Playwright never downloads a browser. When playwright or the executable
  is missing the test is skipped with the reason, unless CAREERLINK_REQUIRE_BROWSER=1 (CI),
  when it fails instead.
- `page` -> playwright Page in a fresh BrowserContext (own cookies), 1280x720; on failure a
  screenshot is saved under the test's tmp_path and its path printed.
- `caught_emails()` -> list[EmailMessage]: delivers the outbox through CatcherTransport into a
  temp dir; every message caught in this test, oldest first.
- `latest_email(to=None, subject=None)` -> EmailMessage: the newest caught message matching.

Plain helpers (not fixtures): `from browser.browser_helpers import assert_accessible,
assert_no_horizontal_scroll, email_link, email_text, expect, sign_in_with_form`.

- `sign_in_with_form(page, base_url, email, password=DEFAULT_PASSWORD)`: the one way a browser
  test signs in: the header's link, then the real form (tests/support/auth.py has the session
  helper that test-client tests use).

- `assert_accessible(page, context="...")`: axe-core (axe-playwright-python) on the page as it
  is now; fails listing each violation (id, impact, help, target nodes). Call it on every page
  a test visits, and again after a state change that alters the page (errors shown).
- `email_link(message, marker)`: the first URL in the text part containing marker.

Mark browser test modules with `pytestmark = pytest.mark.browser` (every test collected under
tests/browser also gets the marker), so `pytest -m "not browser"` leaves them out.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from browser.browser_helpers import (
    DEFAULT_TIMEOUT_MS,
    LiveServer,
    addressed_to,
    browser_problem,
    chromium_path,
    deliver_outbox,
    launch_chromium,
)

HERE = Path(__file__).resolve().parent


def browser_required() -> bool:
    """Whether a missing browser is a failure (CI) rather than a skip."""
    return os.environ.get("CAREERLINK_REQUIRE_BROWSER", "").strip().lower() in (
        "1",
        "true",
        "yes",
    )


def _unavailable(reason: str):
    if browser_required():
        pytest.fail(f"CAREERLINK_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}")


def pytest_collection_modifyitems(config, items):
    """Every test under tests/browser carries the `browser` marker."""
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so `page` can tell that the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def playwright_instance():
    """The Playwright driver (sync API), or a skip/fail when it or Chromium is missing."""
    problem = browser_problem()
    if problem:
        _unavailable(problem)
    from playwright.sync_api import sync_playwright

    manager = sync_playwright().start()
    try:
        yield manager
    finally:
        manager.stop()


@pytest.fixture(scope="session")
def browser(playwright_instance):
    """Headless Chromium from $CAREERLINK_CHROMIUM or /usr/bin/chromium, for the whole run."""
    try:
        instance = launch_chromium(playwright_instance)
    except Exception as exc:
        _unavailable(f"Chromium at {chromium_path()!r} did not start: {exc}")
    try:
        yield instance
    finally:
        instance.close()


@pytest.fixture
def page(browser, request, tmp_path):
    """A page in a fresh browser context (its own cookies); screenshot saved on failure.

    The browser speaks British English, or the locale a test gives through indirect
    parametrisation (`@pytest.mark.parametrize("page", ["fr-FR"], indirect=True)`); the
    context's `careerlink_locale` is that locale and `careerlink_language` its language.
    """
    locale = getattr(request, "param", "en-GB")
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale=locale)
    context.careerlink_language = locale.split("-")[0]
    context.careerlink_locale = locale
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    the_page = context.new_page()
    try:
        yield the_page
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            shot = tmp_path / "failure.png"
            try:
                the_page.screenshot(path=str(shot), full_page=True)
                print(f"\nbrowser screenshot at failure: {shot} (page {the_page.url})")
            except Exception as exc:  # the page may be gone; the test's own error matters
                print(f"\nno failure screenshot: {exc}")
        context.close()


@pytest.fixture
def live_server(app, db):
    """The app served on 127.0.0.1:<free port> in a thread; emailed links point at it."""
    keys = ("CAREERLINK_BASE_URL", "WTF_CSRF_ENABLED")
    old = {key: app.config.get(key) for key in keys}
    server = LiveServer(app)
    app.config["CAREERLINK_BASE_URL"] = server.url
    # A real browser carries the session cookie and the form's token, so CSRF stays on here.
    app.config["WTF_CSRF_ENABLED"] = True
    server.start()
    try:
        yield server
    finally:
        server.stop()
        app.config.update(old)


@pytest.fixture
def caught_emails(db, tmp_path):
    """caught_emails() -> every message delivered from the outbox in this test, oldest first."""
    folder = tmp_path / "caught-mail"

    def deliver():
        return deliver_outbox(folder)

    return deliver


@pytest.fixture
def latest_email(caught_emails):
    """latest_email(to=None, subject=None) -> the newest caught message that matches."""

    def find(to: str | None = None, subject: str | None = None):
        messages = caught_emails()
        matching = [
            m
            for m in messages
            if (to is None or addressed_to(m, to))
            and (subject is None or subject.lower() in str(m["Subject"]).lower())
        ]
        if not matching:
            seen = [(str(m["To"]), str(m["Subject"])) for m in messages]
            raise AssertionError(f"no caught email to={to!r} subject={subject!r}; caught: {seen}")
        return matching[-1]

    return find
