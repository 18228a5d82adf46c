"""Open openings through the API: the same filters and order as the /openings page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from careerlink.database import transaction
from careerlink.mentors.models import today
from careerlink.openings import services
from careerlink.permissions import Role


@pytest.fixture
def openings(make_mentor, staff):
    """Two open openings (one remote, in healthcare) and one waiting for staff."""
    poster = make_mentor(industry=["veterinary", "healthcare"]).user
    made = []
    for title, industry, remote in (
        ("Veterinary nurse", "veterinary", False),
        ("Data analyst", "healthcare", True),
        ("Pending", "veterinary", False),
    ):
        values = {
            "title": title,
            "organisation": "Riverside Clinic",
            "url": "https://jobs.example.org/1",
            "location": "Riverside",
            "remote": remote,
            "industry": industry,
            "closes_on": today() + timedelta(days=30),
        }
        with transaction():
            opening = services.post_opening(poster, values)
            if title != "Pending":
                services.approve_opening(staff, opening)
        made.append(opening)
    return made


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("", ["Data analyst", "Veterinary nurse"]),
        ("?industry=healthcare", ["Data analyst"]),
        ("?remote=true", ["Data analyst"]),
        ("?q=nurse", ["Veterinary nurse"]),
        ("?location=river&per_page=1&page=2", ["Veterinary nurse"]),
    ],
)
def test_the_api_lists_what_the_page_lists(api, make_token, student, openings, query, titles):
    resp = api(make_token(student)).get("/api/v1/openings" + query)
    assert resp.status_code == 200
    assert [o["title"] for o in resp.json["items"]] == titles


def test_an_opening_as_the_api_shows_it(api, make_token, student, openings):
    body = api(make_token(student)).get("/api/v1/openings?q=nurse").json
    [item] = body["items"]
    poster = openings[0].posted_by
    assert item == {
        "id": openings[0].id,
        "title": "Veterinary nurse",
        "organisation": "Riverside Clinic",
        "url": "https://jobs.example.org/1",
        "location": "Riverside",
        "remote": False,
        "industry": {"slug": "veterinary", "name": "Veterinary and animal care"},
        "description": "",
        "closes_on": (today() + timedelta(days=30)).isoformat(),
        "posted_by": poster.display_name,
        "mentor_id": poster.mentor_profile.id,
    }


def test_unknown_industry_is_404_and_a_long_query_422(api, make_token, student, openings):
    client = api(make_token(student))
    assert client.get("/api/v1/openings?industry=no-such").status_code == 404
    assert client.get("/api/v1/openings?q=" + "x" * 201).status_code == 422


def test_openings_need_a_signed_in_caller(api, make_user):
    assert api().get("/api/v1/openings").status_code == 401


def test_openings_are_in_the_openapi_document(api):
    spec = api().get("/api/v1/openapi.json").json
    assert "get" in spec["paths"]["/api/v1/openings"]


def test_an_alumnus_token_reads_openings_too(api, make_token, make_user, openings):
    alumnus = make_user(Role.ALUMNUS)
    assert api(make_token(alumnus)).get("/api/v1/openings").status_code == 200
