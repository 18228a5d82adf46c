"""`perform`, the views' unit of work: commit on success, roll back and show a refusal."""

from __future__ import annotations

import pytest
from flask import get_flashed_messages

from careerlink.accounts.forms import SignUpForm
from careerlink.accounts.models import find_user_by_email
from careerlink.accounts.services import create_user
from careerlink.errors import Conflict, DomainError, InvalidToken, InvalidTransition, NotFound
from careerlink.permissions import Role
from careerlink.web.actions import Outcome, found, perform


@pytest.fixture
def request_ctx(app, db):
    """A POST request context, as a view runs in."""
    with app.test_request_context("/signup", method="POST") as ctx:
        yield ctx


def add_user_then(error: Exception | None = None, email: str = "pat@example.edu"):
    """Work that writes a user, then optionally refuses."""

    def work():
        user = create_user(email, "Pat", None, [Role.STUDENT])
        if error is not None:
            raise error
        return user

    return work


def persisted(db, email: str) -> bool:
    """Whether a user is in the database, not merely in this session's pending work."""
    db.session.rollback()
    return find_user_by_email(email) is not None


def test_success_commits_returns_the_value_and_flashes(db, request_ctx):
    outcome = perform(add_user_then(), "Saved.")
    assert isinstance(outcome, Outcome)
    assert outcome.ok and bool(outcome) and outcome.error is None
    assert outcome.value.email == "pat@example.edu"
    assert get_flashed_messages(with_categories=True) == [("success", "Saved.")]
    assert persisted(db, "pat@example.edu")


def test_success_without_a_message_flashes_nothing(db, request_ctx):
    assert perform(add_user_then())
    assert get_flashed_messages(with_categories=True) == []
    assert persisted(db, "pat@example.edu")


def test_a_refusal_with_a_field_goes_beside_the_field_and_rolls_back(db, request_ctx):
    form = SignUpForm(meta={"csrf": False})
    outcome = perform(
        add_user_then(DomainError("Use your campus address.", field="email")), "Saved.", form
    )
    assert not outcome and not outcome.ok
    assert outcome.value is None
    assert outcome.error.message == "Use your campus address."
    assert form.email.errors == ["Use your campus address."]
    assert get_flashed_messages(with_categories=True) == [
        ("error", "Please correct the fields marked below.")
    ]
    assert not persisted(db, "pat@example.edu")


def test_a_refusal_for_a_field_the_form_lacks_is_flashed(db, request_ctx):
    form = SignUpForm(meta={"csrf": False})
    perform(add_user_then(DomainError("No such thing.", field="colour")), form=form)
    assert get_flashed_messages(with_categories=True) == [("error", "No such thing.")]
    assert not persisted(db, "pat@example.edu")


def test_a_refusal_without_a_field_is_flashed_as_an_error(db, request_ctx):
    outcome = perform(add_user_then(Conflict("Someone else took it.")), "Saved.")
    assert isinstance(outcome.error, Conflict)
    assert get_flashed_messages(with_categories=True) == [("error", "Someone else took it.")]
    assert not persisted(db, "pat@example.edu")


def test_a_quiet_refusal_is_flashed_as_information(db, request_ctx):
    outcome = perform(
        add_user_then(InvalidTransition("Already answered.")),
        "Saved.",
        quiet=(InvalidTransition,),
    )
    assert not outcome
    assert get_flashed_messages(with_categories=True) == [("info", "Already answered.")]
    assert not persisted(db, "pat@example.edu")


def test_quiet_applies_only_to_the_types_listed(db, request_ctx):
    perform(add_user_then(Conflict("Taken.")), quiet=(InvalidTransition,))
    assert get_flashed_messages(with_categories=True) == [("error", "Taken.")]


def test_a_propagated_refusal_is_rolled_back_and_raised_for_the_app_handler(db, request_ctx):
    with pytest.raises(InvalidToken) as info:
        perform(
            add_user_then(InvalidToken("Bad link.", link="verify-email")),
            "Saved.",
            propagate=(InvalidToken,),
        )
    assert info.value.link == "verify-email"
    assert get_flashed_messages(with_categories=True) == []
    assert not persisted(db, "pat@example.edu")


def test_a_bug_is_rolled_back_and_not_shown_as_a_refusal(db, request_ctx):
    with pytest.raises(ZeroDivisionError):
        perform(add_user_then(ZeroDivisionError()), "Saved.")
    assert get_flashed_messages(with_categories=True) == []
    assert not persisted(db, "pat@example.edu")


def test_a_conflict_from_the_database_is_a_field_error(db, request_ctx, make_user):
    make_user(Role.STUDENT, email="taken@example.edu")
    form = SignUpForm(meta={"csrf": False})
    outcome = perform(add_user_then(email="TAKEN@example.edu"), "Saved.", form)
    assert isinstance(outcome.error, Conflict)
    assert form.email.errors == [
        "An account with this email address already exists. Sign in, or reset your password."
    ]


def test_found_returns_the_object_or_raises_not_found():
    thing = object()
    assert found(thing) is thing
    with pytest.raises(NotFound) as info:
        found(None)
    assert info.value.status_code == 404
    assert info.value.message == "We could not find that page. Check the address."
