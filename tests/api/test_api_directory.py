"""The directory through the API: the same criteria, order and facet counts as /mentors."""

from __future__ import annotations

import re

import pytest
from werkzeug.datastructures import MultiDict

from careerlink.mentors.search import parse_criteria, search_mentors


@pytest.fixture
def mentors(make_mentor):
    """Five mentors in two industries, places and offers; one not listed."""
    return [
        make_mentor(industry="veterinary", city="Lyon", country="France", tags=["horses"]),
        make_mentor(industry="veterinary", city="Paris", country="France", offers=("shadowing",)),
        make_mentor(industry="software", city="Berlin", country="Germany", open_to_remote=True),
        make_mentor(industry=["software", "veterinary"], city="Lyon", country="France"),
        make_mentor(industry="software", listed=False),
    ]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "industry=veterinary",
        "industry=veterinary&industry=software&country=France",
        "offer=shadowing",
        "remote=1",
        "q=horses",
        "city=Lyon&per_page=1&page=2",
        "industry=no-such&accepting=1",
    ],
)
def test_search_gives_what_the_page_gives(app, api, mentors, query):
    resp = api().get(f"/api/v1/mentors?{query}")
    assert resp.status_code == 200
    args = MultiDict([tuple(p.split("=")) for p in query.split("&") if p])
    criteria, notices = parse_criteria(args)
    expected = search_mentors(
        criteria, page=args.get("page", 1), per_page=args.get("per_page", 20, type=int)
    )
    body = resp.json
    assert [m["id"] for m in body["items"]] == [p.id for p in expected.items]
    assert body["total"] == expected.total and body["facets"] == expected.facets
    assert body["notices"] == notices + expected.notices
    # The page lists the same mentors, in the same order.
    page = api().client.get(f"/mentors?{query}").get_data(as_text=True)
    shown = [int(i) for i in re.findall(r'href="/mentors/(\d+)"', page)]
    assert list(dict.fromkeys(shown)) == [p.id for p in expected.items]


def test_pages_link_to_each_other(api, mentors):
    body = api().get("/api/v1/mentors?per_page=2&country=France").json
    assert (body["total"], body["pages"], body["page"]) == (3, 2, 1)
    assert body["links"]["next"] == "/api/v1/mentors?per_page=2&country=France&page=2"
    assert body["links"]["prev"] is None
    second = api().get(body["links"]["next"]).json
    assert len(second["items"]) == 1 and second["links"]["next"] is None


def test_a_mentor_and_what_the_caller_may_ask(api, make_token, student, mentors):
    listed, unlisted = mentors[0], mentors[4]
    resp = api().get(f"/api/v1/mentors/{listed.id}")
    body = resp.json
    assert body["display_name"] == listed.display_name and body["tags"] == ["horses"]
    assert listed.user.email not in resp.get_data(as_text=True)  # never an address
    assert body["ask"]["can_ask"] is False and "Sign in" in body["ask"]["reason"]
    as_student = api(make_token(student)).get(f"/api/v1/mentors/{listed.id}").json
    assert as_student["ask"] == {
        "can_ask": True,
        "reason": None,
        "kinds": ["introduction", "shadowing"],
    }
    assert api().get(f"/api/v1/mentors/{unlisted.id}").status_code == 404
    owner = api(make_token(unlisted.user)).get(f"/api/v1/mentors/{unlisted.id}")
    assert owner.status_code == 200 and owner.json["listed_in_directory"] is False


def test_industries(api, mentors):
    slugs = [i["slug"] for i in api().get("/api/v1/industries").json["items"]]
    assert slugs == ["software", "veterinary"]


def test_unknown_offers_are_refused_with_the_field(api, mentors):
    resp = api().get("/api/v1/mentors?offer=babysitting")
    assert resp.status_code == 422 and resp.json["errors"][0]["field"].startswith("offer")
