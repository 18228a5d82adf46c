"""Write docs/screenshots/embedded.png: the directory inside a sample campus portal page.

Run from the repository root:  .venv/bin/python tests/browser/embed_screenshot.py [--out DIR]

The app (demo data, throw-away SQLite) is served on 127.0.0.1 and the portal page on
localhost, another site; the portal pastes the README's snippet with a preset industry and its
own colours. Debian's Chromium through Playwright, as in tests/browser/screenshots.py.
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

from werkzeug.wrappers import Request, Response  # noqa: E402

from browser.browser_helpers import LiveServer, browser_problem, launch_chromium  # noqa: E402
from browser.screenshots import build_app  # noqa: E402

PORTAL_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>MyCampus · Careers</title>
<style>
  body {{ margin: 0; font-family: Georgia, serif; background: #f3efe8; color: #2b2b2b; }}
  header {{ background: #6b1d3a; color: #fff; padding: 14px 28px; font-size: 22px; }}
  header small {{ font-size: 14px; opacity: .8; margin-left: 12px; }}
  .layout {{ display: flex; gap: 24px; padding: 24px 28px; }}
  nav {{ width: 180px; flex: none; }}
  nav a {{ display: block; color: #6b1d3a; padding: 6px 0; }}
  main {{ flex: 1; background: #fff; padding: 8px 20px 20px; border-radius: 6px; }}
</style></head>
<body><header>MyCampus <small>Student portal</small></header>
<div class="layout"><nav><a href="#">Home</a><a href="#">Courses</a><a href="#">Careers</a>
<a href="#">Library</a></nav>
<main><h1>Talk to an alumnus in veterinary medicine</h1>
<script src="{careers}/embed.js" data-careerlink="directory" data-industry="veterinary"
  data-theme-primary="6b1d3a" data-theme-primary-hover="4f1029" data-theme-background="ffffff">
</script>
</main></div></body></html>"""


def main(argv: list[str] | None = None) -> int:
    """Write the screenshot; a non-zero exit when the browser is missing."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    problem = browser_problem()
    if problem:
        print(f"cannot take the screenshot: {problem}", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    from careerlink.paths import load_config_module

    args.out.mkdir(parents=True, exist_ok=True)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="careerlink-embed-shot-") as tmp:
        app = build_app(Path(tmp))
        with LiveServer(app) as server:
            careers = server.url

            @Request.application
            def portal(request):
                return Response(PORTAL_PAGE.format(careers=careers), mimetype="text/html")

            with LiveServer(portal, host="localhost") as portal_server, sync_playwright() as pw:
                env = {"CAREERLINK_EMBED_ORIGINS": portal_server.url}
                app.config.update(load_config_module().embed_settings(env, careers, False, False))
                app.config["CAREERLINK_BASE_URL"] = careers
                browser = launch_chromium(pw)
                try:
                    page = browser.new_page(viewport={"width": 1200, "height": 900})
                    page.goto(portal_server.url + "/")
                    frame = page.frame_locator("iframe")
                    frame.get_by_role("heading", level=1, name="Find a mentor").wait_for()
                    page.wait_for_timeout(500)  # the frame's height message
                    path = args.out / "embedded.png"
                    page.screenshot(path=str(path))  # the portal page as a person first sees it
                    print(f"wrote {path}")
                finally:
                    browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
