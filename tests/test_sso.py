"""Campus sign-in with OpenID Connect, against a real provider (oidc-provider-mock) on loopback.

Every flow goes through the test client and the provider: the app's start URL, the provider's
form, the callback. Bad input must give a clear page, a log line with the reason, create
nothing, and leave the local password sign-in working.
"""

from __future__ import annotations

import base64
import hashlib
import html
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import DEFAULT_PASSWORD, free_port, link_from
from sqlalchemy import func, select
from support.oidc import CAMPUS_RULES, path_of, provider_env, sso_sign_in, start_sign_in

from careerlink.accounts.models import Identity, User, UserRole, UserSession
from careerlink.database import transaction
from careerlink.permissions import Role

STAFF_ENTITLEMENT = "urn:mace:example.edu:careers-staff"


def claims(
    email, *, verified=True, name="Stella Student", affiliation=("student@example.edu",), **more
):
    """The ID token claims a campus provider sends for a person."""
    found = {"email": email, "email_verified": verified, "name": name}
    if affiliation is not None:
        found["eduperson_scoped_affiliation"] = list(affiliation)
    found.update(more)
    return found


def counts(db) -> tuple[int, int, int]:
    """(users, identities, sessions) in the database."""
    db.session.rollback()
    return (
        db.session.scalar(select(func.count()).select_from(User)),
        db.session.scalar(select(func.count()).select_from(Identity)),
        db.session.scalar(select(func.count()).select_from(UserSession)),
    )


def user_by_email(db, email) -> User | None:
    """The user with this address, read afresh."""
    db.session.rollback()
    return db.session.scalar(select(User).where(User.email == email))


def role_sources(user) -> dict[str, str | None]:
    """role -> the provider that granted it (None: granted otherwise)."""
    return {row.role: row.sso_provider for row in user.role_rows}


def signed_in_as(client) -> str | None:
    """The email shown on the account page, or None when the client is not signed in."""
    page = client.get("/account")
    if page.status_code != 200:
        return None
    return page.get_data(as_text=True)


