"""SAML through the web server: a Shibboleth SP passes attributes in the WSGI environ.

The test client injects them with `environ_overrides`, as mod_wsgi or uWSGI would. Request
headers (HTTP_* in the environ) are never read: a forged one is ignored.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from support.oidc import apply_sso_env

from careerlink.accounts.models import Identity, User
from careerlink.paths import load_config_module

RULES = (
    "affiliation:student=student;affiliation:alum=alumnus;"
    "entitlement:urn:mace:example.edu:careers-staff=staff"
)


@pytest.fixture
def saml_sso(app):
    """saml_sso(**env) -> configures SAML through the SP (scope example.edu); restored after."""
    keys = list(load_config_module().sso_settings({}).keys())
    saved = {key: app.config[key] for key in keys}

    def configure(**env):
        full = {
            "CAREERLINK_SAML_ENABLED": "true",
            "CAREERLINK_SAML_ALLOWED_SCOPES": "example.edu",
            "CAREERLINK_SAML_LABEL": "Example University",
            "CAREERLINK_SSO_ROLE_RULES": RULES,
        }
        full.update(env)
        apply_sso_env(app, full)

    yield configure
    app.config.update(saved)


def attributes(eppn="sara@example.edu", **more) -> dict[str, str]:
    """What a Shibboleth SP puts in the environ (its attribute-map.xml ids)."""
    found = {
        "eppn": eppn,
        "mail": "Sara.Student@example.edu",
        "displayName": "Sara Student",
        "affiliation": "member@example.edu;student@example.edu",
        "Shib-Identity-Provider": "https://idp.example.edu/idp/shibboleth",
    }
    found.update(more)
    return {k: v for k, v in found.items() if v is not None}


def counts(db) -> tuple[int, int]:
    """(users, identities)."""
    db.session.rollback()
    return (
        db.session.scalar(select(func.count()).select_from(User)),
        db.session.scalar(select(func.count()).select_from(Identity)),
    )


def test_first_saml_sign_in_creates_a_student(client, db, saml_sso):
    """The SP's attributes create a student (multi-valued affiliation split on ';')."""
    saml_sso()
    response = client.get("/sso/shibboleth?next=/mentors", environ_overrides=attributes())
    assert response.status_code == 302 and response.location == "/mentors"
    user = db.session.scalar(select(User))
    assert (user.email, user.display_name) == ("sara.student@example.edu", "Sara Student")
    assert {r.role: r.sso_provider for r in user.role_rows} == {"student": "saml"}
    identity = db.session.scalar(select(Identity))
    assert (identity.provider, identity.subject) == ("saml", "sara@example.edu")
    assert client.get("/account").status_code == 200
    client.post("/signout")
    again = client.get("/sso/shibboleth", environ_overrides=attributes())
    assert again.status_code == 302 and again.location == "/account"
    assert counts(db) == (1, 1)


def test_saml_entitlement_gives_staff(client, db, saml_sso):
    """eduPersonEntitlement with the staff URN maps to staff (values split on ';')."""
    saml_sso()
    env = attributes(
        eppn="sam@example.edu",
        affiliation="employee@example.edu",
        entitlement="urn:mace:example.edu:library;urn:mace:example.edu:careers-staff",
    )
    response = client.get("/sso/shibboleth", environ_overrides=env)
    assert response.status_code == 302 and response.location == "/staff/"
    assert {r.value for r in db.session.scalar(select(User)).roles} == {"staff"}


