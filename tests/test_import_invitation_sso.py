"""Accepting an invitation through campus (or LinkedIn) sign-in, end to end.

Signed out, the invited alumnus follows the emailed link, chooses "Sign in first", signs in at
the provider (oidc-provider-mock on loopback), comes back to the invitation page and opts in:
the account the sign-in made is linked to the imported record and listed, as the staff
verification rules say.
"""

from __future__ import annotations

import html
import re

import pytest
from conftest import link_from
from sqlalchemy import func, select
from support.oidc import path_of

from careerlink.accounts.models import Identity, User, find_user_by_email
from careerlink.database import transaction
from careerlink.mentors.imports import invitations, presets, services
from careerlink.mentors.imports.models import AlumniRecord
from careerlink.mentors.imports.samples import sample_rows, write_csv

pytestmark = pytest.mark.usefixtures("default_industries")

EMAIL = "alum0@alumni.example.org"


@pytest.fixture
def invited(db, tmp_path, staff, outbox):
    """An imported alumnus (X0000000) and the path of the invitation emailed to them."""
    with transaction():
        services.run_import(
            write_csv(tmp_path / "a.csv", "generic", list(sample_rows("generic", 1))),
            presets.GENERIC,
            dry_run=False,
        )
    record = db.session.scalar(select(AlumniRecord))
    with transaction():
        invitations.invite(staff, [record.id])
    link = link_from(outbox("alumni_invitation")[0], "/alumni/invitation/")
    return record, link.removeprefix("http://careerlink.test")


def href(page: str, starting: str) -> str:
    """The one link of the page whose address starts with `starting` (unescaped)."""
    [found] = re.findall(r'href="(' + re.escape(starting) + r'[^"]*)"', page)
    return html.unescape(found)


def follow_sign_in(client, oidc_provider, path: str, provider: str, sub: str) -> str:
    """From the invitation page, signed out, through the provider and back; where it lands."""
    page = client.get(path).get_data(as_text=True)
    assert "Create my account and join" in page
    signin_page = client.get(href(page, "/signin?next=")).get_data(as_text=True)
    start = client.get(href(signin_page, f"/sso/oidc/{provider}/start"))
    assert start.status_code == 302
    callback = oidc_provider.authorize(start.location, sub)
    back = client.get(path_of(callback))
    assert back.status_code == 302
    return back.location


def opt_in(client, path: str):
    page = client.get(path).get_data(as_text=True)
    # Signed in: no password to choose; the form is the signed-in one.
    assert "Join the directory" in page and 'name="password"' not in page
    return client.post(
        path,
        data={
            "display_name": "Ana Álvarez",
            "headline": "Analyst at Acme",
            "employer": "Acme, Inc.",
            "job_title": "Analyst",
            "industries": ["accounting"],
            "city": "Lyon",
            "country": "France",
            "class_year": "1970",
            "degree": "BA",
            "programme": "Biology",
            "linkedin_url": "",
            "agree": "y",
        },
    )


def test_campus_sign_in_then_opt_in_links_the_record_and_lists(
    app, db, client, campus_sso, oidc_provider, invited, staff
):
    record, path = invited
    campus_sso()
    oidc_provider.set_user(
        "alum-0",
        {
            "email": EMAIL,
            "email_verified": True,
            "name": "Ana A",
            "eduperson_scoped_affiliation": ["alum@example.edu"],
        },
    )
    assert follow_sign_in(client, oidc_provider, path, "campus", "alum-0") == path
    resp = opt_in(client, path)
    user = find_user_by_email(EMAIL)
    assert resp.headers["Location"] == f"/mentors/{user.mentor_profile.id}/edit"
    db.session.expire_all()
    user = db.session.get(User, user.id)
    [identity] = db.session.scalars(select(Identity)).all()
    assert (identity.user_id, identity.provider, identity.subject) == (user.id, "campus", "alum-0")
    assert user.password_hash is None  # campus sign-in only: no password was asked for
    assert (user.mentor_profile.is_opted_in, user.mentor_profile.directory_listed) == (True, True)
    linked = db.session.get(AlumniRecord, record.id)
    assert (linked.user_id, linked.accepted_at is not None) == (user.id, True)
    assert "Ana Álvarez" in client.get("/mentors").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == 2  # staff and Ana


@pytest.mark.parametrize(
    "import_verifies,listed,status",
    [(True, True, "approved"), (False, False, "pending")],
    ids=["import-verifies", "staff-verify-later"],
)
def test_linkedin_sign_in_then_opt_in_follows_the_verification_rules(
    app,
    db,
    client,
    campus_sso,
    oidc_provider,
    invited,
    staff,
    monkeypatch,
    import_verifies,
    listed,
    status,
):
    """LinkedIn makes an unverified alumnus; the imported record verifies them only when the
    import counts as verified graduation (CAREERLINK_IMPORT_VERIFIES_GRADUATES)."""
    record, path = invited
    monkeypatch.setitem(app.config, "CAREERLINK_IMPORT_VERIFIES_GRADUATES", import_verifies)
    campus_sso(
        {
            "CAREERLINK_OIDC_LINKEDIN_ROLES": "alumnus",
            "CAREERLINK_OIDC_LINKEDIN_ROLE_RULES": "any=alumnus",
        },
        names=("campus", "linkedin"),
    )
    oidc_provider.set_user("li-alum-0", {"email": EMAIL, "email_verified": True, "name": "Ana"})
    assert follow_sign_in(client, oidc_provider, path, "linkedin", "li-alum-0") == path
    assert not find_user_by_email(EMAIL).alumnus_verified  # LinkedIn alone does not verify
    resp = opt_in(client, path)
    assert resp.status_code == 302
    db.session.expire_all()
    user = find_user_by_email(EMAIL)
    profile = user.mentor_profile
    assert (profile.verification_status, profile.directory_listed) == (status, listed)
    assert db.session.get(AlumniRecord, record.id).user_id == user.id
    assert ("Ana Álvarez" in client.get("/mentors").get_data(as_text=True)) is listed
