"""The campus sign-in settings as objects, from the app's configuration (validated in config.py)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from careerlink.permissions import Role

SAML = "saml"


@dataclass(frozen=True)
class Rule:
    """One role rule: people whose `kind` values include `value` get `role` (`any`: everyone)."""

    kind: str
    value: str
    role: Role


@dataclass(frozen=True)
class Source:
    """What every way of signing in through a provider has: a name, a label, roles and rules."""

    name: str
    label: str
    roles: frozenset[Role]
    rules: tuple[Rule, ...]
    allowed_domains: tuple[str, ...]

    def may_hold(self, roles) -> bool:
        """Whether an account holding `roles` may sign in through this provider."""
        return all(Role(r) in self.roles for r in roles)


@dataclass(frozen=True)
class OidcProvider(Source):
    """An OpenID Connect provider (CAREERLINK_OIDC_<NAME>_*)."""

    discovery_url: str
    client_id: str
    client_secret: str
    token_auth_method: str
    scopes: str
    claims: tuple[tuple[str, str], ...]
    assume_email_verified: bool
    userinfo: bool
    provider_sign_out: bool

    def claim(self, key: str) -> str:
        """The claim name that carries `key` (subject, email, ...)."""
        return dict(self.claims)[key]


@dataclass(frozen=True)
class SamlSettings(Source):
    """SAML through the web server's SP (CAREERLINK_SAML_*): attributes in the WSGI environ."""

    enabled: bool
    attributes: tuple[tuple[str, str], ...]
    logout_url: str | None

    def attribute(self, key: str) -> str:
        """The environ variable that carries `key` (subject, email, ...)."""
        return dict(self.attributes)[key]


def _rules(raw) -> tuple[Rule, ...]:
    return tuple(Rule(kind, value, Role(role)) for kind, value, role in raw)


def oidc_providers() -> dict[str, OidcProvider]:
    """Every configured OpenID Connect provider, by name, in the configured order."""
    found = {}
    for name, raw in current_app.config["CAREERLINK_OIDC_PROVIDERS"].items():
        found[name] = OidcProvider(
            name=name,
            label=raw["label"],
            roles=frozenset(Role(r) for r in raw["roles"]),
            rules=_rules(raw["role_rules"]),
            allowed_domains=tuple(raw["allowed_domains"]),
            discovery_url=raw["discovery_url"],
            client_id=raw["client_id"],
            client_secret=raw["client_secret"],
            token_auth_method=raw["token_auth_method"],
            scopes=raw["scopes"],
            claims=tuple(sorted(raw["claims"].items())),
            assume_email_verified=raw["assume_email_verified"],
            userinfo=raw["userinfo"],
            provider_sign_out=raw["provider_sign_out"],
        )
    return found


def oidc_provider(name: str) -> OidcProvider | None:
    """The provider called `name`, or None."""
    return oidc_providers().get(name)


def saml() -> SamlSettings:
    """The SAML-through-the-web-server settings (enabled or not)."""
    raw = current_app.config["CAREERLINK_SAML"]
    return SamlSettings(
        name=SAML,
        label=raw["label"],
        roles=frozenset(Role(r) for r in raw["roles"]),
        rules=_rules(raw["role_rules"]),
        allowed_domains=tuple(raw["allowed_scopes"]),
        enabled=raw["enabled"],
        attributes=tuple(sorted(raw["attributes"].items())),
        logout_url=raw["logout_url"],
    )


def source(name: str) -> Source | None:
    """The configured provider (OpenID Connect or SAML) called `name`, or None."""
    if name == SAML:
        settings = saml()
        return settings if settings.enabled else None
    return oidc_provider(name)


def label_for(name: str) -> str:
    """How to name a provider to a person (its label, or its name if it is gone)."""
    found = source(name)
    return found.label if found is not None else name.replace("_", " ").title()


def contact() -> str:
    """Whom a person without a matching role rule should contact."""
    return current_app.config["CAREERLINK_SSO_CONTACT"]
