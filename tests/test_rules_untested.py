"""Rules no other test reached (found with branch coverage): profile input, search links,
who sees a request, statistics and pausing without a profile, SQLite's lower(), tsquery text."""

from __future__ import annotations

from datetime import date

import pytest

from careerlink.accounts.services import create_user
from careerlink.connections import services
from careerlink.connections.services.clock import maybe_pause
from careerlink.database import transaction, unicode_lower
from careerlink.errors import DomainError, InvalidToken, InvalidTransition, NotAllowed
from careerlink.mentors import availability
from careerlink.mentors import services as mentors
from careerlink.mentors.links import CONFIRM
from careerlink.mentors.models import MAX_TAGS, TAG_MAX, MentorProfile
from careerlink.mentors.search import Offer, SearchCriteria, parse_criteria
from careerlink.mentors.text import tsquery
from careerlink.permissions import Role
from careerlink.tokens import make_token

GOOD_PROFILE = {
    "headline": "Veterinary surgeon",
    "industries": ["veterinary"],
    "offers": ["introduction"],
    "monthly_capacity": 3,
}


# --- the profile form's rules ------------------------------------------------------------------


def test_a_profile_needs_a_headline_a_capacity_and_shadowing_details(db, make_mentor):
    profile = make_mentor()
    owner = profile.user
    refusals = [
        ({"headline": "  "}, "Write a one-line headline.", "headline"),
        ({"monthly_capacity": ""}, "Say how many requests a month you can take.", None),
        (
            {"offers": ["shadowing"], "shadowing_location": ""},
            "Say where a shadowing day takes place.",
            "shadowing_location",
        ),
        (
            {"offers": ["shadowing"], "shadowing_location": "Lyon", "shadowing_description": ""},
            "Describe what a shadowing day looks like.",
            "shadowing_description",
        ),
        ({"away_until": "next spring"}, "Enter the date you are back", "away_until"),
        ({"bio": "x" * 2001}, "Your bio is 2001 characters long; keep it under 2000.", "bio"),
        ({"tags": "ok, " + "t" * (TAG_MAX + 1)}, f"Keep each tag under {TAG_MAX}", "tags"),
        (
            {"tags": ", ".join(f"tag{i}" for i in range(MAX_TAGS + 1))},
            f"Choose at most {MAX_TAGS} tags.",
            "tags",
        ),
    ]
    for change, message, field in refusals:
        with pytest.raises(DomainError, match=message) as refused:
            mentors.save_profile(owner, profile, {**GOOD_PROFILE, **change})
        if field:
            assert refused.value.field == field
        db.session.rollback()


def test_tags_are_trimmed_deduplicated_and_blank_ones_dropped():
    assert mentors.clean_tags(" Horses ,, horses,  data   journalism , ") == [
        "Horses",
        "data journalism",
    ]
    assert mentors.clean_tags(None) == []
    assert mentors.clean_tags(["a", " ", "A"]) == ["a"]


def test_only_alumni_join_and_only_the_owner_writes_a_student_profile(db, make_user):
    student, other = make_user(Role.STUDENT), make_user(Role.STUDENT)
    with pytest.raises(NotAllowed, match="Only alumni accounts can join"):
        mentors.opt_in(student, agreed=True)
    with pytest.raises(NotAllowed, match="Only alumni accounts can join"):
        mentors.opt_in(None, agreed=True)
    with pytest.raises(NotAllowed, match="You can only change your own profile."):
        mentors.save_student_profile(other, {"programme": "Law"}, owner=student)
    with pytest.raises(NotAllowed):
        mentors.save_student_profile(None, {"programme": "Law"})
    admin = make_user(Role.ADMIN)
    with transaction():
        saved = mentors.save_student_profile(admin, {"programme": "Law"}, owner=student)
    assert saved.user_id == student.id and saved.programme == "Law"


def test_no_profile_for_nobody():
    assert mentors.get_profile_for(None) is None
    assert mentors.get_student_profile_for(None) is None
    assert mentors.get_profile_for(object()) is None  # a user not yet saved has no id


def test_approving_twice_or_rejecting_without_a_reason(db, make_mentor, staff):
    profile = make_mentor()
    with pytest.raises(DomainError, match="This profile is already approved."):
        mentors.approve_profile(staff, profile)
    with pytest.raises(DomainError, match="Say why, so that the alumnus can put it right."):
        mentors.reject_profile(staff, profile, "   ")
    with pytest.raises(DomainError, match="Keep the reason under 1,000 characters."):
        mentors.reject_profile(staff, profile, "x" * 1001)


def test_approving_a_profile_verifies_its_owner_as_a_graduate(db, make_user, make_mentor, staff):
    make_mentor()  # someone else's profile, which adds the industry
    alumnus = make_user(Role.ALUMNUS, alumnus_verified=False)
    with transaction():
        profile = mentors.opt_in(alumnus, agreed=True)
        mentors.save_profile(alumnus, profile, GOOD_PROFILE)
    assert alumnus.alumnus_verified_at is None
    with transaction():
        mentors.approve_profile(staff, profile)
    db.session.expire_all()
    profile = db.session.get(MentorProfile, profile.id)
    assert profile.user.alumnus_verified_at == profile.verified_at
    assert profile.user.alumnus_verified_by_id == staff.id


