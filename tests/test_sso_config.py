"""Campus sign-in settings from the environment: defaults, and one clear error per variable."""

from __future__ import annotations

import pytest

from careerlink.paths import load_config_module

cfg = load_config_module()

CAMPUS = {
    "CAREERLINK_OIDC_PROVIDERS": "campus",
    "CAREERLINK_OIDC_CAMPUS_DISCOVERY_URL": "https://idp.example.edu/.well-known/openid-configuration",
    "CAREERLINK_OIDC_CAMPUS_CLIENT_ID": "careerlink",
    "CAREERLINK_OIDC_CAMPUS_CLIENT_SECRET": "s3cret",
}


def test_defaults():
    """Nothing configured: no provider, SAML off, eduPerson rules, passwords for every role."""
    settings = cfg.sso_settings({})
    assert settings["CAREERLINK_OIDC_PROVIDERS"] == {}
    assert settings["CAREERLINK_SAML"]["enabled"] is False
    assert settings["CAREERLINK_SAML"]["attributes"] == {
        "subject": "eppn",
        "email": "mail",
        "name": "displayName",
        "affiliation": "affiliation",
        "entitlement": "entitlement",
        "groups": "isMemberOf",
    }
    assert settings["CAREERLINK_SSO_ROLE_RULES"] == (
        ("affiliation", "student", "student"),
        ("affiliation", "alum", "alumnus"),
    )
    assert settings["CAREERLINK_LOCAL_SIGNIN_ROLES"] == ("student", "alumnus", "staff", "admin")
    assert settings["CAREERLINK_LOCAL_SIGNUP_ROLES"] == ("student", "alumnus")
    assert settings["CAREERLINK_OIDC_LEEWAY_SECONDS"] == 60
    assert settings["CAREERLINK_OIDC_TIMEOUT_SECONDS"] == 10
    assert settings["CAREERLINK_SSO_CONTACT"] == "the career office"


def test_a_provider_with_its_defaults_and_rules():
    """A provider's own defaults; entitlement URNs (with colons) parse; per-provider rules win."""
    env = dict(
        CAMPUS,
        CAREERLINK_SSO_ROLE_RULES=(
            "affiliation:student=student; entitlement:urn:mace:example.edu:careers-staff=staff"
        ),
        CAREERLINK_OIDC_PROVIDERS="campus, LinkedIn",
        CAREERLINK_OIDC_LINKEDIN_DISCOVERY_URL=(
            "https://www.linkedin.com/oauth/.well-known/openid-configuration"
        ),
        CAREERLINK_OIDC_LINKEDIN_CLIENT_ID="li",
        CAREERLINK_OIDC_LINKEDIN_CLIENT_SECRET="li-secret",
        CAREERLINK_OIDC_LINKEDIN_TOKEN_AUTH_METHOD="client_secret_post",
        CAREERLINK_OIDC_LINKEDIN_ROLES="alumnus",
        CAREERLINK_OIDC_LINKEDIN_ROLE_RULES="any=alumnus",
        CAREERLINK_OIDC_LINKEDIN_LABEL="LinkedIn",
    )
    providers = cfg.sso_settings(env)["CAREERLINK_OIDC_PROVIDERS"]
    assert list(providers) == ["campus", "linkedin"]
    campus, linkedin = providers["campus"], providers["linkedin"]
    assert campus["label"] == "Campus"
    assert campus["scopes"] == "openid email profile"
    assert campus["token_auth_method"] == "client_secret_basic"
    assert campus["role_rules"] == (
        ("affiliation", "student", "student"),
        ("entitlement", "urn:mace:example.edu:careers-staff", "staff"),
    )
    assert (campus["assume_email_verified"], campus["userinfo"], campus["provider_sign_out"]) == (
        False,
        False,
        True,
    )
    assert linkedin["roles"] == ("alumnus",)
    assert linkedin["role_rules"] == (("any", "", "alumnus"),)
    assert linkedin["token_auth_method"] == "client_secret_post"


