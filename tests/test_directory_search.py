"""The directory search: words, filters, facet counts, ordering, odd input, query counts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from careerlink.mentors import facet_cache as counts_cache
from careerlink.mentors.facet_cache import facet_cache
from careerlink.mentors.models import Industry, MentorProfile
from careerlink.mentors.search import SearchCriteria, parse_criteria, search_mentors
from careerlink.models import utcnow
from careerlink.permissions import Role


def names(result) -> list[str]:
    return [p.display_name for p in result.items]


def search(**kw) -> object:
    page = kw.pop("page", 1)
    per_page = kw.pop("per_page", 20)
    viewer = kw.pop("viewer", None)
    return search_mentors(SearchCriteria(**kw), viewer=viewer, page=page, per_page=per_page)


# --- words --------------------------------------------------------------------------------------


def test_words_are_diacritic_insensitive_and_prefix_matched(mentor, db):
    mentor("José Núñez", headline="Équine vet", tags=["horses"])
    mentor("Jose Smith", headline="Software engineer", industries=("software",))
    mentor("Björk Olsen", headline="Publisher", bio="Crème brûlée enthusiast")
    assert sorted(names(search(q="jose"))) == ["Jose Smith", "José Núñez"]
    assert sorted(names(search(q="JOSÉ"))) == ["Jose Smith", "José Núñez"]
    assert names(search(q="nunez")) == ["José Núñez"]
    assert names(search(q="equine")) == ["José Núñez"]
    assert names(search(q="creme brulee")) == ["Björk Olsen"]
    assert names(search(q="bjork")) == ["Björk Olsen"]
    # Prefix on the last word only.
    assert sorted(names(search(q="jos"))) == ["Jose Smith", "José Núñez"]
    assert names(search(q="horse")) == ["José Núñez"]
    assert names(search(q="vet hors")) == ["José Núñez"]
    assert search(q="hors vet").total == 0
    assert search(q="jos smith").total == 0  # only the last word is a prefix


def test_words_search_all_listed_fields(mentor, db):
    mentor("Ann Employer", employer="Faber & Faber")
    mentor("Ben Title", job_title="Commissioning editor")
    mentor("Cat Bio", bio="I spend weekends with my horses.")
    mentor("Dan Tags", tags=["data journalism"])
    assert names(search(q="faber")) == ["Ann Employer"]
    assert names(search(q="commissioning")) == ["Ben Title"]
    assert names(search(q="horses")) == ["Cat Bio"]
    assert names(search(q="journalism")) == ["Dan Tags"]
    assert names(search(q="dan tags")) == ["Dan Tags"]


def test_index_follows_every_change(mentor, db):
    profile = mentor("Eve Change", bio="Old words about sailing.")
    assert search(q="sailing").total == 1
    profile.bio = "New words about gliding."
    db.session.commit()
    assert search(q="sailing").total == 0
    assert search(q="gliding").total == 1
    db.session.delete(profile)
    db.session.commit()
    assert search(q="gliding").total == 0


# (query, how many of the one alumna below it finds): operators and punctuation are plain
# text, words that fold to nothing (or are too long to index) leave the query empty, which
# lists everyone.
ODD_QUERIES = [
    ("c++", 1),
    ('"', 1),
    ('"unbalanced', 0),
    ("AND", 1),  # the word "and" in her bio, not an operator
    ("OR NOT", 0),
    ("NEAR(a b)", 0),
    ("*", 1),
    ("a*b*", 0),
    ("-", 1),
    (")", 1),
    ("(", 1),
    ("^", 1),
    (":", 1),
    ("col:value", 0),
    ("'; DROP TABLE careerlink_users; --", 0),
    ("x" * 5000, 1),
    ("word " * 1000, 0),
    ("😀", 1),
    ("horses 😀🐎", 1),
    ("\x00", 1),
    ("a\x00b", 0),
    ("%", 1),
    ("_", 1),
    ("\\", 1),
    ("&|!<->", 1),
    ("١٢٣", 0),
    ("北京", 0),
    ("\u0301", 1),
    ("ﬁnance", 1),
]


@pytest.mark.parametrize(("q", "expected"), ODD_QUERIES)
def test_odd_queries_never_error(mentor, client, db, q, expected):
    mentor("Fay Horses", tags=["horses", "c"], bio="Finance and C++ programming")
    result = search(q=q)
    assert result.total == expected
    assert names(result) == ["Fay Horses"] * expected
    resp = client.get("/mentors", query_string={"q": q})
    if "\x00" in q:
        # The search itself copes (above); the page refuses a NUL first (test_security.py).
        assert resp.status_code == 400
        return
    assert resp.status_code == 200
    assert ("1 alumnus found" if expected else "No alumni match") in resp.data.decode()


def test_ligature_and_case_fold(mentor, db):
    mentor("Gil Finance", headline="ﬁnance lead")
    assert search(q="finance").total == 1


@pytest.mark.parametrize(
    ("args", "found"),
    [
        ({"page": "-3"}, 1),
        ({"page": "abc"}, 1),
        ({"page": "99999999999999999999"}, 1),
        ({"per_page": "0"}, 1),
        ({"per_page": "100000"}, 1),
        ({"industry": "no-such-thing"}, 1),
        ({"offer": "bribery"}, 1),
        ({"year_from": "-5"}, 1),
        ({"year_from": "abc", "year_to": "1e9"}, 1),
        ({"year_from": "2020", "year_to": "1990"}, 0),  # swapped; Hal gave no year
        ({"country": "Atlantis"}, 0),
        ({"country": "\x01", "city": "\x02\x03"}, 1),  # nothing printable: no filter
        ({"remote": "maybe", "accepting": "☃"}, 1),  # not a yes: no filter
        ({"programme": "x" * 5000}, 0),
    ],
)
def test_odd_filters_never_error(mentor, client, db, args, found):
    mentor("Hal Odd")
    resp = client.get("/mentors", query_string=args)
    assert resp.status_code == 200
    html = resp.data.decode()
    assert ("1 alumnus found" if found else "No alumni match") in html
    assert ("Hal Odd" in html) is bool(found)


def test_bad_filters_are_explained(mentor, client, db):
    mentor("Ida Notice")
    resp = client.get(
        "/mentors", query_string={"industry": "unicorns", "offer": "bribery", "year_from": "-5"}
    )
    html = resp.data.decode()
    assert "no industry called “unicorns”" in html
    assert "“bribery” is not something alumni offer" in html
    assert "Class year from must be between 1900 and 2100" in html
    assert "1 alumnus found" in html
    nothing = client.get("/mentors", query_string={"country": "Atlantis"})
    assert "No alumni match" in nothing.data.decode()


# --- filters and facets -------------------------------------------------------------------------


@pytest.fixture
def campus(mentor):
    """A small directory with known values."""
    mentor(
        "Vet Lyon",
        industries=("veterinary",),
        offers=("introduction", "shadowing"),
        city="Lyon",
        region="Auvergne-Rhône-Alpes",
        country="France",
        class_year=2010,
        programme="Veterinary Medicine",
        open_to_remote=False,
    )
    mentor(
        "Vet Dublin",
        industries=("veterinary", "healthcare"),
        offers=("informational_interview",),
        city="Dublin",
        region="Leinster",
        country="Ireland",
        class_year=2015,
        programme="Veterinary Medicine",
        open_to_remote=True,
    )
    mentor(
        "Doc Dublin",
        industries=("healthcare",),
        offers=("shadowing", "resume_review"),
        city="Dublin",
        region="Leinster",
        country="Ireland",
        class_year=2001,
        programme="Medicine",
        open_to_remote=True,
        accepting_requests=False,
    )
    mentor(
        "Dev Paris",
        industries=("software",),
        offers=("introduction",),
        city="Paris",
        region="Île-de-France",
        country="France",
        class_year=2020,
        programme="Computer Science",
        open_to_remote=True,
    )


def test_filters(campus, db):
    assert sorted(names(search(industries=["veterinary"]))) == ["Vet Dublin", "Vet Lyon"]
    assert sorted(names(search(industries=["veterinary", "software"]))) == [
        "Dev Paris",
        "Vet Dublin",
        "Vet Lyon",
    ]
    from careerlink.mentors.models import Offer

    assert sorted(names(search(offers=[Offer.SHADOWING]))) == ["Doc Dublin", "Vet Lyon"]
    assert sorted(names(search(country="france"))) == ["Dev Paris", "Vet Lyon"]
    assert names(search(city="Lyon")) == ["Vet Lyon"]
    assert sorted(names(search(region="Leinster"))) == ["Doc Dublin", "Vet Dublin"]
    assert sorted(names(search(remote=True, country="France"))) == ["Dev Paris"]
    assert sorted(names(search(class_year_min=2010, class_year_max=2015))) == [
        "Vet Dublin",
        "Vet Lyon",
    ]
    assert names(search(class_year_min=2016)) == ["Dev Paris"]
    assert names(search(programme="medicine")) == ["Doc Dublin"]
    assert "Doc Dublin" not in names(search(accepting_now=True))
    assert search(country="Atlantis").total == 0
    assert search(industries=["veterinary"], q="dublin").total == 1


def test_facet_counts_respect_the_other_filters(campus, db):
    everyone = search()
    assert everyone.total == 4
    assert everyone.facets["industry"] == {"veterinary": 2, "healthcare": 2, "software": 1}
    assert everyone.facets["offer"] == {
        "introduction": 2,
        "shadowing": 2,
        "informational_interview": 1,
        "resume_review": 1,
        "referral": 0,
    }
    assert everyone.facets["country"] == {"France": 2, "Ireland": 2}
    assert everyone.facets["city"] == {"Dublin": 2, "Lyon": 1, "Paris": 1}
    assert everyone.facets["remote"] == {"yes": 3}
    assert everyone.facets["accepting"] == {"yes": 3}

    irish_vets = search(country="Ireland", industries=["veterinary"])
    assert irish_vets.total == 1
    # The industry counts ignore the industry filter but keep the country filter...
    assert irish_vets.facets["industry"] == {"veterinary": 1, "healthcare": 2}
    # ...and the country counts ignore the country filter but keep the industry filter.
    assert irish_vets.facets["country"] == {"France": 1, "Ireland": 1}
    assert irish_vets.facets["offer"]["informational_interview"] == 1
    assert irish_vets.facets["offer"]["shadowing"] == 0

    from careerlink.mentors.models import Offer

    shadowing = search(offers=[Offer.SHADOWING])
    assert shadowing.facets["offer"]["introduction"] == 2  # own group ignored
    assert shadowing.facets["remote"] == {"yes": 1}
    assert shadowing.facets["accepting"] == {"yes": 1}


def test_inactive_industry_hides_from_filters_but_keeps_profiles(campus, client, db):
    software = db.session.scalar(db.select(Industry).where(Industry.slug == "software"))
    software.active = False
    db.session.commit()
    html = client.get("/mentors").data.decode()
    assert 'value="software"' not in html
    assert "Software and IT" in html  # still on Dev Paris's card
    assert search(industries=["software"]).total == 1


def test_an_industry_changed_after_a_search_shows_changed_in_the_next(campus, client, db):
    """The industry list is kept per process until an industry changes, never past it."""
    assert 'for="f-industry-software">Software and IT ' in client.get("/mentors").text
    software = db.session.scalar(db.select(Industry).where(Industry.slug == "software"))
    software.name = "Software engineering"
    db.session.flush()  # not committed: this transaction's own search reads the list afresh
    mine = {i.slug: i.label for i in search_mentors(SearchCriteria()).industries}
    assert mine["software"] == "Software engineering"
    db.session.rollback()
    # Another change commits the structure number that the rolled-back one had taken: what the
    # rolled-back transaction read must not have been kept under it.
    other = db.session.scalar(db.select(Industry).where(Industry.slug != "software").limit(1))
    other.name = f"{other.name} (renamed)"
    db.session.commit()
    assert 'for="f-industry-software">Software and IT ' in client.get("/mentors").text
    software = db.session.scalar(db.select(Industry).where(Industry.slug == "software"))
    software.name = "Software engineering"
    db.session.commit()
    assert 'for="f-industry-software">Software engineering ' in client.get("/mentors").text


def test_directory_page_shows_counts_and_cards(campus, client, db):
    html = client.get("/mentors", query_string={"country": "Ireland"}).data.decode()
    assert "2 alumni found" in html
    assert re.search(r"Veterinary and animal care <span class=\"cl-count\">\(1", html)
    assert "<legend>Industry</legend>" in html and '<label for="f-q">' in html
    assert "Not accepting requests right now" in html  # Doc Dublin's badge
    assert "@" not in html.split("<main", 1)[1]


# --- ordering -----------------------------------------------------------------------------------


def test_least_recently_asked_first_and_unavailable_last(mentor, db):
    now = utcnow()
    today = now.date()
    mentor("Asked Yesterday", last_requested_at=now - timedelta(days=1))
    mentor("Asked Last Year", last_requested_at=now - timedelta(days=365))
    mentor("Never Asked")
    mentor("Away One", away_until=today + timedelta(days=10))
    mentor(
        "Full One",
        monthly_capacity=1,
        month_start=today.replace(day=1),
        month_request_count=1,
        last_requested_at=now - timedelta(days=400),
    )
    mentor("Paused One", accepting_requests=False)
    order = names(search())
    assert order[:3] == ["Never Asked", "Asked Last Year", "Asked Yesterday"]
    assert set(order[3:]) == {"Away One", "Full One", "Paused One"}
    # A text query orders by relevance, still with the unavailable last.
    assert names(search(q="one"))[-1] in {"Away One", "Full One", "Paused One"}


def test_ties_are_shuffled_per_viewer_but_stable_for_the_day(mentor, make_user, db):
    for n in range(12):
        mentor(f"Tied {n:02d}")
    a = make_user(Role.STUDENT)
    b = make_user(Role.STUDENT)
    first = names(search(viewer=a))
    assert names(search(viewer=a)) == first  # stable
    assert names(search(viewer=b)) != first  # spread across students
    tomorrow = utcnow().date() + timedelta(days=1)
    later = search_mentors(SearchCriteria(), viewer=a, on=tomorrow)
    assert names(later) != first


def test_badges_on_cards(mentor, client, db):
    today = utcnow().date()
    mentor("Full Fran", monthly_capacity=1, month_start=today.replace(day=1), month_request_count=1)
    mentor("Away Abe", away_until=today + timedelta(days=3))
    mentor("Quick Quin", median_response_days=1.4)
    html = client.get("/mentors").data.decode()
    assert "Full this month" in html
    assert "Away until" in html
    assert "Usually answers within 2 days" in html


# --- pagination ---------------------------------------------------------------------------------


def test_pagination(mentor, client, db):
    for n in range(7):
        mentor(f"Page Person {n}")
    result = search(per_page=3, page=3)
    assert (result.total, result.pages, result.page, len(result.items)) == (7, 3, 3, 1)
    beyond = search(per_page=3, page=99)
    assert beyond.page == 3 and beyond.items and "only 3 pages" in beyond.notices[0]
    html = client.get("/mentors", query_string={"per_page": 3, "page": 2}).data.decode()
    assert "page 2 of 3" in html and 'rel="next"' in html and 'rel="prev"' in html
    seen = set()
    for page in (1, 2, 3):
        seen |= set(names(search(per_page=3, page=page)))
    assert len(seen) == 7


def test_hidden_profiles_are_never_listed(mentor, make_user, db):
    mentor("Shown Sue")
    mentor("Unlisted Ulf", listed=False)
    mentor("Pending Pat", verification_status="pending")
    mentor("Rejected Rob", verification_status="rejected")
    out = mentor("Opted Out Olga")
    out.opt_out()
    db.session.commit()
    assert names(search()) == ["Shown Sue"]


def test_parse_criteria_from_a_plain_dict():
    criteria, notices = parse_criteria(
        {"q": "  vet  ", "industry": ["a", "a", "b"], "offer": "shadowing", "remote": "1"}
    )
    assert criteria.q == "vet" and criteria.industries == ["a", "b"]
    assert [o.value for o in criteria.offers] == ["shadowing"] and criteria.remote
    assert notices == []
    assert parse_criteria(criteria.to_args())[0] == criteria


# --- query count --------------------------------------------------------------------------------


def count_statements(app, client, url, cold=True) -> int:
    from careerlink.extensions import db

    if cold:  # the counts of an identical earlier search are cached; measure the full work
        with app.app_context():
            facet_cache().clear()
    seen: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        resp = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", before)
    assert resp.status_code == 200
    return len(seen)


BROWSE_STATEMENTS = 4


@pytest.mark.parametrize("signed_in", [False, True])
def test_directory_statement_count_is_fixed(app, client, sign_in, mentor, make_user, signed_in):
    if signed_in:
        sign_in(make_user(Role.STUDENT))
    mentor("First Of Many", industries=("veterinary", "healthcare"))
    mentor("Second Of Many", industries=("software",), tags=["x"])
    mentor("Third Of Many", industries=("law",))
    # The first search after a change to the industries (a new structure) reads them once more;
    # this process then keeps them until the next such change.
    first = count_statements(app, client, "/mentors?per_page=3")
    assert count_statements(app, client, "/mentors?per_page=3") == first - 1
    counts = {}
    for url in ("/mentors?per_page=1", "/mentors?per_page=50", "/mentors?q=many&per_page=2"):
        counts[url] = count_statements(app, client, url)
    for n in range(30):
        mentor(f"More {n}", industries=("veterinary", "law", "software")[: 1 + n % 3])
    for url in ("/mentors?per_page=1", "/mentors?per_page=50"):
        assert count_statements(app, client, url) == counts["/mentors?per_page=1"]
    assert (
        count_statements(app, client, "/mentors?q=many&per_page=50")
        == counts["/mentors?q=many&per_page=2"]
    )
    filtered = "/mentors?industry=veterinary&industry=law&offer=introduction&country=x&per_page=40"
    # Nobody matches: the page has no rows, so nothing is loaded (two statements fewer).
    assert count_statements(app, client, filtered) == counts["/mentors?per_page=1"] - 2
    # The directory state, the snapshot's catching up, the page's rows with their owners and
    # their industries (not the owners' roles, which a card does not show); a signed-in page
    # also reads its session with its user and their roles (one statement).
    assert counts["/mentors?per_page=1"] == BROWSE_STATEMENTS + (1 if signed_in else 0)
    # Word searches also ask for the matches' ids and scores (one statement).
    assert counts["/mentors?q=many&per_page=2"] == counts["/mentors?per_page=1"] + 1
    # Three alumni match "many": its page 2 is its last page, page 1, whose ids are cached.
    for url, next_page in (
        ("/mentors?per_page=7", counts["/mentors?per_page=1"]),
        ("/mentors?q=many&per_page=5", counts["/mentors?per_page=1"] - 1),
    ):
        count_statements(app, client, url)
        # The same page again while nothing changed comes whole from the page cache: the
        # directory state (its key) is its one statement, with the session's when signed in.
        assert count_statements(app, client, url, cold=False) == 1 + (1 if signed_in else 0)
        # Its next page: the counts from the cache save the counting, not a statement (a page
        # not seen before needs the snapshot), and a word search reuses its matches (no
        # statement); a page whose ids are cached needs no snapshot (one statement fewer).
        assert count_statements(app, client, url + "&page=2", cold=False) == next_page


def test_a_page_seen_before_needs_no_snapshot(db, mentor, make_user):
    """Counts and the page's ids both cached: the page's rows are all that is read."""
    for n in range(5):
        mentor(f"Cached Page {n}", industries=("veterinary",))
    viewer = make_user(Role.STUDENT)
    db.session.commit()
    facet_cache().clear()
    for criteria in (SearchCriteria(), SearchCriteria(q="cached")):
        first = search_mentors(criteria, viewer=viewer, page=2, per_page=2)
        db.session.remove()
        seen: list[str] = []

        def before(conn, cursor, statement, parameters, context, executemany, seen=seen):
            seen.append(statement)

        same_viewer = db.session.get(type(viewer), viewer.id)
        event.listen(db.engine, "before_cursor_execute", before)
        try:
            again = search_mentors(criteria, viewer=same_viewer, page=2, per_page=2)
        finally:
            event.remove(db.engine, "before_cursor_execute", before)
        assert [p.id for p in again.items] == [p.id for p in first.items]
        assert (again.total, again.facets, again.page) == (first.total, first.facets, 2)
        # The directory state, the page's rows with their owners, and their industries: no
        # industry list (kept per process), no catching up, no word matches.
        assert len(seen) == 3
        assert not any("directory_version >" in sql for sql in seen)


# --- cached counts and the denormalised directory columns ---------------------------------------


def test_cached_counts_follow_every_change(mentor, make_user, db, monkeypatch):
    from careerlink.mentors.models import Industry

    facet_cache().clear()
    stored: list[int] = []
    put = counts_cache.put_counts

    def spy(key, total, facets):
        stored.append(total)
        put(key, total, facets)

    monkeypatch.setattr(counts_cache, "put_counts", spy)
    ann = mentor("Ann Cached", industries=("veterinary",), country="Ireland")
    mentor("Bob Cached", industries=("law",), country="France")
    first = search()
    assert first.total == 2 and first.facets["industry"] == {"veterinary": 1, "law": 1}
    assert stored == [2]
    assert search().facets == first.facets
    assert stored == [2]  # served from the cache, not counted again

    ann.accepting_requests = False
    db.session.commit()
    assert search(accepting_now=True).total == 1
    assert search().facets["accepting"] == {"yes": 1}

    ann.industries = [db.session.scalar(select(Industry).where(Industry.slug == "software"))]
    db.session.commit()
    assert search().facets["industry"] == {"software": 1, "law": 1}
    assert search(industries=["software"]).total == 1

    # A deactivated account leaves the directory at once; reactivated, it is back.
    ann.user.active = False
    db.session.commit()
    assert names(search()) == ["Bob Cached"]
    assert search().facets["country"] == {"France": 1}
    ann.user.active = True
    db.session.commit()
    assert search().total == 2

    ann.opt_out()
    db.session.commit()
    assert search().total == 1
    assert names(search()) == ["Bob Cached"]  # the page's cached ids follow the change too


def test_availability_follows_the_calendar(mentor, db):
    facet_cache().clear()
    today = utcnow().date()
    first = today.replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    mentor("Full Fay", monthly_capacity=1, month_start=first, month_request_count=1)
    mentor("Away Al", away_until=today + timedelta(days=3))
    mentor("Paused Pam", accepting_requests=False)
    mentor("Free Fred")
    assert search(accepting_now=True).total == 1
    back = today + timedelta(days=3)
    later = search_mentors(SearchCriteria(accepting_now=True), on=back)
    # Al is back (the same criteria, another day: not the cached count); Fay too in a new month.
    assert later.total == (3 if back >= next_month else 2)
    after = search_mentors(SearchCriteria(accepting_now=True), on=next_month + timedelta(days=3))
    assert sorted(names(after)) == ["Away Al", "Free Fred", "Full Fay"]
    assert after.facets["accepting"] == {"yes": 3}


def test_directory_columns_are_kept_in_sync(mentor, db):
    from careerlink.mentors.models import UNAVAILABLE_FOREVER

    profile = mentor("Sync Sam", industries=("veterinary", "law"))
    db.session.refresh(profile)
    ids = sorted(i.id for i in profile.industries)
    assert profile.industry_key == f"|{ids[0]}|{ids[1]}|"
    assert profile.directory_listed and profile.unavailable_until is None
    profile.accepting_requests = False
    db.session.commit()
    assert profile.unavailable_until == UNAVAILABLE_FOREVER
    profile.industries = []
    profile.listed = False
    db.session.commit()
    db.session.refresh(profile)
    assert profile.industry_key == "" and not profile.directory_listed


def test_a_one_letter_last_word_matches_only_whole_words(mentor, db):
    mentor("Cee Tag", tags=["c"], bio="Systems programming")
    mentor("Cat Lover", bio="cats and cattle")
    assert names(search(q="c")) == ["Cee Tag"]  # not every word starting with c
    assert names(search(q="cat")) == ["Cat Lover"]
    assert names(search(q="systems c")) == ["Cee Tag"]
    assert names(search(q="c++")) == ["Cee Tag"]


def test_profile_model_contract(mentor, db):
    profile = mentor("Contract Carl")
    assert isinstance(profile, MentorProfile)
    assert profile.user.mentor_profile is profile
    for name in (
        "response_rate",
        "median_response_days",
        "answered_count",
        "asked_count",
        "month_start",
        "month_request_count",
        "last_requested_at",
        "shadowing_max_students",
    ):
        assert hasattr(profile, name)