@pytest.mark.parametrize("pid", ["1", None, 1.5])
def test_a_confirmation_link_with_an_odd_profile_id_is_refused(db, make_mentor, pid):
    profile = make_mentor()
    token = make_token(CONFIRM, {"pid": pid, "uid": profile.user_id})
    with pytest.raises(InvalidToken, match="no longer exists"):
        mentors.profile_for_confirm_token(token)


# --- search links ------------------------------------------------------------------------------


def test_criteria_survive_a_round_trip_through_a_link():
    criteria = SearchCriteria(
        q="horses",
        industries=["veterinary", "publishing"],
        offers=[Offer.SHADOWING],
        country="France",
        region="Rhône",
        city="Lyon",
        remote=True,
        class_year_min=2001,
        class_year_max=2010,
        programme="Biology",
        accepting_now=True,
    )
    args = criteria.to_args()
    assert args["year_from"] == "2001" and args["remote"] == "1" and args["accepting"] == "1"
    assert parse_criteria(args) == (criteria, [])
    assert SearchCriteria().to_args() == {}


def test_one_class_year_bound_alone_filters(db, make_mentor):
    old = make_mentor(class_year=1990)
    young = make_mentor(class_year=2020)
    from careerlink.mentors.search import search_mentors

    assert [p.id for p in search_mentors(SearchCriteria(class_year_min=2000)).items] == [young.id]
    assert [p.id for p in search_mentors(SearchCriteria(class_year_max=2000)).items] == [old.id]


def test_the_postgresql_query_text_matches_the_sqlite_one():
    """Every word required, the last a prefix when it is long enough (both engines)."""
    assert tsquery(["jose"]) == "jose:*"
    assert tsquery(["vet", "hors"]) == "vet & hors:*"
    assert tsquery(["vet", "a"]) == "vet & a"


# --- who sees a request; statistics and pausing without a profile -------------------------------


def test_nobody_signed_out_or_deactivated_sees_a_request(db, make_request):
    req = make_request()
    assert services.can_view_request(None, req) is False
    student = req.student
    assert services.can_view_request(student, req) is True
    with transaction():
        student.active = False
    assert services.can_view_request(student, req) is False


def test_the_open_queue_lists_every_open_state(db, make_request):
    waiting = make_request()
    relayed = make_request(state="relayed")
    make_request(state="declined_by_staff")
    rows = db.session.scalars(services.queue_query(services.QueueFilters(state="open"))).all()
    assert sorted(r.id for r in rows) == sorted([waiting.id, relayed.id])


def test_the_load_of_an_alumnus_without_a_profile(db, make_user):
    load = services.load_of(make_user(Role.ALUMNUS).id, today=date(2030, 1, 1))
    assert (load.open_relayed, load.month_count, load.capacity, load.accepting) == (
        0,
        0,
        None,
        False,
    )
    assert load.rate_label == "no history yet"


def test_statistics_and_pausing_need_a_profile(db, make_user, make_mentor):
    nobody = make_user(Role.ALUMNUS)
    availability.set_response_statistics(nobody.id, asked=3, answered=1, median_days=2.0)
    assert availability.pause(nobody.id) is None
    paused = make_mentor(accepting_requests=False)
    assert availability.pause(paused.user_id) is None  # already paused: nothing to tell


def test_an_alumnus_already_paused_is_not_paused_again(app, db, make_request, monkeypatch):
    monkeypatch.setitem(app.config, "CAREERLINK_PAUSE_AFTER_EXPIRIES", 1)
    req = make_request(state="expired")
    assert maybe_pause(req.alumnus_id) is True
    assert maybe_pause(req.alumnus_id) is False
    monkeypatch.setitem(app.config, "CAREERLINK_PAUSE_AFTER_EXPIRIES", 0)
    assert maybe_pause(req.alumnus_id) is False


def test_the_model_refuses_a_shadowing_day_without_a_date(db, make_request):
    req = make_request(state="relayed", kind="shadowing")
    with pytest.raises(InvalidTransition) as refused:
        req.accept(by=req.alumnus)
    assert refused.value.message == "Choose a date for the shadowing day."


# --- accounts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "name", "roles", "message"),
    [
        ("no-at-sign", "Name", [Role.STUDENT], "Enter a valid email address."),
        ("   ", "Name", [Role.STUDENT], "Enter a valid email address."),
        ("a@example.edu", "  ", [Role.STUDENT], "Enter your name."),
        ("a@example.edu", "Name", [], "A user needs at least one role."),
    ],
)
def test_create_user_refusals(db, email, name, roles, message):
    with pytest.raises(DomainError, match=message):
        create_user(email, name, "a long enough password", roles)


# --- SQLite's lower() ----------------------------------------------------------------------------


def test_the_lower_sqlite_is_given_behaves_like_postgresqls():
    assert unicode_lower("ÉVRY") == "évry"
    assert unicode_lower(None) is None
    assert unicode_lower("ÉVRY".encode()) == "évry"
    assert unicode_lower(42) == "42"
