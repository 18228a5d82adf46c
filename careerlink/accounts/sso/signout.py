"""Where a browser goes after signing out here: the provider's own sign-out, when it has one.

After an OpenID Connect sign-in the session keeps the provider's name and ID token (for
`id_token_hint`); after a SAML sign-in, the SP's logout address (CAREERLINK_SAML_LOGOUT_URL).
The sign-out form may only lead to this site (CSP form-action 'self'), so the browser goes
on to the provider from a page of ours (`sso.signed_out`), not by a redirect of the form.
"""

from __future__ import annotations

from flask import session, url_for

from careerlink.accounts.sso import oidc
from careerlink.accounts.sso.settings import SAML, oidc_provider, saml

SIGNED_IN_WITH = "_clsso_via"
FAREWELL = "_clsso_farewell"
# An ID token larger than this is not kept (the session is a cookie of at most 4 KB).
MAX_ID_TOKEN = 1800


def remember(provider: str, id_token: str | None = None) -> None:
    """Record, in this browser's session, the provider it signed in through."""
    keep = id_token if id_token and len(id_token) <= MAX_ID_TOKEN else None
    session[SIGNED_IN_WITH] = {"provider": provider, "id_token": keep}


def provider_sign_out_url() -> str | None:
    """The provider's sign-out address for this browser, read before its session is cleared."""
    via = session.get(SIGNED_IN_WITH)
    if not isinstance(via, dict):
        return None
    name = via.get("provider")
    if name == SAML:
        settings = saml()
        return settings.logout_url if settings.enabled else None
    provider = oidc_provider(name) if isinstance(name, str) else None
    if provider is None:
        return None
    return oidc.end_session_url(provider, via.get("id_token"))


def continue_sign_out_at(url: str) -> str:
    """After this browser's session is cleared: keep `url`; the local page that goes there."""
    session[FAREWELL] = url
    return url_for("sso.signed_out")


def take_farewell() -> str | None:
    """The provider sign-out address kept by `continue_sign_out_at` (once)."""
    url = session.pop(FAREWELL, None)
    return url if isinstance(url, str) else None
