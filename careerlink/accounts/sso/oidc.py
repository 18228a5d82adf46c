"""OpenID Connect through Authlib's Flask client: the redirect out, and the way back.

Authorization code flow with PKCE (S256), `state` and `nonce` kept in the signed session by
Authlib, and the ID token checked by Authlib against the provider's keys (JWKS): signature,
issuer (from discovery), audience (our client id), expiry and issue time with
CAREERLINK_OIDC_LEEWAY_SECONDS of clock skew, nonce and at_hash. Every failure becomes a
SignInRefused with a reason for the log. This is the web side: it reads the session.
"""

from __future__ import annotations

import time
from typing import NamedTuple

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import current_app
from flask_babel import gettext as _
from joserfc.errors import JoseError

from careerlink.accounts.sso import assertion as assertions
from careerlink.accounts.sso.assertion import Assertion, SignInRefused
from careerlink.accounts.sso.settings import OidcProvider
from careerlink.urls import absolute_url

# Discovery documents are read again after this long (keys are re-read on an unknown key id).
METADATA_MAX_AGE_SECONDS = 24 * 3600
_EXTENSION = "careerlink.sso.oidc"


def _registry() -> tuple[OAuth, dict]:
    app = current_app._get_current_object()
    found = app.extensions.get(_EXTENSION)
    if found is None:
        found = (OAuth(app), {})
        app.extensions[_EXTENSION] = found
    return found


def client_for(provider: OidcProvider):
    """The Authlib client for this provider's current settings (made once, then reused)."""
    oauth, clients = _registry()
    key = (provider, current_app.config["CAREERLINK_OIDC_TIMEOUT_SECONDS"])
    client = clients.get(key)
    if client is None:
        # The client name is the key of Authlib's state in the session: one per provider.
        # Settings changed (tests, a reload): Authlib would hand back the old client.
        name = f"clsso_{provider.name}"
        oauth._clients.pop(name, None)
        client = oauth.register(
            name,
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            server_metadata_url=provider.discovery_url,
            client_kwargs={
                "scope": provider.scopes,
                "code_challenge_method": "S256",
                "token_endpoint_auth_method": provider.token_auth_method,
                "default_timeout": key[1],
            },
        )
        clients[key] = client
    loaded = client.server_metadata.get("_loaded_at")
    if loaded is not None and time.time() - loaded > METADATA_MAX_AGE_SECONDS:
        client.server_metadata = {}
    return client


def _unavailable(provider: OidcProvider, exc: Exception) -> SignInRefused:
    return SignInRefused(
        _(
            "%(provider)s is not answering at the moment, so we cannot sign you in with it. "
            "Try again in a few minutes.",
            provider=provider.label,
        ),
        reason="provider_unavailable",
        provider=provider.name,
        detail=f"{type(exc).__name__}: {exc}",
        status=502,
        title=_("Sign-in is not available right now"),
    )


def _misconfigured(provider: OidcProvider, detail: str) -> SignInRefused:
    return SignInRefused(
        _(
            "Signing in with %(provider)s is not set up correctly on this site. Please tell "
            "the career office; meanwhile, use another way to sign in.",
            provider=provider.label,
        ),
        reason="provider_misconfigured",
        provider=provider.name,
        detail=detail,
        status=502,
        title=_("Sign-in is not available right now"),
    )


def metadata(provider: OidcProvider) -> dict:
    """The provider's discovery document (cached), checked for what sign-in needs."""
    client = client_for(provider)
    try:
        found = client.load_server_metadata()
    except (requests.RequestException, ValueError) as exc:
        raise _unavailable(provider, exc) from None
    missing = [
        key
        for key in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
        if not isinstance(found.get(key), str) or not found.get(key)
    ]
    if missing:
        client.server_metadata = {}
        raise _misconfigured(provider, f"discovery document lacks {', '.join(missing)}")
    return found


def callback_url(provider: OidcProvider) -> str:
    """Where the provider sends the browser back (register it with the provider)."""
    return absolute_url("sso.oidc_callback", name=provider.name)


def start(provider: OidcProvider):
    """A redirect to the provider's authorization endpoint (state, nonce, PKCE in the session)."""
    metadata(provider)
    try:
        return client_for(provider).authorize_redirect(callback_url(provider))
    except (requests.RequestException, ValueError) as exc:
        raise _unavailable(provider, exc) from None
    except (AuthlibBaseError, RuntimeError) as exc:
        raise _misconfigured(provider, f"{type(exc).__name__}: {exc}") from None