def assert_password_sign_in_works(app, email) -> None:
    """A fresh browser signs in with the password form (local sign-in is unaffected)."""
    other = app.test_client()
    response = other.post("/signin", data={"email": email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert other.get("/account").status_code == 200


# --- first and later sign-ins ----------------------------------------------------------------


def test_first_sign_in_creates_a_student_just_in_time(client, db, campus_sso, oidc_provider):
    """The first campus sign-in creates a verified student with the mapped role and identity."""
    campus_sso()
    oidc_provider.set_user("stella-1", claims("Stella@Example.edu"))
    start = start_sign_in(client)
    query = parse_qs(urlsplit(start.location).query)
    assert start.location.startswith(oidc_provider.url + "/oauth2/authorize?")
    assert query["code_challenge_method"] == ["S256"]
    assert query["scope"] == ["openid email profile"]
    assert query["state"][0] and query["nonce"][0]
    callback = oidc_provider.authorize(start.location, "stella-1")
    oidc_provider.token_requests.clear()
    response = client.get(path_of(callback))
    assert response.status_code == 302
    assert response.location == "/account"
    # PKCE: the verifier sent to the token endpoint is the one the challenge was made from.
    [token_request] = oidc_provider.token_requests
    digest = hashlib.sha256(token_request["code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == query["code_challenge"][0]

    user = user_by_email(db, "stella@example.edu")
    assert user.display_name == "Stella Student"
    assert user.password_hash is None
    assert user.email_verified
    assert role_sources(user) == {"student": "campus"}
    [identity] = db.session.scalars(select(Identity)).all()
    assert (identity.user_id, identity.provider, identity.subject) == (
        user.id,
        "campus",
        "stella-1",
    )
    assert identity.email == "stella@example.edu" and identity.last_used_at is not None
    page = client.get("/account").get_data(as_text=True)
    assert "stella@example.edu" in page
    assert "How you sign in" in page and "Campus account" in page
    assert counts(db) == (1, 1, 1)


def test_second_sign_in_finds_the_same_account(client, db, campus_sso, oidc_provider):
    """Signing in again finds the account by (provider, subject), even with a new address."""
    campus_sso()
    oidc_provider.set_user("stella-2", claims("stella@example.edu"))
    assert sso_sign_in(client, oidc_provider, "stella-2").status_code == 302
    first = user_by_email(db, "stella@example.edu")
    client.post("/signout")
    assert client.get("/account").status_code == 302
    oidc_provider.set_user("stella-2", claims("stella.s@example.edu"))
    response = sso_sign_in(client, oidc_provider, "stella-2", next="/mentors")
    assert response.status_code == 302 and response.location == "/mentors"
    assert counts(db)[:2] == (1, 1)
    again = user_by_email(db, "stella@example.edu")
    assert again.id == first.id  # the account's own address is not changed by a claim
    identity = db.session.scalar(select(Identity))
    assert identity.email == "stella.s@example.edu"
    assert "stella@example.edu" in client.get("/account").get_data(as_text=True)


@pytest.mark.parametrize(
    "extra,roles,home,alumnus_verified",
    [
        ({"eduperson_scoped_affiliation": ["alum@example.edu"]}, {"alumnus"}, "/account", True),
        (
            {
                "eduperson_scoped_affiliation": ["member@example.edu", "employee@example.edu"],
                "eduperson_entitlement": [STAFF_ENTITLEMENT],
            },
            {"staff"},
            "/staff/",
            False,
        ),
        (
            {
                "eduperson_scoped_affiliation": ["student@example.edu"],
                "eduperson_entitlement": STAFF_ENTITLEMENT,
            },
            {"student", "staff"},
            "/staff/",
            False,
        ),
    ],
    ids=["alum-is-alumnus", "entitlement-is-staff", "student-and-staff"],
)
def test_roles_come_from_the_claims(
    client, db, campus_sso, oidc_provider, extra, roles, home, alumnus_verified
):
    """Affiliations and entitlements map to roles; staff only from the explicit rule."""
    campus_sso()
    oidc_provider.set_user("p-1", claims("pat@example.edu", **extra))
    response = sso_sign_in(client, oidc_provider, "p-1")
    assert response.status_code == 302 and response.location == home
    user = user_by_email(db, "pat@example.edu")
    assert {r.value for r in user.roles} == roles
    assert set(role_sources(user).values()) == {"campus"}
    assert user.alumnus_verified is alumnus_verified


def test_roles_follow_the_directory_and_admin_grants_stay(
    client, db, campus_sso, oidc_provider, sso_log
):
    """A graduate's student role goes and alumnus comes; a role granted by an admin stays."""
    campus_sso()
    oidc_provider.set_user("g-1", claims("gabe@example.edu"))
    sso_sign_in(client, oidc_provider, "g-1")
    user = user_by_email(db, "gabe@example.edu")
    with transaction():
        user.role_rows.append(UserRole(role="admin"))  # as an administrator grants it
    client.post("/signout")
    oidc_provider.set_user("g-1", claims("gabe@example.edu", affiliation=["alum@example.edu"]))
    assert sso_sign_in(client, oidc_provider, "g-1").status_code == 302
    user = user_by_email(db, "gabe@example.edu")
    assert role_sources(user) == {"alumnus": "campus", "admin": None}
    assert any("added=alumnus removed=student" in line for line in sso_log)


def test_no_matching_rule_is_a_clear_page_and_creates_nothing(
    client, db, campus_sso, oidc_provider, sso_log
):
    """A person no rule speaks of sees whom to contact; no account is made."""
    campus_sso({"CAREERLINK_SSO_CONTACT": "careers@example.edu (+1 555 0100)"})
    oidc_provider.set_user("v-1", claims("vic@example.edu", affiliation=["affiliate@example.edu"]))
    response = sso_sign_in(client, oidc_provider, "v-1")
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "Your account does not give access here" in page
    assert "careers@example.edu (+1 555 0100)" in page
    assert counts(db) == (0, 0, 0)
    assert any(
        "reason=no_matching_rule" in line and "affiliate@example.edu" in line for line in sso_log
    )
    assert client.get("/account").status_code == 302


def test_an_account_whose_rules_no_longer_match_loses_those_roles(
    client, db, campus_sso, oidc_provider
):
    """Staff whose entitlement is withdrawn lose the staff role, and cannot sign in by it."""
    campus_sso()
    oidc_provider.set_user(
        "s-9", claims("sam@example.edu", affiliation=[], eduperson_entitlement=[STAFF_ENTITLEMENT])
    )
    assert sso_sign_in(client, oidc_provider, "s-9").location == "/staff/"
    client.post("/signout")
    oidc_provider.set_user("s-9", claims("sam@example.edu", affiliation=[]))
    response = sso_sign_in(client, oidc_provider, "s-9")
    assert response.status_code == 403
    assert "Your account does not give access here" in response.get_data(as_text=True)
    assert user_by_email(db, "sam@example.edu").roles == set()
    assert client.get("/staff/").status_code == 302


# --- linking to an existing local account ----------------------------------------------------


def test_linking_to_a_local_account_needs_its_password_once(
    client, db, campus_sso, oidc_provider, make_user, outbox
):
    """A local account with the provider's verified address is linked only after its password."""
    campus_sso()
    local = make_user(Role.STUDENT, email="lena@example.edu", name="Lena Local")
    oidc_provider.set_user("lena-1", claims("lena@example.edu"))
    response = sso_sign_in(client, oidc_provider, "lena-1")
    assert response.status_code == 302 and response.location == "/sso/link"
    assert counts(db) == (1, 0, 0)
    page = client.get("/sso/link").get_data(as_text=True)
    assert "An account for <strong>lena@example.edu</strong> already exists" in page
    assert client.get("/account").status_code == 302  # not signed in yet

    wrong = client.post("/sso/link/password", data={"password": "not the password"})
    assert wrong.status_code == 422
    assert "That password is not correct." in wrong.get_data(as_text=True)
    assert counts(db) == (1, 0, 0)

    right = client.post("/sso/link/password", data={"password": DEFAULT_PASSWORD})
    assert right.status_code == 302 and right.location == "/account"
    [identity] = db.session.scalars(select(Identity)).all()
    assert (identity.user_id, identity.subject) == (local.id, "lena-1")
    assert [m.event for m in outbox()] == ["identity_linked"]
    # The student role came from sign-up, so it is not the provider's to take away.
    assert role_sources(user_by_email(db, "lena@example.edu")) == {"student": None}

    client.post("/signout")
    again = sso_sign_in(client, oidc_provider, "lena-1")
    assert again.status_code == 302 and again.location == "/account"
    assert counts(db)[:2] == (1, 1)


def test_linking_by_an_emailed_link_in_the_same_browser(
    app, client, db, campus_sso, oidc_provider, make_user, outbox
):
    """The emailed link links and signs in, in the browser that asked; in another, it does not."""
    campus_sso()
    local = make_user(Role.ALUMNUS, email="otto@example.org", name="Otto")
    oidc_provider.set_user("otto-1", claims("otto@example.org", affiliation=["alum@example.edu"]))
    assert sso_sign_in(client, oidc_provider, "otto-1").location == "/sso/link"
    sent = client.post("/sso/link/email")
    assert sent.status_code == 200
    assert "Check your email" in sent.get_data(as_text=True)
    [message] = outbox()
    assert message.event == "confirm_identity_link" and message.recipients == ["otto@example.org"]
    link = link_from(message, "/sso/link/confirm/")

    stranger = app.test_client()
    assert stranger.get(path_of(link)).status_code == 200  # a page with a button
    refused = stranger.post(path_of(link))
    assert refused.status_code == 400
    assert "Open this link in the browser where you started" in refused.get_data(as_text=True)
    assert counts(db)[:2] == (1, 0)

    page = client.get(path_of(link))
    assert "Link your account" in page.get_data(as_text=True)
    done = client.post(path_of(link))
    assert done.status_code == 302 and done.location == "/account"
    identity = db.session.scalar(select(Identity))
    assert identity.user_id == local.id
    assert role_sources(user_by_email(db, "otto@example.org")) == {"alumnus": None}
    # Used: the browser's pending sign-in is gone.
    assert client.post("/signout").status_code == 302
    assert client.post(path_of(link)).status_code == 400


def test_a_pending_link_keeps_only_what_decides_roles(
    client, db, campus_sso, oidc_provider, make_user
):
    """A provider sending many groups: the session cookie stays small, the roles still map."""
    campus_sso()
    make_user(Role.STUDENT, email="gus@example.edu")
    many = [f"urn:mace:example.edu:group-{i:03d}-{'x' * 40}" for i in range(100)]
    oidc_provider.set_user(
        "gus-1", claims("gus@example.edu", eduperson_entitlement=[*many, STAFF_ENTITLEMENT])
    )
    assert sso_sign_in(client, oidc_provider, "gus-1").location == "/sso/link"
    assert len(client.get_cookie("careerlink_session").value) < 3000
    done = client.post("/sso/link/password", data={"password": DEFAULT_PASSWORD})
    assert done.status_code == 302 and done.location == "/staff/"
    assert role_sources(user_by_email(db, "gus@example.edu")) == {
        "student": None,
        "staff": "campus",
    }


def test_an_unverified_email_never_links_nor_creates(
    app, client, db, campus_sso, oidc_provider, make_user, sso_log
):
    """An unverified email claim matching a local account: refused, nothing linked."""
    campus_sso()
    make_user(Role.STUDENT, email="una@example.edu")
    oidc_provider.set_user("una-1", claims("una@example.edu", verified=False))
    response = sso_sign_in(client, oidc_provider, "una-1")
    assert response.status_code == 403
    assert "says your email address is not verified" in response.get_data(as_text=True)
    assert client.get("/sso/link").status_code == 400  # nothing pending
    assert counts(db) == (1, 0, 0)
    assert any("reason=email_unverified" in line for line in sso_log)


def test_a_signed_in_person_links_another_provider_from_the_account_page(
    client, db, campus_sso, oidc_provider, make_user, sign_in
):
    """Being signed in is the proof: the account page's link button links the identity."""
    campus_sso(names=("campus", "linkedin"))
    alumna = make_user(Role.ALUMNUS, email="ana@alumni.example.org")
    sign_in(alumna)
    page = client.get("/account").get_data(as_text=True)
    assert "Link Linkedin account" in page
    oidc_provider.set_user("li-ana", claims("ana.work@example.com", affiliation=None))
    response = sso_sign_in(client, oidc_provider, "li-ana", name="linkedin")
    assert response.status_code == 302 and response.location == "/account"
    identity = db.session.scalar(select(Identity))
    assert (identity.user_id, identity.provider, identity.email) == (
        alumna.id,
        "linkedin",
        "ana.work@example.com",
    )
    assert "You can now sign in with Linkedin account." in client.get("/account").get_data(
        as_text=True
    )


# --- identities on the account page, unlinking ------------------------------------------------


def test_unlink_all_but_the_last_way_in(client, db, campus_sso, oidc_provider, sign_in):
    """A person signed up by campus sign-in cannot unlink it while it is the only way in."""
    campus_sso(names=("campus", "linkedin"))
    oidc_provider.set_user("u-1", claims("uma@example.edu"))
    sso_sign_in(client, oidc_provider, "u-1")
    campus = db.session.scalar(select(Identity))
    refused = client.post(f"/account/identities/{campus.id}/unlink", follow_redirects=True)
    assert "This is your only way to sign in." in refused.get_data(as_text=True)
    assert counts(db)[1] == 1

    oidc_provider.set_user("u-li", claims("uma@example.com"))
    sso_sign_in(client, oidc_provider, "u-li", name="linkedin")  # signed in: links
    assert counts(db)[1] == 2
    done = client.post(f"/account/identities/{campus.id}/unlink", follow_redirects=True)
    assert "Campus account is no longer linked to your account." in done.get_data(as_text=True)
    db.session.rollback()
    assert [i.provider for i in db.session.scalars(select(Identity))] == ["linkedin"]


def test_unlink_keeps_a_password_user_in_and_drops_provider_staff_roles(
    client, db, campus_sso, oidc_provider, make_user, sign_in
):
    """With a password left, unlinking works; the staff role that provider granted goes."""
    campus_sso()
    staff = make_user(Role.STUDENT, email="tess@example.edu")
    sign_in(staff)
    oidc_provider.set_user(
        "t-1", claims("tess@example.edu", eduperson_entitlement=[STAFF_ENTITLEMENT])
    )
    sso_sign_in(client, oidc_provider, "t-1")
    assert role_sources(user_by_email(db, "tess@example.edu")) == {
        "student": None,
        "staff": "campus",
    }
    identity = db.session.scalar(select(Identity))
    other = client.post(f"/account/identities/{identity.id + 1000}/unlink")
    assert other.status_code == 404
    client.post(f"/account/identities/{identity.id}/unlink")
    assert counts(db)[1] == 0
    assert role_sources(user_by_email(db, "tess@example.edu")) == {"student": None}


def test_a_campus_only_account_can_ask_for_a_password(
    client, db, campus_sso, oidc_provider, outbox
):
    """An alumnus created by campus sign-in may add a password (the campus account will end)."""
    campus_sso()
    oidc_provider.set_user("al-1", claims("al@example.edu", affiliation=["alum@example.edu"]))
    sso_sign_in(client, oidc_provider, "al-1")
    page = client.get("/account").get_data(as_text=True)
    assert "Email me a link to set a password" in page
    assert "Change your password" not in page
    client.post("/account/password/link")
    assert [m.event for m in outbox()] == ["reset_password"]


# --- bad input ---------------------------------------------------------------------------------


def _closed_port_url() -> str:
    return f"http://127.0.0.1:{free_port()}/.well-known/openid-configuration"


BAD = {
    # name: (what to do, status, phrase on the page, log reason)
    "provider_down": (502, "is not answering at the moment", "provider_unavailable"),
    "wrong_client_secret": (502, "is not set up correctly on this site", "provider_misconfigured"),
    "tampered_state": (400, "was not started in this browser", "state_mismatch"),
    "replayed_code": (400, "its code was already used or has expired", "code_rejected"),
    "other_audience": (400, "sent a sign-in this site cannot trust", "invalid_id_token"),
    "unknown_key": (400, "sent a sign-in this site cannot trust", "invalid_id_token"),
    "expired_token": (400, "sent a sign-in this site cannot trust", "invalid_id_token"),
    "no_email": (403, "did not share your email address", "no_email"),
    "unverified_email": (403, "says your email address is not verified", "email_unverified"),
    "scope_not_allowed": (
        403,
        "vouched for a domain this site does not accept",
        "scope_not_allowed",
    ),
    "offsite_next": (400, "We do not follow such links", "unsafe_next"),
    "cancelled": (403, "did not sign you in", "provider_denied"),
}


def _bad_round_trip(case, app, client, db, campus_sso, oidc_provider):
    """Run the sign-in with one kind of bad input; the app's final response."""
    person = claims("bea@example.edu")
    env = {}
    if case == "provider_down":
        env["CAREERLINK_OIDC_CAMPUS_DISCOVERY_URL"] = _closed_port_url()
    if case == "wrong_client_secret":
        env["CAREERLINK_OIDC_CAMPUS_CLIENT_SECRET"] = "not-the-secret"
    if case == "scope_not_allowed":
        env["CAREERLINK_OIDC_CAMPUS_ALLOWED_DOMAINS"] = "example.edu"
        person["eduperson_scoped_affiliation"] = ["student@other-university.example"]
    if case == "no_email":
        del person["email"]
    if case == "unverified_email":
        person["email_verified"] = False
    campus_sso(env)
    oidc_provider.set_user("bea", person)
    oidc_provider.tamper = {
        "other_audience": "audience",
        "unknown_key": "unknown_key",
        "expired_token": "expired",
    }.get(case)
    start = start_sign_in(client, next="https://evil.example/" if case == "offsite_next" else None)
    if start.status_code != 302:
        return start
    if case == "cancelled":
        import requests

        denied = requests.post(
            start.location, data={"action": "deny"}, allow_redirects=False, timeout=10
        )
        return client.get(path_of(denied.headers["Location"]))
    callback = oidc_provider.authorize(start.location, "bea")
    if case == "tampered_state":
        callback = callback.replace("state=", "state=x", 1)
    if case == "replayed_code":
        before = client.get_cookie("careerlink_session").value
        assert client.get(path_of(callback)).status_code == 302
        client.post("/signout")
        # The same code again, with the browser's state as it was before the first use.
        client.set_cookie("careerlink_session", before)
        with transaction():
            for identity in db.session.scalars(select(Identity)):
                db.session.delete(identity.user)
    return client.get(path_of(callback))


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_gives_a_clear_page_a_log_line_and_creates_nothing(
    case, app, client, db, campus_sso, oidc_provider, make_user, sso_log
):
    """Each bad input: its page and status, its reason logged, nothing made, passwords work."""
    status, phrase, reason = BAD[case]
    local = make_user(Role.STUDENT, email="loyal@example.edu")
    response = _bad_round_trip(case, app, client, db, campus_sso, oidc_provider)
    page = response.get_data(as_text=True)
    assert response.status_code == status, page[:500]
    assert phrase in page
    assert "Start again from the sign-in page" in page
    assert any(f"reason={reason}" in line for line in sso_log), sso_log
    users, identities, sessions_count = counts(db)
    assert (users, identities) == (1, 0)
    assert db.session.scalar(select(User)).id == local.id
    assert client.get("/account").status_code == 302  # not signed in
    assert_password_sign_in_works(app, local.email)


def test_a_provider_clock_a_little_ahead_is_within_the_leeway(
    client, db, campus_sso, oidc_provider
):
    """An ID token issued 30 s "in the future" passes with the default 60 s of leeway."""
    campus_sso()
    oidc_provider.set_user("k-1", claims("kim@example.edu"))
    oidc_provider.tamper = "skewed"
    assert sso_sign_in(client, oidc_provider, "k-1").status_code == 302
    assert counts(db)[:2] == (1, 1)


def test_an_unknown_provider_name_is_404(client, db, campus_sso):
    """Start and callback of a provider that is not configured: not found."""
    campus_sso()
    assert client.get("/sso/oidc/nowhere/start").status_code == 404
    assert client.get("/sso/oidc/nowhere/callback?code=x&state=y").status_code == 404


# --- sign-out at the provider -----------------------------------------------------------------


def test_sign_out_continues_at_the_provider_when_it_offers_it(
    client, db, campus_sso, oidc_provider
):
    """RP-initiated sign-out: the provider's end_session_endpoint, with the ID token as hint."""
    clients = campus_sso()
    oidc_provider.set_user("o-1", claims("olga@example.edu"))
    sso_sign_in(client, oidc_provider, "o-1")
    response = client.post("/signout")
    # The form may only lead here (CSP form-action 'self'): a page of ours goes on.
    assert response.status_code == 302 and response.location == "/sso/signed-out"
    page = client.get("/sso/signed-out")
    text = page.get_data(as_text=True)
    assert "You are signed out." in text
    url = html.unescape(text.split('http-equiv="refresh" content="0;url=', 1)[1].split('"', 1)[0])
    assert url.startswith(oidc_provider.url + "/oauth2/end_session?")
    assert f'href="{html.escape(url)}">Continue' in text
    assert client.get("/sso/signed-out").location == "/"  # once only
    query = parse_qs(urlsplit(url).query)
    assert query["post_logout_redirect_uri"] == ["http://careerlink.test/"]
    assert query["id_token_hint"][0].count(".") == 2
    assert query["client_id"] == [clients["campus"][0]]
    assert client.get("/account").status_code == 302
    assert db.session.scalar(select(UserSession)).end_reason == "signed_out"


def test_sign_out_stays_here_when_provider_sign_out_is_off(client, db, campus_sso, oidc_provider):
    """With PROVIDER_SIGN_OUT=false (or after a password sign-in) sign-out ends here."""
    campus_sso({"CAREERLINK_OIDC_CAMPUS_PROVIDER_SIGN_OUT": "false"})
    oidc_provider.set_user("o-2", claims("oleg@example.edu"))
    sso_sign_in(client, oidc_provider, "o-2")
    response = client.post("/signout")
    assert response.status_code == 302 and response.location == "/"


# --- policy: which roles may use which way in --------------------------------------------------


def test_local_password_sign_in_can_be_turned_off_per_role(app, client, db, make_user):
    """Students must use campus sign-in; alumni may still use a password."""
    saved = app.config["CAREERLINK_LOCAL_SIGNIN_ROLES"]
    app.config["CAREERLINK_LOCAL_SIGNIN_ROLES"] = ("alumnus",)
    try:
        student = make_user(Role.STUDENT, email="stu@example.edu")
        alumna = make_user(Role.ALUMNUS, email="alu@example.org")
        refused = client.post(
            "/signin", data={"email": student.email, "password": DEFAULT_PASSWORD}
        )
        assert refused.status_code == 200
        assert (
            "Accounts with the student role sign in with campus sign-in, not with a password."
            in refused.get_data(as_text=True)
        )
        assert client.get("/account").status_code == 302
        # A wrong password says nothing about the policy (no hint that the account exists).
        wrong = client.post("/signin", data={"email": student.email, "password": "nope nope"})
        assert "campus sign-in" not in wrong.get_data(as_text=True)
        assert_password_sign_in_works(app, alumna.email)
    finally:
        app.config["CAREERLINK_LOCAL_SIGNIN_ROLES"] = saved


def test_local_sign_up_can_be_limited_or_closed(app, client, db):
    """Sign-up offers only the configured roles; none at all sends people to sign in."""
    saved = app.config["CAREERLINK_LOCAL_SIGNUP_ROLES"]
    try:
        app.config["CAREERLINK_LOCAL_SIGNUP_ROLES"] = ("alumnus",)
        page = client.get("/signup").get_data(as_text=True)
        assert 'value="alumnus"' in page and 'value="student"' not in page
        refused = client.post(
            "/signup",
            data={
                "display_name": "Sly",
                "email": "sly@example.edu",
                "role": "student",
                "password": DEFAULT_PASSWORD,
                "confirm": DEFAULT_PASSWORD,
            },
        )
        assert refused.status_code == 200
        assert counts(db)[0] == 0
        app.config["CAREERLINK_LOCAL_SIGNUP_ROLES"] = ()
        closed = client.get("/signup")
        assert closed.status_code == 302 and closed.location == "/signin"
    finally:
        app.config["CAREERLINK_LOCAL_SIGNUP_ROLES"] = saved


def test_a_provider_for_alumni_only(client, db, campus_sso, oidc_provider, make_user, sso_log):
    """LinkedIn for alumni: anyone becomes an unverified alumnus; staff accounts may not use it."""
    campus_sso(
        {
            "CAREERLINK_OIDC_LINKEDIN_ROLES": "alumnus",
            "CAREERLINK_OIDC_LINKEDIN_ROLE_RULES": "any=alumnus",
        },
        names=("campus", "linkedin"),
    )
    oidc_provider.set_user("li-1", claims("lou@example.com", affiliation=None))
    response = sso_sign_in(client, oidc_provider, "li-1", name="linkedin")
    assert response.status_code == 302
    lou = user_by_email(db, "lou@example.com")
    assert role_sources(lou) == {"alumnus": "linkedin"}
    assert not lou.alumnus_verified  # staff still confirm that a LinkedIn member graduated here
    client.post("/signout")

    make_user(Role.STAFF, email="stan@example.edu")
    oidc_provider.set_user("li-2", claims("stan@example.edu", affiliation=None))
    assert sso_sign_in(client, oidc_provider, "li-2", name="linkedin").location == "/sso/link"
    refused = client.post("/sso/link/password", data={"password": DEFAULT_PASSWORD})
    assert refused.status_code == 403
    assert "Accounts with the staff role cannot sign in with Linkedin account." in refused.get_data(
        as_text=True
    )
    assert counts(db)[1] == 1
    assert any("reason=role_not_allowed_for_provider" in line for line in sso_log)


# --- pages: buttons, staff view ----------------------------------------------------------------


def test_sign_in_page_offers_each_provider_and_keeps_a_local_next(client, db, campus_sso):
    """One button per provider, carrying a local `next` but never an off-site one."""
    campus_sso(names=("campus", "linkedin"))
    page = client.get("/signin?next=/mentors").get_data(as_text=True)
    assert 'href="/sso/oidc/campus/start?next=/mentors">Sign in with Campus account' in page
    assert "Sign in with Linkedin account" in page
    offsite = client.get("/signin?next=https://evil.example/").get_data(as_text=True)
    assert 'href="/sso/oidc/campus/start">' in offsite


def test_sign_in_page_without_local_passwords_shows_only_campus_sign_in(
    app, client, db, campus_sso
):
    """With local sign-in off for every role, the password form is not offered."""
    campus_sso({"CAREERLINK_LOCAL_SIGNIN_ROLES": ""})
    page = client.get("/signin").get_data(as_text=True)
    assert "Sign in with Campus account" in page
    assert 'name="password"' not in page


def test_staff_see_how_a_person_signs_in(client, db, campus_sso, oidc_provider, staff, sign_in):
    """The staff view of a person: password or not, identities, where each role came from."""
    campus_sso()
    oidc_provider.set_user("w-1", claims("wes@example.edu"))
    sso_sign_in(client, oidc_provider, "w-1")
    wes = user_by_email(db, "wes@example.edu")
    client.post("/signout")
    assert client.get(f"/staff/people/{wes.id}/sign-in").status_code == 302
    sign_in(wes)
    assert client.get(f"/staff/people/{wes.id}/sign-in").status_code == 403
    sign_in(staff)
    found = client.get("/staff/people/sign-in?email=WES@example.edu")
    assert found.status_code == 302 and found.location == f"/staff/people/{wes.id}/sign-in"
    page = client.get(found.location).get_data(as_text=True)
    assert "How Stella Student signs in" in page
    assert "<td>Campus account</td>" in page
    assert "from the role rules of Campus account" in page
    assert "Email and password" not in page
    assert "How people sign in" in client.get("/staff/").get_data(as_text=True)
    missing = client.get("/staff/people/sign-in?email=nobody@example.edu")
    assert "No account uses nobody@example.edu." in missing.get_data(as_text=True)


# --- administration ---------------------------------------------------------------------------


def test_sso_check_fetches_discovery_and_keys(app, db, campus_sso, oidc_provider):
    """`flask careerlink sso check` reports a healthy provider and fails on an unreachable one."""
    campus_sso()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["careerlink", "sso", "check"])
    assert result.exit_code == 0, result.output
    assert "campus (Campus account): ok" in result.output
    assert "signing keys: 1 at" in result.output
    assert "RP-initiated sign-out: yes" in result.output
    assert (
        "redirect URI to register: http://careerlink.test/sso/oidc/campus/callback" in result.output
    )
    assert f"role rules: {CAMPUS_RULES.replace(';', '; ')}" in result.output

    campus_sso({"CAREERLINK_OIDC_CAMPUS_DISCOVERY_URL": _closed_port_url()})
    result = runner.invoke(args=["careerlink", "sso", "check"])
    assert result.exit_code == 1
    assert "campus (Campus account): PROBLEM" in result.output
    assert "problem: discovery document" in result.output
    assert "Error: 1 provider with problems" in result.output


def test_sso_check_without_configuration(app, db):
    """Nothing configured: it says so and succeeds."""
    result = app.test_cli_runner().invoke(args=["careerlink", "sso", "check"])
    assert result.exit_code == 0
    assert "No campus sign-in is configured" in result.output


def test_provider_settings_come_from_the_environment(oidc_provider):
    """provider_env builds what config.py reads; config.py keeps claim names and defaults."""
    from careerlink.paths import load_config_module

    env = {"CAREERLINK_OIDC_PROVIDERS": "campus"}
    env.update(provider_env("campus", oidc_provider, "id", "secret", CLAIM_SUBJECT="oid"))
    settings = load_config_module().sso_settings(env)["CAREERLINK_OIDC_PROVIDERS"]["campus"]
    assert settings["claims"]["subject"] == "oid"
    assert settings["claims"]["email"] == "email"
    assert settings["scopes"] == "openid email profile"
    assert settings["role_rules"] == (
        ("affiliation", "student", "student"),
        ("affiliation", "alum", "alumnus"),
    )


def test_a_first_sign_in_from_a_french_browser_keeps_french(client, db, campus_sso, oidc_provider):
    """The account made just in time keeps the page's language, as a sign-up does, so its
    emails are French too."""
    campus_sso()
    oidc_provider.set_user("stella-fr", claims("stella@example.edu"))
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr-FR,fr;q=0.9"
    assert sso_sign_in(client, oidc_provider, "stella-fr").status_code == 302
    assert user_by_email(db, "stella@example.edu").locale == "fr"