@pytest.mark.parametrize(
    "env,name",
    [
        ({"CAREERLINK_OIDC_PROVIDERS": "campus"}, "CAREERLINK_OIDC_CAMPUS_DISCOVERY_URL"),
        (dict(CAMPUS, CAREERLINK_OIDC_CAMPUS_CLIENT_ID=""), "CAREERLINK_OIDC_CAMPUS_CLIENT_ID"),
        (
            dict(CAMPUS, CAREERLINK_OIDC_CAMPUS_CLIENT_SECRET=""),
            "CAREERLINK_OIDC_CAMPUS_CLIENT_SECRET",
        ),
        (
            dict(CAMPUS, CAREERLINK_OIDC_CAMPUS_DISCOVERY_URL="idp.example.edu"),
            "CAREERLINK_OIDC_CAMPUS_DISCOVERY_URL",
        ),
        (
            dict(CAMPUS, CAREERLINK_OIDC_CAMPUS_SCOPES="email profile"),
            "CAREERLINK_OIDC_CAMPUS_SCOPES",
        ),
        (dict(CAMPUS, CAREERLINK_OIDC_CAMPUS_ROLES="student,dean"), "CAREERLINK_OIDC_CAMPUS_ROLES"),
        (
            dict(CAMPUS, CAREERLINK_OIDC_CAMPUS_TOKEN_AUTH_METHOD="private_key_jwt"),
            "CAREERLINK_OIDC_CAMPUS_TOKEN_AUTH_METHOD",
        ),
        (
            dict(CAMPUS, CAREERLINK_OIDC_CAMPUS_ASSUME_EMAIL_VERIFIED="perhaps"),
            "CAREERLINK_OIDC_CAMPUS_ASSUME_EMAIL_VERIFIED",
        ),
        ({"CAREERLINK_OIDC_PROVIDERS": "Campus Wide"}, "CAREERLINK_OIDC_PROVIDERS"),
        ({"CAREERLINK_OIDC_PROVIDERS": "saml"}, "CAREERLINK_OIDC_PROVIDERS"),
        (dict(CAMPUS, CAREERLINK_OIDC_PROVIDERS="campus,campus"), "CAREERLINK_OIDC_PROVIDERS"),
        ({"CAREERLINK_SSO_ROLE_RULES": "student"}, "CAREERLINK_SSO_ROLE_RULES"),
        ({"CAREERLINK_SSO_ROLE_RULES": "affiliation:student=dean"}, "CAREERLINK_SSO_ROLE_RULES"),
        ({"CAREERLINK_SSO_ROLE_RULES": "title:professor=staff"}, "CAREERLINK_SSO_ROLE_RULES"),
        ({"CAREERLINK_SSO_ROLE_RULES": "affiliation:=student"}, "CAREERLINK_SSO_ROLE_RULES"),
        ({"CAREERLINK_SSO_ROLE_RULES": "any=staff"}, "CAREERLINK_SSO_ROLE_RULES"),
        ({"CAREERLINK_SSO_ROLE_RULES": "any:x=student"}, "CAREERLINK_SSO_ROLE_RULES"),
        (
            dict(CAMPUS, CAREERLINK_OIDC_CAMPUS_ROLE_RULES="any=admin"),
            "CAREERLINK_OIDC_CAMPUS_ROLE_RULES",
        ),
        ({"CAREERLINK_LOCAL_SIGNIN_ROLES": "students"}, "CAREERLINK_LOCAL_SIGNIN_ROLES"),
        ({"CAREERLINK_LOCAL_SIGNUP_ROLES": "staff"}, "CAREERLINK_LOCAL_SIGNUP_ROLES"),
        ({"CAREERLINK_SAML_ENABLED": "true"}, "CAREERLINK_SAML_ALLOWED_SCOPES"),
        ({"CAREERLINK_SAML_ATTR_SUBJECT": "HTTP_EPPN"}, "CAREERLINK_SAML_ATTR_SUBJECT"),
        ({"CAREERLINK_SAML_LOGOUT_URL": "javascript:alert(1)"}, "CAREERLINK_SAML_LOGOUT_URL"),
        ({"CAREERLINK_OIDC_LEEWAY_SECONDS": "-5"}, "CAREERLINK_OIDC_LEEWAY_SECONDS"),
        ({"CAREERLINK_OIDC_TIMEOUT_SECONDS": "0"}, "CAREERLINK_OIDC_TIMEOUT_SECONDS"),
    ],
)
def test_each_bad_setting_is_named(env, name):
    """The error names the variable to fix."""
    with pytest.raises(cfg.ConfigError, match=name):
        cfg.config_from_env(env)


def test_production_wants_https_discovery():
    """In production the client secret and tokens travel only over HTTPS."""
    env = dict(
        CAMPUS,
        CAREERLINK_ENV="production",
        SECRET_KEY="x" * 32,
        CAREERLINK_BASE_URL="https://careers.example.edu",
        DATABASE_URL="postgresql://careerlink@db.example.edu/careerlink",
        CAREERLINK_MAIL_TRANSPORT="smtp",
        CAREERLINK_SECURE_COOKIES="true",
        CAREERLINK_OIDC_CAMPUS_DISCOVERY_URL="http://idp.example.edu/.well-known/openid-configuration",
    )
    with pytest.raises(cfg.ConfigError, match="CAREERLINK_OIDC_CAMPUS_DISCOVERY_URL"):
        cfg.config_from_env(env)
    env["CAREERLINK_OIDC_CAMPUS_DISCOVERY_URL"] = CAMPUS["CAREERLINK_OIDC_CAMPUS_DISCOVERY_URL"]
    assert "campus" in cfg.config_from_env(env).CAREERLINK_OIDC_PROVIDERS
