"""The object-level permission predicates as truth tables: who may see and answer what.

Each predicate is asked about every kind of actor (nobody, an anonymous visitor, the owner or
the two people of a request, another user, staff, admin, and a deactivated account), so that
a changed condition (an `or` for an `and`, a dropped check) flips a row of the table.
"""

from __future__ import annotations

import pytest
from flask_login import AnonymousUserMixin

from careerlink.connections import services
from careerlink.database import transaction
from careerlink.errors import NotAllowed
from careerlink.mentors import services as mentors
from careerlink.permissions import Role, require

ANONYMOUS = AnonymousUserMixin()


def deactivated(db, user):
    with transaction():
        user.active = False
    return user


@pytest.fixture
def cast(db, make_user, make_request):
    """A relayed request and a submitted one, and everyone who might ask about them."""
    relayed = make_request(state="relayed")
    submitted = make_request(mentor=relayed.mentor_profile)
    return {
        "relayed": relayed,
        "submitted": submitted,
        "student": relayed.student,
        "alumnus": relayed.alumnus,
        "other": make_user(Role.STUDENT),
        "staff": make_user(Role.STAFF),
        "admin": make_user(Role.ADMIN),
    }


def test_who_sees_a_request(db, cast):
    relayed, submitted = cast["relayed"], cast["submitted"]
    see = services.can_view_request
    assert see(None, relayed) is False
    assert see(ANONYMOUS, relayed) is False
    assert see(cast["student"], relayed) is True
    assert see(cast["alumnus"], relayed) is True
    assert see(cast["alumnus"], submitted) is False  # not relayed to them yet
    assert see(submitted.student, submitted) is True
    assert see(cast["other"], relayed) is False
    assert see(cast["staff"], relayed) is True and see(cast["staff"], submitted) is True
    assert see(cast["admin"], submitted) is True
    assert see(deactivated(db, cast["staff"]), relayed) is False
    assert see(deactivated(db, cast["alumnus"]), relayed) is False


def test_who_answers_a_request(db, cast):
    relayed, submitted = cast["relayed"], cast["submitted"]
    answer = services.can_answer_request
    assert answer(cast["alumnus"], relayed) is True
    assert answer(cast["alumnus"], submitted) is False
    for who in ("student", "other", "staff", "admin"):
        assert answer(cast[who], relayed) is False, who
    assert answer(None, relayed) is False


def test_which_side_of_a_request(db, cast):
    relayed, submitted = cast["relayed"], cast["submitted"]
    assert services.side_of(cast["student"], relayed) == "student"
    assert services.side_of(cast["alumnus"], relayed) == "alumnus"
    assert services.side_of(cast["alumnus"], submitted) is None
    assert services.side_of(cast["staff"], relayed) is None


@pytest.fixture
def profiles(db, make_mentor, make_user):
    listed = make_mentor()
    hidden = make_mentor(listed=False)
    return {
        "listed": listed,
        "hidden": hidden,
        "owner": hidden.user,
        "other": make_user(Role.ALUMNUS),
        "staff": make_user(Role.STAFF),
        "admin": make_user(Role.ADMIN),
    }


def test_who_sees_a_profile(db, profiles):
    listed, hidden = profiles["listed"], profiles["hidden"]
    see = mentors.can_view_profile
    for who in (None, ANONYMOUS, profiles["other"], profiles["staff"]):
        assert see(who, listed) is True
    assert see(None, hidden) is False
    assert see(ANONYMOUS, hidden) is False
    assert see(profiles["other"], hidden) is False
    assert see(profiles["owner"], hidden) is True
    assert see(profiles["staff"], hidden) is True
    assert see(profiles["admin"], hidden) is True
    assert see(deactivated(db, profiles["staff"]), hidden) is False


def test_who_edits_a_profile(db, profiles):
    hidden = profiles["hidden"]
    edit = mentors.can_edit_profile
    assert edit(profiles["owner"], hidden) is True
    assert edit(profiles["admin"], hidden) is True
    assert edit(profiles["staff"], hidden) is False
    assert edit(profiles["other"], hidden) is False
    assert edit(None, hidden) is False


def test_require_refuses_with_the_message_given_or_the_general_one():
    require(True)
    require(True, "never shown")
    with pytest.raises(NotAllowed) as refused:
        require(False)
    assert refused.value.message == "Your account does not have access to this page."
    with pytest.raises(NotAllowed) as refused:
        require(False, "Only the alumnus can answer.")
    assert refused.value.message == "Only the alumnus can answer."
