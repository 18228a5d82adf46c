"""The directory page's body cache: served again only while nothing it shows can have changed."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import time_machine

from careerlink.extensions import db as _db
from careerlink.mentors import page_cache
from careerlink.mentors.facet_cache import facet_cache
from careerlink.mentors.models import today
from careerlink.permissions import Role


@pytest.fixture
def rendered(monkeypatch):
    """The number of times the body was rendered (not served from the cache)."""
    calls: list[str] = []
    import careerlink.mentors.views as views

    real = views.search_mentors

    def spy(*args, **kw):
        calls.append("search")
        return real(*args, **kw)

    monkeypatch.setattr(views, "search_mentors", spy)
    return calls


def names_on(html: str) -> list[str]:
    return re.findall(r'id="mentor-\d+-name"><a href="[^"]+">([^<]+)</a>', html)


def test_the_same_page_is_rendered_once_while_nothing_changes(client, mentor, rendered):
    mentor("Ann Cached")
    first = client.get("/mentors?per_page=5").get_data(as_text=True)
    second = client.get("/mentors?per_page=5").get_data(as_text=True)
    assert rendered == ["search"]
    assert names_on(second) == names_on(first) == ["Ann Cached"]
    # Another query string is another page.
    client.get("/mentors?per_page=6")
    assert rendered == ["search", "search"]


def test_a_profile_change_shows_on_the_next_request(client, db, mentor, rendered):
    profile = mentor("Ann Before")
    assert names_on(client.get("/mentors").get_data(as_text=True)) == ["Ann Before"]
    profile.user.display_name = "Ann After"
    db.session.commit()
    assert names_on(client.get("/mentors").get_data(as_text=True)) == ["Ann After"]
    assert rendered == ["search", "search"]


def test_a_new_day_renders_the_page_again(client, mentor, rendered):
    mentor("Ann Away", away_until=today() + timedelta(days=1))
    assert "Away until" in client.get("/mentors").get_data(as_text=True)
    tomorrow = datetime.combine(today() + timedelta(days=1), datetime.min.time()).replace(hour=12)
    with time_machine.travel(tomorrow, tick=False):
        html = client.get("/mentors").get_data(as_text=True)
    assert "Away until" not in html
    assert rendered == ["search", "search"]


def test_each_viewer_has_their_own_page(client, db, mentor, make_user, sign_in, rendered):
    """The browse order is shuffled per student and day: no student is served another's page."""
    for n in range(12):
        mentor(f"Alum {n:02d}")
    orders = {}
    for label in ("first", "second"):
        sign_in(make_user(Role.STUDENT))
        orders[label] = names_on(client.get("/mentors?per_page=12").get_data(as_text=True))
        # Each student's page, served again from the cache, is their own.
        assert (
            names_on(client.get("/mentors?per_page=12").get_data(as_text=True)) == (orders[label])
        )
    assert rendered == ["search", "search"]
    assert orders["first"] != orders["second"]


def test_a_page_cached_at_the_root_keeps_the_prefix_it_is_served_under(client, mentor):
    profile = mentor("Ann Prefixed")
    client.get("/mentors")
    html = client.get("/mentors", base_url="http://localhost/careers").get_data(as_text=True)
    assert f'href="/careers/mentors/{profile.id}"' in html
    assert f'href="/mentors/{profile.id}"' not in html


def test_notices_are_kept_with_the_page(client, mentor, rendered):
    mentor("Ann Noticed")
    for _ in range(2):
        html = client.get("/mentors?industry=no-such").get_data(as_text=True)
        assert "There is no industry called “no-such”; it was left out." in html
    assert rendered == ["search"]


def test_an_unreachable_cache_renders_the_page(client, mentor, caplog, broken_cache):
    mentor("Ann Uncached")
    resp = client.get("/mentors")
    assert resp.status_code == 200
    assert names_on(resp.get_data(as_text=True)) == ["Ann Uncached"]
    assert "directory page cache unavailable; rendering the page" in caplog.text


def test_a_damaged_entry_is_rendered_again(app, client, mentor, rendered):
    mentor("Ann Damaged")
    with app.test_request_context("/mentors"):
        key, _state = page_cache.key_for(None, today())
        facet_cache().set(key, b"not zlib")
        _db.session.remove()
    assert names_on(client.get("/mentors").get_data(as_text=True)) == ["Ann Damaged"]
    assert rendered == ["search"]
