"""The token page, the calendar feed, the admin's service tokens, and the documentation."""

from __future__ import annotations

import re

import pytest
from icalendar import Calendar
from sqlalchemy import select

from careerlink.api.models import ApiToken, CalendarFeed
from careerlink.connections import ics
from careerlink.permissions import Role


def shown_once(page: str) -> str:
    """The secret a page shows once."""
    return re.search(r'id="shown-once" type="text" readonly value="([^"]+)"', page).group(1)


def test_the_account_page_links_to_the_token_page(client, sign_in, student):
    sign_in(student)
    page = client.get("/account").get_data(as_text=True)
    assert 'href="/account/api"' in page


def test_a_token_is_shown_once_stored_hashed_and_revocable(client, sign_in, student, db, api):
    sign_in(student)
    resp = client.post(
        "/account/api/tokens",
        data={"name": "planner", "scopes": ["directory:read", "requests:read"], "days": "30"},
    )
    assert resp.status_code == 200
    raw = shown_once(resp.get_data(as_text=True))
    token = db.session.scalar(select(ApiToken))
    assert raw.startswith("clp_") and token.prefix == raw[:10] and raw not in token.token_hash
    assert token.scopes == ["directory:read", "requests:read"]
    listing = client.get("/account/api").get_data(as_text=True)
    assert raw not in listing and token.prefix in listing and "planner" in listing
    assert api(raw).get("/api/v1/me/requests").status_code == 200
    assert client.post(f"/account/api/tokens/{token.id}/revoke").status_code == 302
    assert api(raw).get("/api/v1/me/requests").status_code == 401
    assert "revoked" in client.get("/account/api").get_data(as_text=True)


def test_a_token_form_needs_a_scope_and_a_name(client, sign_in, student):
    sign_in(student)
    resp = client.post("/account/api/tokens", data={"name": "x", "days": "30"})
    assert resp.status_code == 422 and "Choose at least one scope" in resp.get_data(as_text=True)
    resp = client.post("/account/api/tokens", data={"name": "x", "scopes": ["staff"], "days": "7"})
    assert resp.status_code == 422 and "staff" in resp.get_data(as_text=True)


def test_nobody_revokes_another_persons_token(client, sign_in, student, make_user, make_token, db):
    make_token(student)
    token = db.session.scalar(select(ApiToken))
    sign_in(make_user())
    assert client.post(f"/account/api/tokens/{token.id}/revoke").status_code == 404
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None


def test_service_tokens_are_made_by_admins(client, sign_in, staff, make_user, db):
    sign_in(staff)
    assert (
        client.post("/staff/api/tokens", data={"name": "p", "scopes": ["act-as"]}).status_code
        == 403
    )
    admin = make_user(Role.ADMIN)
    sign_in(admin)
    resp = client.post(
        "/staff/api/tokens", data={"name": "portal", "scopes": ["directory:read", "act-as"]}
    )
    raw = shown_once(resp.get_data(as_text=True))
    token = db.session.scalar(select(ApiToken))
    assert raw.startswith("cls_") and token.kind == "service" and token.expires_at is None
    page = client.get(f"/staff/api/tokens/{token.id}").get_data(as_text=True)
    assert "portal" in page and raw not in page


# --- the calendar feed ------------------------------------------------------------------------


@pytest.fixture
def scheduled(make_request):
    """A scheduled shadowing day."""
    return make_request(kind="shadowing", state="scheduled")


def make_feed(client, sign_in, user) -> str:
    sign_in(user)
    resp = client.post("/account/api/calendar")
    assert resp.status_code == 200
    url = shown_once(resp.get_data(as_text=True))
    assert url.startswith("http://careerlink.test/calendar/") and url.endswith(".ics")
    return url.removeprefix("http://careerlink.test")


def test_the_feed_has_the_accepted_days_with_the_invitations_uids(
    app, client, sign_in, scheduled, outbox, make_request
):
    make_request(student=scheduled.student, state="submitted", kind="shadowing")  # not accepted
    path = make_feed(client, sign_in, scheduled.student)
    resp = app.test_client().get(path)  # a calendar app: no cookie, the address is the key
    assert resp.status_code == 200 and resp.mimetype == "text/calendar"
    calendar = Calendar.from_ical(resp.data)
    assert calendar.get("method") is None  # a subscription, not an invitation
    [event] = calendar.walk("VEVENT")
    [invitation] = outbox("shadowing_scheduled")
    emailed = Calendar.from_ical(invitation.attachments[0].data)
    [emailed_event] = emailed.walk("VEVENT")
    assert str(event["uid"]) == str(emailed_event["uid"]) == ics.event_uid(scheduled.id)
    assert event["sequence"] == emailed_event["sequence"]
    assert event.decoded("dtstart") == scheduled.scheduled_date
    assert str(event["status"]) == "CONFIRMED"
    # The alumnus's own feed has the same day, named for the student.
    alumnus_path = make_feed(client, sign_in, scheduled.alumnus)
    [alumnus_event] = Calendar.from_ical(client.get(alumnus_path).data).walk("VEVENT")
    assert str(alumnus_event["uid"]) == str(event["uid"])
    assert scheduled.student.display_name in str(alumnus_event["summary"])


def test_a_cancelled_day_stays_marked_cancelled(client, sign_in, scheduled, db):
    from careerlink.connections import services
    from careerlink.database import transaction

    path = make_feed(client, sign_in, scheduled.student)
    with transaction():
        services.cancel_request(scheduled, scheduled.student, reason="I am ill.")
    [event] = Calendar.from_ical(client.get(path).data).walk("VEVENT")
    assert str(event["status"]) == "CANCELLED" and event["sequence"] == 1


def test_a_new_address_ends_the_old_and_revoking_ends_both(client, sign_in, scheduled, db):
    first = make_feed(client, sign_in, scheduled.student)
    second = make_feed(client, sign_in, scheduled.student)
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    assert db.session.scalar(select(CalendarFeed)).key_hash not in second
    client.post("/account/api/calendar/revoke")
    assert client.get(second).status_code == 404
    assert client.get("/calendar/nonsense.ics").status_code == 404


# --- the documentation ------------------------------------------------------------------------


def test_the_openapi_document_is_3_1_and_lists_every_operation(client):
    from careerlink.api.spec import OPERATIONS

    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"] == "3.1.0"
    ids = {op["operationId"] for path in doc["paths"].values() for op in path.values()}
    assert ids == set(OPERATIONS)
    assert doc["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"
    search = doc["paths"]["/api/v1/mentors"]["get"]
    assert {} in search["security"]  # public
    assert "application/problem+json" in search["responses"]["422"]["content"]


def test_the_docs_page_is_served_by_the_app_without_script(client):
    resp = client.get("/api/v1/docs")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
    assert "<script" not in page and "style=" not in page
    assert "http://" not in page.replace("http://careerlink.test", "")
    assert "POST /api/v1/mentors/{profile_id}/requests" in page
    assert 'id="schema-AskBody"' in page


def test_the_french_docs_page_marks_the_english_contract_as_english(client):
    """The reference stays the OpenAPI document's English; on a French page each part of it
    says lang="en" (WCAG 3.1.2), while the page around it is French."""
    page = client.get("/api/v1/docs", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="fr"' in page
    assert "<caption>Paramètres</caption>" in page
    assert '<h1><span lang="en">CareerLink API</span>' in page
    assert '<strong lang="en">Search the mentor directory.</strong>' in page
