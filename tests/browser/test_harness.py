"""The harness itself: axe-core really runs and reports, the live server serves the app."""

from __future__ import annotations

import urllib.request

import pytest

from browser.browser_helpers import assert_accessible, axe_violations, translator

pytestmark = pytest.mark.browser

BROKEN_PAGE = """<!doctype html><html lang="en"><head><title>t</title></head><body>
<main><h1>Broken</h1><img src="x.png"><form><input type="text" name="q"></form>
<p style="color:#aaa;background:#fff">faint text</p></main></body></html>"""


def test_assert_accessible_lists_each_violation(page):
    """A page with known problems fails, naming each rule, its impact and the node."""
    page.set_content(BROKEN_PAGE)
    ids = sorted(v["id"] for v in axe_violations(page))
    assert ids == ["color-contrast", "image-alt", "label"]
    with pytest.raises(AssertionError) as caught:
        assert_accessible(page, "the broken page")
    lines = str(caught.value).splitlines()
    assert lines[0] == (
        "axe-core found 3 accessibility violation(s) on the broken page (about:blank):"
    )
    headings = [line for line in lines if line.startswith("- ")]
    assert headings == [
        "- color-contrast (serious): Elements must meet minimum color contrast ratio thresholds",
        "- image-alt (critical): Images must have alternative text",
        "- label (critical): Form elements must have labels",
    ]
    # Each violation names the offending node by axe's selector and its HTML.
    nodes = [line.strip() for line in lines if line.strip().startswith("at ")]
    assert nodes == [
        'at p: <p style="color:#aaa;background:#fff">faint text</p>',
        'at img: <img src="x.png">',
        'at input: <input type="text" name="q">',
    ]


def test_live_server_serves_the_app_and_sets_the_base_url(app, live_server):
    """The base URL has no trailing slash and emailed links point at it while it runs."""
    assert live_server.url == f"http://127.0.0.1:{live_server.port}"
    assert app.config["CAREERLINK_BASE_URL"] == live_server.url
    url = live_server.url + "/healthz"  # always http://127.0.0.1:<port>
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
        assert response.status == 200


def test_the_translator_fails_on_a_text_the_catalogue_lacks():
    """The French journeys' labels come from the catalogue; a missing one fails at once, so an
    untranslated label cannot pass unnoticed. English is the text itself."""
    t = translator("fr")
    assert t("Sign in") == "Se connecter"
    assert t("Your request to %(name)s", name="Alma") == "Votre demande à Alma"
    assert t.plural("%(num)s alumnus found", "%(num)s alumni found", 2, num=2) == (
        "2 diplômés trouvés"
    )
    with pytest.raises(AssertionError, match="no fr translation of 'Not in the catalogue'"):
        t("Not in the catalogue")
    with pytest.raises(AssertionError, match="no fr plural translation"):
        t.plural("%(num)s unknown", "%(num)s unknowns", 2, num=2)
    english = translator("en")
    assert english("Your request to %(name)s", name="Alma") == "Your request to Alma"
    assert english.plural("%(num)s alumnus found", "%(num)s alumni found", 1, num=1) == (
        "1 alumnus found"
    )
