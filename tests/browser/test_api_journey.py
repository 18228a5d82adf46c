"""The API's pages in Chromium: make a token and use it, the cookie with CSRF from page
JavaScript, the calendar address, the documentation page (accessible, under the CSP)."""

from __future__ import annotations

import pytest

from browser.browser_helpers import assert_accessible, expect, sign_in_with_form, translator
from careerlink.extensions import db

pytestmark = pytest.mark.browser
LOCALES = pytest.mark.parametrize("page", ["en-GB", "fr-FR"], indirect=True)


@LOCALES
def test_make_a_token_and_call_the_api_with_it(page, live_server, make_request):
    language = page.context.careerlink_language
    t = translator(language)
    req = make_request()
    student = req.student
    student.locale = language
    db.session.commit()
    sign_in_with_form(page, live_server.url, student.email, t=t)
    page.goto(live_server.url + "/account")
    page.get_by_role("link", name=t("Your API tokens and calendar feed")).click()
    expect(
        page.get_by_role("heading", level=1, name=t("API tokens and calendar feed"))
    ).to_be_visible()
    assert_accessible(page, "token page")
    page.get_by_label(t("Name")).fill("my planner")
    page.get_by_label("requests:read", exact=False).check()
    page.get_by_role("button", name=t("Create token")).click()
    token = page.locator("#shown-once").input_value()
    assert token.startswith("clp_")
    assert_accessible(page, "token shown once")

    status = page.evaluate(
        """async (token) => (await fetch('/api/v1/me/requests',
               {headers: {Authorization: 'Bearer ' + token}})).status""",
        token,
    )
    assert status == 200

    # Same-origin JavaScript with the session cookie: a change needs the CSRF token.
    url = f"/api/v1/requests/{req.id}/withdraw"
    refused = page.evaluate(
        """async (url) => (await fetch(url, {method: 'POST',
               headers: {'Content-Type': 'application/json'}, body: '{}'})).status""",
        url,
    )
    assert refused == 403
    done = page.evaluate(
        """async (url) => {
             const {csrf_token} = await (await fetch('/api/v1/csrf-token')).json();
             const r = await fetch(url, {method: 'POST', body: '{}',
               headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrf_token}});
             return [r.status, (await r.json()).state];
           }""",
        url,
    )
    assert done == [200, "withdrawn"]

    page.goto(live_server.url + "/account/api")
    page.get_by_role("button", name=t("Make my calendar address")).click()
    address = page.locator("#shown-once").input_value()
    assert address.startswith(live_server.url + "/calendar/") and address.endswith(".ics")


@LOCALES
def test_the_documentation_page_is_accessible(page, live_server):
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Refused" in m.text else None)
    page.goto(live_server.url + "/api/v1/docs")
    expect(page.get_by_role("heading", level=1)).to_contain_text("CareerLink API")
    assert_accessible(page, "API documentation")
    assert refused == []  # nothing blocked by the Content-Security-Policy