class Finished(NamedTuple):
    """What came back from the provider: the person, and the ID token (for sign-out)."""

    assertion: Assertion
    id_token: str


def finish(provider: OidcProvider) -> Finished:
    """Exchange the code, check the ID token and map its claims; SignInRefused on any fault."""
    found = metadata(provider)
    client = client_for(provider)
    label = provider.label
    try:
        token = client.authorize_access_token(
            leeway=current_app.config["CAREERLINK_OIDC_LEEWAY_SECONDS"],
            claims_options={"iss": {"essential": True, "values": [found["issuer"]]}},
        )
        claims = dict(token.get("userinfo") or {})
        if provider.userinfo and claims:
            claims = _with_userinfo(provider, client, token, claims)
    except MismatchingStateError as exc:
        raise SignInRefused(
            _(
                "This sign-in was not started in this browser, or it was already finished. "
                "Start again from the sign-in page."
            ),
            reason="state_mismatch",
            provider=provider.name,
            detail=str(exc),
        ) from None
    except OAuthError as exc:
        raise _oauth_refusal(provider, exc) from None
    except JoseError as exc:
        raise SignInRefused(
            _(
                "%(provider)s sent a sign-in this site cannot trust, so you are not signed in. "
                "Start again from the sign-in page.",
                provider=label,
            ),
            reason="invalid_id_token",
            provider=provider.name,
            detail=f"{exc.error}: {exc.description}",
        ) from None
    except (requests.RequestException, ValueError) as exc:
        raise _unavailable(provider, exc) from None
    except (AuthlibBaseError, RuntimeError) as exc:
        raise _misconfigured(provider, f"{type(exc).__name__}: {exc}") from None
    if not claims or not token.get("id_token"):
        raise _misconfigured(provider, "the token response has no ID token")
    return Finished(_assertion(provider, claims), token["id_token"])


def _with_userinfo(provider: OidcProvider, client, token: dict, claims: dict) -> dict:
    extra = dict(client.userinfo(token=token))
    if extra.get("sub") != claims.get("sub"):
        raise _misconfigured(provider, "the userinfo endpoint answered for another subject")
    # What the signed ID token says wins over the userinfo answer.
    return {**extra, **claims}


def _oauth_refusal(provider: OidcProvider, exc: OAuthError) -> SignInRefused:
    error = getattr(exc, "error", "") or ""
    detail = f"{error}: {getattr(exc, 'description', '') or ''}"
    if error == "access_denied":
        return SignInRefused(
            _(
                "%(provider)s did not sign you in (the sign-in was cancelled or refused).",
                provider=provider.label,
            ),
            reason="provider_denied",
            provider=provider.name,
            detail=detail,
            status=403,
        )
    if error == "invalid_grant":
        return SignInRefused(
            _(
                "This sign-in could not be completed: its code was already used or has expired. "
                "Start again from the sign-in page."
            ),
            reason="code_rejected",
            provider=provider.name,
            detail=detail,
        )
    if error in ("invalid_client", "unauthorized_client"):
        return _misconfigured(provider, f"the provider refused our client credentials ({detail})")
    return _misconfigured(provider, f"the provider answered with an error ({detail})")


def _truthy(raw) -> bool:
    return raw is True or (isinstance(raw, str) and raw.strip().lower() == "true")


def _assertion(provider: OidcProvider, claims: dict) -> Assertion:
    verified_claim = claims.get(provider.claim("email_verified"))
    verified = _truthy(verified_claim) or (
        verified_claim is None and provider.assume_email_verified
    )
    return assertions.build(
        provider.name,
        subject=claims.get(provider.claim("subject")),
        email=claims.get(provider.claim("email")),
        email_verified=verified,
        name=claims.get(provider.claim("name")),
        affiliations=claims.get(provider.claim("affiliation")),
        entitlements=claims.get(provider.claim("entitlement")),
        groups=claims.get(provider.claim("groups")),
        allowed_domains=provider.allowed_domains,
    )


def end_session_url(provider: OidcProvider, id_token: str | None) -> str | None:
    """The provider's sign-out address (RP-initiated logout), when it offers one; else None."""
    if not provider.provider_sign_out:
        return None
    try:
        found = client_for(provider).load_server_metadata()
    except (requests.RequestException, ValueError):
        return None  # signed out here; the provider's own sign-out is a courtesy
    if not isinstance(found.get("end_session_endpoint"), str):
        return None
    extra = {"client_id": provider.client_id}
    result = client_for(provider).create_logout_url(
        post_logout_redirect_uri=absolute_url("main.index"),
        id_token_hint=id_token or None,
        **extra,
    )
    return result["url"]
