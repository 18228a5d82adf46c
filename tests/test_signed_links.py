"""Signed links: exact refusals (message and the `link` the bad-link page offers next), the
configured lifetime, and what a link may carry and open.

An emailed link's payload is signed, not encrypted: anyone holding the link can read it. So the
reset link carries only the last 12 characters of the password hash, enough to change when the
password changes and no more.
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import delete
from support.auth import tampered

from careerlink.accounts import links as account_links
from careerlink.accounts.models import User
from careerlink.connections import links as request_links
from careerlink.connections.models import ConnectionRequest
from careerlink.database import transaction
from careerlink.errors import InvalidToken
from careerlink.mentors import links as mentor_links
from careerlink.mentors import services as mentors
from careerlink.models import utcnow
from careerlink.permissions import Role
from careerlink.tokens import make_token, read_token

NOT_VALID = "This link is not valid."
TAMPERED = "This link is not valid. Check that you copied all of it."
EXPIRED = "This link has expired. Ask for a new one."


def refusal(read) -> InvalidToken:
    with pytest.raises(InvalidToken) as refused:
        read()
    return refused.value


def payload(token: str) -> dict:
    """What anyone holding the link can read of it."""
    body = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


# --- tokens ------------------------------------------------------------------------------------


def test_a_tampered_token_says_so_and_names_its_purpose(db):
    token = make_token("confirm-profile", {"pid": 1})
    err = refusal(lambda: read_token("confirm-profile", tampered(token)))
    assert (err.message, err.link) == (TAMPERED, "confirm-profile")
    err = refusal(lambda: read_token("reset-password", token))  # another purpose's token
    assert (err.message, err.link) == (TAMPERED, "reset-password")


def test_a_token_that_is_not_a_mapping_is_not_valid(db):
    err = refusal(lambda: read_token("verify-email", make_token("verify-email", [1, 2])))
    assert (err.message, err.link) == (NOT_VALID, "verify-email")


def test_the_default_lifetime_follows_the_setting(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "CAREERLINK_TOKEN_MAX_AGE_HOURS", 1)
    made = utcnow().replace(microsecond=0)
    with time_machine.travel(made, tick=False):
        token = make_token("verify-email", {"uid": 1})
    with time_machine.travel(made + timedelta(hours=1), tick=False):
        assert read_token("verify-email", token) == {"uid": 1}
    with time_machine.travel(made + timedelta(hours=1, seconds=1), tick=False):
        err = refusal(lambda: read_token("verify-email", token))
    assert (err.message, err.link) == (EXPIRED, "verify-email")


# --- account links -----------------------------------------------------------------------------


def token_in(link: str) -> str:
    return link.rsplit("/", 1)[1]


def test_a_verification_link_for_a_changed_address(db, make_user):
    user = make_user(verified=False)
    token = token_in(account_links.verification_link(user))
    with transaction():
        user.email = "changed@example.edu"
    err = refusal(lambda: account_links.user_for_verification(token))
    assert (err.message, err.link) == (
        "This verification link is for an address that is no longer in use.",
        account_links.VERIFY,
    )


def test_a_verification_link_for_a_deleted_account(db, make_user):
    user = make_user(verified=False)
    token = token_in(account_links.verification_link(user))
    with transaction():
        db.session.execute(delete(User).where(User.id == user.id))
    err = refusal(lambda: account_links.user_for_verification(token))
    assert err.link == account_links.VERIFY


USED = "This reset link has already been used or is no longer valid."


def test_a_reset_link_of_a_deactivated_account_is_refused(db, make_user):
    user = make_user()
    token = token_in(account_links.reset_link(user))
    assert account_links.user_for_reset(token) == user
    with transaction():
        user.active = False
    err = refusal(lambda: account_links.user_for_reset(token))
    assert (err.message, err.link) == (USED, account_links.RESET)


def test_a_reset_link_of_a_deleted_account_is_refused(db, make_user):
    user = make_user()
    token = token_in(account_links.reset_link(user))
    with transaction():
        db.session.execute(delete(User).where(User.id == user.id))
    assert refusal(lambda: account_links.user_for_reset(token)).message == USED


def test_a_reset_link_carries_only_the_end_of_the_password_hash(db, make_user):
    user = make_user()
    carried = payload(token_in(account_links.reset_link(user)))
    assert carried == {"uid": user.id, "fp": user.password_hash[-12:]}
    assert len(carried["fp"]) == 12


def test_an_account_without_a_password_gets_a_reset_link_that_works_once(db, make_user):
    """An imported account (no password yet) sets its first one from a reset link."""
    user = make_user(Role.ALUMNUS)
    with transaction():
        user.password_hash = None
    token = token_in(account_links.reset_link(user))
    assert payload(token)["fp"] == ""
    assert account_links.user_for_reset(token) == user
    with transaction():
        user.password_hash = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$abcdefghijkl"
    assert refusal(lambda: account_links.user_for_reset(token)).message == USED


# --- request links -----------------------------------------------------------------------------


def test_an_answer_link_refusals_say_the_link_is_not_valid(db, make_request, make_user):
    req = make_request(state="relayed")
    other = make_user(Role.ALUMNUS)
    for data in ({"rid": req.id, "uid": other.id}, {"rid": 0, "uid": req.alumnus_id}):
        token = make_token(request_links.ANSWER, data)
        err = refusal(lambda token=token: request_links.request_for_answer_token(token))
        assert (err.message, err.link) == (NOT_VALID, request_links.ANSWER)


def test_a_feedback_link_for_a_deleted_request_is_not_valid(db, make_request):
    req = make_request(state="completed")
    token = request_links.feedback_token(req, "student")
    with transaction():
        db.session.execute(delete(ConnectionRequest).where(ConnectionRequest.id == req.id))
    err = refusal(lambda: request_links.request_for_feedback_token(token))
    assert (err.message, err.link) == (NOT_VALID, request_links.FEEDBACK)


@pytest.mark.parametrize("side", ["staff", None, ""])
def test_a_feedback_link_for_an_unknown_side_is_not_valid(db, make_request, side):
    req = make_request(state="completed")
    token = make_token(request_links.FEEDBACK, {"rid": req.id, "uid": req.student_id, "side": side})
    err = refusal(lambda: request_links.request_for_feedback_token(token))
    assert (err.message, err.link) == (NOT_VALID, request_links.FEEDBACK)


def test_a_feedback_link_for_the_other_person_is_not_valid(db, make_request):
    req = make_request(state="completed")
    for side, uid in (("student", req.alumnus_id), ("alumnus", req.student_id)):
        token = make_token(request_links.FEEDBACK, {"rid": req.id, "uid": uid, "side": side})
        err = refusal(lambda token=token: request_links.request_for_feedback_token(token))
        assert (err.message, err.link) == (NOT_VALID, request_links.FEEDBACK)
    good = request_links.feedback_token(req, "student")
    assert request_links.request_for_feedback_token(good) == (req, "student")


def test_request_links_carry_the_request_and_the_person(db, make_request):
    req = make_request(state="relayed")
    assert payload(request_links.answer_token(req)) == {"rid": req.id, "uid": req.alumnus_id}
    assert payload(request_links.feedback_token(req, "alumnus")) == {
        "rid": req.id,
        "uid": req.alumnus_id,
        "side": "alumnus",
    }
    assert request_links.request_link(req) == f"http://careerlink.test/requests/{req.id}"
    assert request_links.account_link() == "http://careerlink.test/account"


# --- profile confirmation links ----------------------------------------------------------------


def test_a_confirmation_link_names_its_profile_and_owner(db, make_mentor, make_user):
    profile = make_mentor()
    token = token_in(mentor_links.confirm_link(profile))
    assert payload(token) == {"pid": profile.id, "uid": profile.user_id}
    assert mentor_links.read_confirm_token(token) == {"pid": profile.id, "uid": profile.user_id}
    stranger = make_token(mentor_links.CONFIRM, {"pid": profile.id, "uid": make_user().id})
    err = refusal(lambda: mentors.profile_for_confirm_token(stranger))
    assert (err.message, err.link) == (
        "This link is for a profile that no longer exists.",
        mentor_links.CONFIRM,
    )


def test_the_directory_link_falls_back_to_the_site_when_the_directory_is_not_mounted(
    db, monkeypatch
):
    """A portal may mount CareerLink without the directory: emails then link to the site."""
    from werkzeug.routing import BuildError

    def unmounted(endpoint, **values):
        raise BuildError(endpoint, values, ("GET",))

    monkeypatch.setattr(request_links, "absolute_url", unmounted)
    assert request_links.directory_link() == "http://careerlink.test/"
    assert request_links.directory_link("veterinary") == "http://careerlink.test/"
