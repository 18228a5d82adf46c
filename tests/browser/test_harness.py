"""The harness itself: axe-core really runs and reports, the live server serves the app."""

from __future__ import annotations

import urllib.request

import pytest

from browser.browser_helpers import assert_accessible, axe_violations

pytestmark = pytest.mark.browser

BROKEN_PAGE = """<!doctype html><html><head><title>t</title></head><body>
<main><h1>Broken</h1><img src="x.png"><form><input type="text" name="q"></form>
<p style="color:#aaa;background:#fff">faint text</p></main></body></html>"""


def test_assert_accessible_lists_each_violation(page):
    """A page with known problems fails, naming each rule, its impact and the node."""
    page.set_content(BROKEN_PAGE)
    ids = {v["id"] for v in axe_violations(page)}
    assert {"image-alt", "label", "color-contrast"} <= ids
    with pytest.raises(AssertionError) as caught:
        assert_accessible(page, "the broken page")
    report = str(caught.value)
    assert "the broken page" in report
    assert "image-alt (critical)" in report
    assert 'input[name="q"]' in report or "input" in report


def test_live_server_serves_the_app_and_sets_the_base_url(app, live_server):
    """The base URL has no trailing slash and emailed links point at it while it runs."""
    assert live_server.url.startswith("http://127.0.0.1:")
    assert not live_server.url.endswith("/")
    assert app.config["CAREERLINK_BASE_URL"] == live_server.url
    url = live_server.url + "/healthz"  # always http://127.0.0.1:<port>
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
        assert response.status == 200