def test_a_forged_header_is_ignored(client, db, saml_sso, sso_log):
    """Attributes sent as request headers (HTTP_EPPN, ...) are never read."""
    saml_sso()
    forged = {
        "eppn": "dean@example.edu",
        "mail": "dean@example.edu",
        "affiliation": "staff@example.edu",
        "entitlement": "urn:mace:example.edu:careers-staff",
    }
    response = client.get("/sso/shibboleth", headers=forged)
    assert response.status_code == 502
    assert "did not tell us who you are" in response.get_data(as_text=True)
    assert counts(db) == (0, 0)
    assert any("reason=no_subject" in line for line in sso_log)

    # With the SP's real attributes present, the forged headers change nothing.
    response = client.get("/sso/shibboleth", headers=forged, environ_overrides=attributes())
    assert response.status_code == 302 and response.location == "/account"
    user = db.session.scalar(select(User))
    assert user.email == "sara.student@example.edu"
    assert {r.value for r in user.roles} == {"student"}
    assert db.session.scalar(select(Identity)).subject == "sara@example.edu"


def test_a_scope_not_allowed_is_refused(app, client, db, saml_sso, sso_log, make_user):
    """An eppn or affiliation from another domain: a clear page, nothing made."""
    saml_sso()
    response = client.get("/sso/shibboleth", environ_overrides=attributes(eppn="eve@evil.example"))
    assert response.status_code == 403
    assert "vouched for a domain this site does not accept" in response.get_data(as_text=True)
    response = client.get(
        "/sso/shibboleth",
        environ_overrides=attributes(affiliation="student@example.edu;staff@evil.example"),
    )
    assert response.status_code == 403
    assert counts(db) == (0, 0)
    assert sum("reason=scope_not_allowed" in line for line in sso_log) == 2


def test_saml_without_mail_is_refused(client, db, saml_sso, sso_log):
    """No mail attribute: the clear page says so; nothing made."""
    saml_sso()
    response = client.get("/sso/shibboleth", environ_overrides=attributes(mail=None))
    assert response.status_code == 403
    assert "did not share your email address" in response.get_data(as_text=True)
    assert counts(db) == (0, 0)


def test_attribute_names_are_configurable_for_mellon(client, db, saml_sso):
    """mod_auth_mellon's MELLON_* variables, by configuration."""
    saml_sso(
        CAREERLINK_SAML_ATTR_SUBJECT="MELLON_eppn",
        CAREERLINK_SAML_ATTR_EMAIL="MELLON_mail",
        CAREERLINK_SAML_ATTR_NAME="MELLON_displayName",
        CAREERLINK_SAML_ATTR_AFFILIATION="MELLON_eduPersonScopedAffiliation",
    )
    env = {
        "MELLON_eppn": "al@example.edu",
        "MELLON_mail": "al@example.org",
        "MELLON_displayName": "Al Alumnus",
        "MELLON_eduPersonScopedAffiliation": "alum@example.edu",
    }
    assert client.get("/sso/shibboleth", environ_overrides=env).status_code == 302
    user = db.session.scalar(select(User))
    assert {r.value for r in user.roles} == {"alumnus"} and user.alumnus_verified


def test_saml_disabled_is_not_found(client, db):
    """Without CAREERLINK_SAML_ENABLED the path does not exist."""
    assert client.get("/sso/shibboleth", environ_overrides=attributes()).status_code == 404


def test_saml_sign_out_goes_to_the_sp_logout(client, db, saml_sso):
    """CAREERLINK_SAML_LOGOUT_URL: after signing out here, the SP's logout."""
    saml_sso(
        CAREERLINK_SAML_LOGOUT_URL="/Shibboleth.sso/Logout?return=https://careers.example.edu/"
    )
    client.get("/sso/shibboleth", environ_overrides=attributes())
    response = client.post("/signout")
    assert response.status_code == 302 and response.location == "/sso/signed-out"
    page = client.get("/sso/signed-out").get_data(as_text=True)
    target = "/Shibboleth.sso/Logout?return=https://careers.example.edu/"
    assert f'content="0;url={target}"' in page


def test_signin_page_offers_the_campus_button(client, db, saml_sso):
    """The sign-in page links to the SP-protected path."""
    saml_sso()
    page = client.get("/signin").get_data(as_text=True)
    assert 'href="/sso/shibboleth">Sign in with Example University' in page
