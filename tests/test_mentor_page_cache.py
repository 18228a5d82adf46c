"""A mentor's page keeps its body (mentors.profile_page): served again only while nothing it
shows can have changed, and its per-viewer parts (who may see or edit it, the ask buttons)
are always the viewer's own."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from support.auth import unsigned

from careerlink.mentors import profile_page
from careerlink.mentors.facet_cache import facet_cache
from careerlink.mentors.models import Industry, VerificationStatus, today
from careerlink.permissions import Role

FRENCH = {"Accept-Language": "fr"}


@pytest.fixture
def rendered(monkeypatch):
    """The profiles whose body was rendered (not served from the cache)."""
    calls: list[int] = []
    real = profile_page.PageFacts.of

    def spy(profile, on):
        calls.append(profile.id)
        return real(profile, on)

    monkeypatch.setattr(profile_page.PageFacts, "of", staticmethod(spy))
    return calls


def page(client, profile, **kw) -> str:
    response = client.get(f"/mentors/{profile.id}", **kw)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_body_is_rendered_once_and_served_the_same(client, mentor, rendered):
    profile = mentor("Ann Cached", headline="Small-animal vet")
    first = page(client, profile)
    second = page(client, profile)
    assert rendered == [profile.id]
    assert unsigned(second) == unsigned(first)
    assert "<h1>Ann Cached</h1>" in first
    assert '<p class="lead">Small-animal vet</p>' in first


def test_a_profile_change_shows_on_the_next_request(client, db, mentor, rendered):
    profile = mentor("Ann Before", headline="Before")
    assert '<p class="lead">Before</p>' in page(client, profile)
    profile.headline = "After"
    db.session.commit()
    assert '<p class="lead">After</p>' in page(client, profile)
    assert rendered == [profile.id, profile.id]


def test_the_owner_s_new_name_shows_on_the_next_request(client, db, mentor, rendered):
    profile = mentor("Ann Before")
    assert "<h1>Ann Before</h1>" in page(client, profile)
    profile.user.display_name = "Ann After"
    db.session.commit()
    html = page(client, profile)
    assert "<h1>Ann After</h1>" in html
    assert "<title>Ann After · " in html


def test_a_renamed_industry_shows_on_the_next_request(client, db, mentor):
    profile = mentor("Ann Vet", industries=("veterinary",))
    assert "<dd>Veterinary and animal care</dd>" in page(client, profile)
    industry = db.session.scalar(db.select(Industry).where(Industry.slug == "veterinary"))
    industry.name = "Animal health"
    db.session.commit()
    assert "<dd>Animal health</dd>" in page(client, profile)


def test_a_new_request_that_fills_the_month_shows_at_once(client, db, mentor, rendered):
    profile = mentor("Ann Busy", monthly_capacity=1)
    assert '<span class="badge badge-ok">Accepting requests</span>' in page(client, profile)
    profile.record_request()
    db.session.commit()
    html = page(client, profile)
    assert '<span class="badge badge-warn">Full this month</span>' in html
    assert rendered == [profile.id, profile.id]


def test_a_new_day_renders_the_body_again(client, mentor, rendered):
    profile = mentor("Ann Away", away_until=today() + timedelta(days=1))
    assert "Away until" in page(client, profile)
    tomorrow = datetime.combine(today() + timedelta(days=2), datetime.min.time()).replace(hour=12)
    with time_machine.travel(tomorrow, tick=False):
        html = page(client, profile)
    assert "Away until" not in html
    assert '<span class="badge badge-ok">Accepting requests</span>' in html
    assert rendered == [profile.id, profile.id]


def test_each_language_has_its_own_body(client, mentor, rendered):
    profile = mentor("Ann Bilingual")
    assert '<h2 id="about-heading">About</h2>' in page(client, profile)
    french = page(client, profile, headers=FRENCH)
    assert '<h2 id="about-heading">À propos</h2>' in french
    assert rendered == [profile.id, profile.id]


def test_a_body_cached_at_the_root_keeps_the_prefix_it_is_served_under(client, mentor):
    profile = mentor("Ann Prefixed", tags=["horses"])
    page(client, profile)
    html = page(client, profile, base_url="http://localhost/careers")
    assert 'href="/careers/mentors">Back to the directory</a>' in html
    assert 'href="/mentors"' not in html


def test_an_unlisted_profile_stays_hidden_though_its_owner_s_view_is_cached(
    client, db, mentor, make_user, sign_in, rendered
):
    profile = mentor("Ann Hidden")
    profile.verification_status = VerificationStatus.PENDING.value
    db.session.commit()
    owner = profile.user
    sign_in(owner)
    html = page(client, profile)
    assert "verification pending" in html
    sign_in(make_user(Role.STUDENT))
    assert client.get(f"/mentors/{profile.id}").status_code == 404
    sign_in(make_user(Role.STAFF))
    assert "verification pending" in page(client, profile)
    assert rendered == [profile.id]


def test_only_the_owner_and_admins_see_the_edit_link(client, mentor, make_user, sign_in):
    profile = mentor("Ann Editable")
    edit = f'href="/mentors/{profile.id}/edit">Edit this profile</a>'
    sign_in(profile.user)
    assert edit in page(client, profile)
    sign_in(make_user(Role.STUDENT))
    assert edit not in page(client, profile)
    sign_in(make_user(Role.ADMIN))
    assert edit in page(client, profile)


def test_the_ask_part_is_each_viewer_s_own(client, mentor, make_user, sign_in, rendered):
    profile = mentor("Ann Askable")
    anonymous = page(client, profile)
    assert "Sign in as a student to ask for an introduction." in anonymous
    sign_in(make_user(Role.STUDENT))
    student = page(client, profile)
    assert f'href="/mentors/{profile.id}/ask/introduction">Ask for an introduction</a>' in student
    sign_in(profile.user)
    assert "This is your own profile." in page(client, profile)
    assert rendered == [profile.id]


def test_an_unreachable_cache_renders_the_page(client, mentor, caplog, broken_cache):
    profile = mentor("Ann Uncached")
    assert "<h1>Ann Uncached</h1>" in page(client, profile)
    assert "mentor page cache unavailable; rendering the page" in caplog.text


def test_a_damaged_entry_is_rendered_again(app, client, mentor, rendered):
    profile = mentor("Ann Damaged")
    page(client, profile)
    with app.test_request_context(f"/mentors/{profile.id}"):
        key = profile_page.key_for(profile.id, today())
        assert facet_cache().get(key) is not None
        facet_cache().set(key, ("not facts", b"not zlib"))
    assert "<h1>Ann Damaged</h1>" in page(client, profile)
    assert rendered == [profile.id, profile.id]


def test_with_the_cache_off_every_page_is_rendered(client, mentor, rendered, monkeypatch):
    """CAREERLINK_DIRECTORY_CACHE_SIZE=0 (`facet_cache.is_enabled` is then False)."""
    from careerlink.mentors import facet_cache as facet_cache_module

    monkeypatch.setattr(facet_cache_module, "is_enabled", lambda: False)
    profile = mentor("Ann Off")
    assert page(client, profile) == page(client, profile)
    assert rendered == [profile.id, profile.id]


def test_a_missing_profile_is_not_found(client, industries):
    assert client.get("/mentors/999999").status_code == 404
