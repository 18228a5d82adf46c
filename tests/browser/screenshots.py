"""Write the README screenshots (home, sign-up, directory, staff, openings...) to docs/screenshots/.

Run from the repository root:  .venv/bin/python tests/browser/screenshots.py [--out DIR]

It builds the app on a throw-away SQLite database with the demo accounts, serves it on a
loopback port and drives Debian's Chromium ($CAREERLINK_CHROMIUM or /usr/bin/chromium) through
Playwright, which never downloads a browser. It is a script, not a test.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(HERE.parent)]  # the careerlink package, then tests/

from browser.browser_helpers import (  # noqa: E402
    LiveServer,
    assert_accessible,
    browser_problem,
    launch_chromium,
    sign_in_with_form,
)

DEMO_PASSWORD = "demo password 2024"
STAFF_EMAIL = "staff@demo.careerlink.test"
STUDENT_EMAIL = "student@demo.careerlink.test"
VIEWPORT = {"width": 1200, "height": 640}  # full_page grows it for longer pages


def build_app(workdir: Path):
    """The app on a fresh SQLite file in workdir, with the demo accounts."""
    from careerlink import create_app
    from careerlink.cli import load_demo
    from careerlink.extensions import db

    app = create_app(
        {
            "SECRET_KEY": "screenshots-only-key",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'careerlink.sqlite3'}",
            "CAREERLINK_MAIL_TRANSPORT": "catcher",
            "CAREERLINK_MAIL_DIR": str(workdir / "mail"),
            "RATELIMIT_ENABLED": False,
            "PASSWORD_HASH_FAST": True,
        }
    )
    with app.app_context():
        db.create_all()
        load_demo(DEMO_PASSWORD)
    return app


def take(page, url: str, path: Path, context: str, full_page: bool = True) -> None:
    """Open url, check it with axe-core and save a screenshot (of the whole page by default)."""
    page.goto(url)
    assert_accessible(page, context)
    page.screenshot(path=str(path), full_page=full_page)
    print(f"wrote {path}")


def main(argv: list[str] | None = None) -> int:
    """Write the screenshots; a non-zero exit when the browser is missing."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)

    problem = browser_problem()
    if problem:
        print(f"cannot take screenshots: {problem}", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no request log on the console
    with tempfile.TemporaryDirectory(prefix="careerlink-shots-") as tmp:
        app = build_app(Path(tmp))
        with LiveServer(app) as server, sync_playwright() as pw:
            app.config["CAREERLINK_BASE_URL"] = server.url
            browser = launch_chromium(pw)
            try:
                context = browser.new_context(viewport=VIEWPORT, locale="en-GB")
                page = context.new_page()
                take(page, server.url + "/", args.out / "home.png", "home page")
                take(page, server.url + "/signup", args.out / "signup.png", "sign-up page")
                take(page, server.url + "/mentors", args.out / "directory.png", "directory")
                mentor = page.locator(".cl-mentor-card h3 a").first.get_attribute("href")
                take(page, server.url + mentor, args.out / "mentor.png", "mentor page")
                sign_in_with_form(page, server.url, STAFF_EMAIL, DEMO_PASSWORD)
                page.get_by_role("heading", level=1, name="Career office").wait_for()
                take(page, page.url, args.out / "staff-home.png", "staff home")
                take(
                    page,
                    server.url + "/staff/requests",
                    args.out / "staff-queue.png",
                    "staff request queue",
                )
                take(page, server.url + "/openings", args.out / "openings.png", "openings")
                take(
                    page,
                    server.url + "/staff/reports/funnel",
                    args.out / "reports.png",
                    "the funnel report",
                )
                context.close()
                # The new kinds, as a student sees them: the interview form with its times.
                context = browser.new_context(viewport=VIEWPORT, locale="en-GB")
                page = context.new_page()
                sign_in_with_form(page, server.url, STUDENT_EMAIL, DEMO_PASSWORD)
                page.goto(server.url + "/mentors?offer=informational_interview")
                mentor = page.locator(".cl-mentor-card h3 a").first.get_attribute("href")
                take(
                    page,
                    server.url + mentor + "/ask/informational_interview",
                    args.out / "ask-interview.png",
                    "the informational interview form",
                )
                context.close()
                # The directory for a visitor whose browser asks for French.
                context = browser.new_context(viewport=VIEWPORT, locale="fr-FR")
                page = context.new_page()
                take(
                    page,
                    server.url + "/mentors",
                    args.out / "directory-fr.png",
                    "the directory in French",
                    full_page=False,
                )
                context.close()
            finally:
                browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
