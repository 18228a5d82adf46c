"""The factories make what the services make, and the one sign-in helper signs in."""

from __future__ import annotations

from datetime import timedelta

import pytest

from careerlink.mentors.models import VerificationStatus, today
from careerlink.models import utcnow
from careerlink.permissions import Role


def test_make_mentor_is_a_listed_approved_profile_made_by_the_services(app, db, make_mentor):
    """Opted in with the configured consent, saved through the form, approved, visible."""
    profile = make_mentor()
    db.session.expire_all()
    assert profile.is_visible
    assert profile.directory_listed
    assert profile.verification_status == VerificationStatus.APPROVED.value
    assert profile.consent_text == app.config["CAREERLINK_MENTOR_CONSENT_TEXT"]
    assert [i.slug for i in profile.industries] == ["veterinary"]
    assert [i.name for i in profile.industries] == ["Veterinary and animal care"]
    assert {o.value for o in profile.offers} == {"introduction", "shadowing"}
    assert (profile.headline, profile.monthly_capacity) == ("Veterinarian", 5)
    assert utcnow() - profile.last_confirmed_at < timedelta(minutes=1)


def test_make_mentor_approves_an_unverified_alumnus_through_staff_without_an_email(
    db, make_user, make_mentor, outbox
):
    """approve_profile by a staff user; its email is not left for tests to count."""
    user = make_user(Role.ALUMNUS, alumnus_verified=False)
    profile = make_mentor(user=user)
    db.session.expire_all()
    assert profile.is_visible
    assert profile.verified_by.has_role(Role.STAFF)
    assert (user.alumnus_verified_at, user.alumnus_verified_by_id) == (
        profile.verified_at,
        profile.verified_by_id,
    )
    assert outbox() == []


def test_make_mentor_sets_what_the_form_cannot_after_the_services(db, make_mentor):
    """Statistics are set directly; the form's fields go through save_profile's cleaning."""
    first_of_month = today().replace(day=1)
    profile = make_mentor(
        monthly_capacity=2,
        month_request_count=2,
        month_start=first_of_month,
        tags=["Horses", "horses", "dressage"],
        industry=["veterinary", "publishing"],
    )
    db.session.expire_all()
    assert (profile.month_request_count, profile.month_start) == (2, first_of_month)
    assert profile.tags == ["Horses", "dressage"]  # one of each, as the form cleans them
    assert [i.slug for i in profile.industries] == ["publishing", "veterinary"]
    # Full this month: askable again on the first of next month.
    assert profile.unavailable_until == (first_of_month + timedelta(days=31)).replace(day=1)


def test_make_mentor_refuses_a_field_the_profile_does_not_have(make_mentor):
    """A typo in a field name fails instead of being set on the object and ignored."""
    with pytest.raises(TypeError, match="no field"):
        make_mentor(capcity=3)


def test_make_mentor_follows_the_service_rules(make_mentor):
    """The form's rules apply: a capacity outside 1-20 is refused."""
    from careerlink.errors import DomainError

    with pytest.raises(DomainError, match="between 1 and 20"):
        make_mentor(monthly_capacity=0)


def test_make_request_is_committed_in_the_state_asked_for(db, make_request):
    """Submitted through the service, driven by advance, committed."""
    req = make_request(state="introduced")
    db.session.expire_all()
    assert [(e.from_state, e.to_state) for e in req.events] == [
        (None, "submitted"),
        ("submitted", "relayed"),
        ("relayed", "introduced"),
    ]


def test_sign_in_fixture_and_sign_in_session_are_one_helper(app, db, client, sign_in, student):
    """The fixture signs in the test's client; the function signs in any client."""
    assert client.get("/account").status_code == 302
    assert sign_in(student) is client
    assert client.get("/account").status_code == 200

    from conftest import sign_in_session

    other = app.test_client()
    assert other.get("/account").status_code == 302
    sign_in_session(other, student)
    assert other.get("/account").status_code == 200


def test_unsigned_keeps_each_csrf_secret_and_drops_only_its_time_and_signature():
    from support.auth import unsigned

    def form(token: str) -> str:
        return f'<form><input name="csrf_token" type="hidden" value="{token}"></form>'

    assert unsigned(form("c2VjcmV0.awyYAQ.sig1")) == unsigned(form("c2VjcmV0.awyYAg.sig2"))
    assert unsigned(form("c2VjcmV0.awyYAQ.sig1")) == form("c2VjcmV0")
    assert unsigned(form("c2VjcmV0.t.s")) != unsigned(form("b3RoZXI.t.s"))
    wtforms = '<input id="csrf_token" name="csrf_token" type="hidden" value="c2VjcmV0.t.s">'
    assert unsigned(wtforms) == (
        '<input id="csrf_token" name="csrf_token" type="hidden" value="c2VjcmV0">'
    )


def test_tampered_changes_a_signature_that_swapping_its_last_characters_can_leave_valid():
    from itsdangerous import BadSignature, URLSafeSerializer
    from support.auth import tampered

    signer = URLSafeSerializer("secret")

    def still_valid(token: str) -> bool:
        try:
            signer.loads(token)
        except BadSignature:
            return False
        return True

    # A token whose last two characters swapped for "xx" still verifies (the old way to tamper).
    token = next(t for t in map(signer.dumps, range(100_000)) if still_valid(t[:-2] + "xx"))
    changed = tampered(token)
    assert not still_valid(changed)
    # Only the signature's first character differs.
    differ = [i for i, (a, b) in enumerate(zip(token, changed, strict=True)) if a != b]
    assert differ == [token.rindex(".") + 1]
    assert tampered(f"/unsubscribe/{token}") == f"/unsubscribe/{changed}"
