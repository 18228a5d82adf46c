"""`flask careerlink sso ...`: check the campus sign-in configuration against the providers."""

from __future__ import annotations

import click
import requests
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import ngettext
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from careerlink.accounts.sso.oidc import callback_url
from careerlink.accounts.sso.settings import OidcProvider, oidc_providers, saml
from careerlink.urls import absolute_url

REQUIRED = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")


@click.group("sso")
def sso_cli():
    """Campus sign-in (OpenID Connect providers, SAML through the web server)."""


def _get_json(url: str, timeout: int) -> dict:
    response = requests.get(url, timeout=timeout, headers={"Accept": "application/json"})
    response.raise_for_status()
    data = response.json()
    if not isinstance(data, dict):
        raise ValueError("the answer is not a JSON object")
    return data


def check_provider(provider: OidcProvider, timeout: int) -> tuple[list[str], list[str]]:
    """(problems, notes) for one provider: its discovery document, its keys, our settings."""
    problems: list[str] = []
    notes: list[str] = []
    try:
        meta = _get_json(provider.discovery_url, timeout)
    except (requests.RequestException, ValueError) as exc:
        return [f"discovery document {provider.discovery_url}: {exc}"], notes
    missing = [key for key in REQUIRED if not meta.get(key)]
    if missing:
        problems.append(f"the discovery document lacks {', '.join(missing)}")
    issuer = str(meta.get("issuer") or "")
    if issuer and provider.discovery_url.rstrip("/") != (
        issuer.rstrip("/") + "/.well-known/openid-configuration"
    ):
        problems.append(
            f"issuer {issuer!r} does not match the discovery URL; ID tokens are checked "
            "against this issuer (for Entra ID, use your tenant's URL, not /common/)"
        )
    supported_auth = meta.get("token_endpoint_auth_methods_supported")
    if isinstance(supported_auth, list) and provider.token_auth_method not in supported_auth:
        problems.append(
            f"token endpoint auth method {provider.token_auth_method} is not among "
            f"{', '.join(map(str, supported_auth))} (set _TOKEN_AUTH_METHOD)"
        )
    supported_scopes = meta.get("scopes_supported")
    if isinstance(supported_scopes, list):
        unknown = [s for s in provider.scopes.split() if s not in supported_scopes]
        if unknown:
            notes.append(f"scopes not listed by the provider: {', '.join(unknown)}")
    if meta.get("jwks_uri"):
        try:
            keys = KeySet.import_key_set(_get_json(str(meta["jwks_uri"]), timeout))
            notes.append(f"signing keys: {len(keys.keys)} at {meta['jwks_uri']}")
            if not keys.keys:
                problems.append("the provider publishes no signing key")
        except (requests.RequestException, ValueError, JoseError) as exc:
            problems.append(f"signing keys {meta['jwks_uri']}: {exc}")
    if meta.get("end_session_endpoint"):
        notes.append(
            "RP-initiated sign-out: yes" + ("" if provider.provider_sign_out else " (off)")
        )
    else:
        notes.append("RP-initiated sign-out: not offered by the provider")
    notes.append(f"redirect URI to register: {callback_url(provider)}")
    notes.append(f"post-logout redirect URI: {absolute_url('main.index')}")
    return problems, notes


@sso_cli.command("check")
@with_appcontext
def check_command():
    """Fetch each provider's discovery document and keys; report problems (exit 1 if any)."""
    timeout = current_app.config["CAREERLINK_OIDC_TIMEOUT_SECONDS"]
    providers = oidc_providers()
    settings = saml()
    if not providers and not settings.enabled:
        click.echo(
            _(
                "No campus sign-in is configured (CAREERLINK_OIDC_PROVIDERS is empty and SAML "
                "is off)."
            )
        )
        return
    failed = 0
    for provider in providers.values():
        problems, notes = check_provider(provider, timeout)
        status = "PROBLEM" if problems else "ok"
        click.echo(f"{provider.name} ({provider.label}): {status}")
        for line in problems:
            click.echo(f"  problem: {line}")
        for line in notes:
            click.echo(f"  {line}")
        roles = ", ".join(sorted(r.value for r in provider.roles))
        click.echo(f"  may sign in: accounts whose roles are all among {roles}")
        click.echo(f"  role rules: {_rules(provider.rules)}")
        failed += bool(problems)
    if settings.enabled:
        click.echo(f"saml ({settings.label}): enabled at {absolute_url('sso.saml_sign_in')}")
        attributes = ", ".join(f"{k}={v}" for k, v in settings.attributes)
        click.echo(f"  attributes read from the WSGI environ: {attributes}")
        click.echo(f"  allowed scopes: {', '.join(settings.allowed_domains)}")
        click.echo(f"  role rules: {_rules(settings.rules)}")
    if failed:
        raise click.ClickException(
            ngettext("%(num)d provider with problems", "%(num)d providers with problems", failed)
        )


def _rules(rules) -> str:
    return (
        "; ".join(
            f"{r.kind}={r.role.value}" if r.kind == "any" else f"{r.kind}:{r.value}={r.role.value}"
            for r in rules
        )
        or "none (nobody gets a role: everyone sees the no-access page)"
    )
