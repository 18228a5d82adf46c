"""Who is calling the API, and what they may do: tokens, the session cookie, act-as, CORS.

Three ways in, in this order:
1. `Authorization: Bearer <token>`: a personal token acts as its owner; a service token acts as
   nobody, or (with the act-as scope) as the person named in `CareerLink-Act-As` (an email),
   each such request audited. The token's scopes limit what the call may do; the person's
   roles and the object rules still apply, exactly as on the pages.
2. The session cookie, for same-origin JavaScript: the signed-in person, every scope. A call
   that changes something must carry the CSRF token in `X-CSRFToken` (CSRFProtect exempts the
   API blueprint: a token-authenticated call has no cookie to forge).
3. Nobody: the public directory only.

Rate limits count per token (per person for the cookie, per address for anonymous calls).
CORS answers only the configured portal origins, and never with credentials.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import current_app, g, request, session
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from flask_wtf.csrf import ValidationError as CsrfValidationError
from flask_wtf.csrf import validate_csrf

from careerlink.accounts.models import User, find_user_by_email
from careerlink.accounts.signin import signed_in_user
from careerlink.api import scopes as scope_names
from careerlink.api import tokens
from careerlink.api.errors import Unauthorized
from careerlink.api.models import ApiToken, TokenKind
from careerlink.database import transaction
from careerlink.errors import NotAllowed
from careerlink.i18n import format_date
from careerlink.models import utcnow

ACT_AS_HEADER = "CareerLink-Act-As"
CSRF_HEADERS = ("X-CSRFToken", "X-CSRF-Token")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class Caller:
    """The person (or nobody) a call acts as, and the scopes it carries (None: all)."""

    user: User | None = None
    token: ApiToken | None = None
    via: str = "anonymous"
    scopes: frozenset[str] | None = None
    acting_for: bool = False

    def has_scope(self, scope: str) -> bool:
        """The credential allows this scope (a session cookie allows them all)."""
        return self.scopes is None or scope in self.scopes


@dataclass(frozen=True)
class Requirement:
    """What an operation needs: a signed-in person, a scope (checked only for tokens)."""

    scope: str | None = None
    signed_in: bool = False


def current_caller() -> Caller:
    """The caller of this request (authenticated by `authenticate`)."""
    caller = g.get("api_caller")
    if caller is None:
        caller = g.api_caller = authenticate()
    return caller


def _bearer() -> str | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _sep, value = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthorized(
            _("Send the token as 'Authorization: Bearer <token>'."), error="invalid_request"
        )
    return value.strip()


def _token_caller(raw: str) -> Caller:
    token = tokens.find_token(raw)
    now = utcnow()
    if token is None:
        raise Unauthorized(_("This token is not valid. Check that you copied all of it."))
    if token.revoked_at is not None:
        raise Unauthorized(_("This token was revoked. Create a new one on your account page."))
    if token.expires_at is not None and token.expires_at <= now:
        raise Unauthorized(
            _(
                "This token expired on %(date)s. Create a new one on your account page.",
                date=format_date(token.expires_at),
            )
        )
    caller = Caller(token=token, via="token", scopes=frozenset(token.scopes or ()))
    named = request.headers.get(ACT_AS_HEADER)
    if token.kind == TokenKind.PERSONAL.value:
        if named is not None:
            raise NotAllowed(_("Only service tokens can use %(header)s.", header=ACT_AS_HEADER))
        if token.user is None or not token.user.is_active:
            raise Unauthorized(_("The account this token belongs to is deactivated."))
        caller.user = token.user
    refusal = None
    # Its own unit of work: the last use and the act-as audit are kept whatever the call does.
    with transaction():
        tokens.touch(token, now)
        if named is not None:
            caller.user, refusal = _act_as(token, named)
            caller.acting_for = caller.user is not None
    if refusal is not None:
        raise refusal
    return caller


def _act_as(token: ApiToken, named: str) -> tuple[User | None, NotAllowed | None]:
    """The person a service token names, or the refusal; every attempt is recorded."""
    named = named.strip()[:254]
    allowed = scope_names.ACT_AS in (token.scopes or ())
    user = find_user_by_email(named) if allowed and named else None
    ok = allowed and user is not None and user.is_active
    tokens.record_use(token, named, user, request.method, request.path, ok)
    if not allowed:
        return None, NotAllowed(
            _("This token may not act for people (no %(scope)s).", scope=scope_names.ACT_AS)
        )
    if not ok:
        return None, NotAllowed(f"{ACT_AS_HEADER} names no active account.")
    return user, None


def authenticate() -> Caller:
    """Work out who is calling (see the module's docstring); 401/403 when the credential fails."""
    raw = _bearer()
    if raw is not None:
        return _token_caller(raw)
    if current_user.is_authenticated:
        caller = Caller(user=signed_in_user(), via="session")
        if request.method not in SAFE_METHODS and current_app.config.get("WTF_CSRF_ENABLED", True):
            _check_csrf()
        return caller
    return Caller()


def _check_csrf() -> None:
    value = next((request.headers[h] for h in CSRF_HEADERS if h in request.headers), None)
    try:
        validate_csrf(value)
    except CsrfValidationError:
        raise NotAllowed(
            _(
                "A call made with the session cookie must send the page's CSRF token in the "
                "X-CSRFToken header (GET /api/v1/csrf-token gives it)."
            )
        ) from None


def require(requirement: Requirement) -> Caller:
    """Refuse the call unless the caller meets the operation's requirement (401, then 403)."""
    caller = current_caller()
    if requirement.signed_in and caller.user is None:
        if caller.token is not None:
            raise NotAllowed(
                "A service token acts for nobody here: name a person in "
                f"{ACT_AS_HEADER}, or use a personal token."
            )
        raise Unauthorized(_("Sign in, or send a token: 'Authorization: Bearer <token>'."))
    if requirement.scope is not None and not caller.has_scope(requirement.scope):
        raise NotAllowed(
            _("This token does not have the %(scope)s scope.", scope=requirement.scope)
        )
    return caller


# --- rate limits and CORS ---------------------------------------------------------------------


def rate_limit_key() -> str:
    """Flask-Limiter's key: the token (by its hash), else the signed-in person, else the address."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.strip().partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return "token:" + hashlib.sha256(value.strip().encode()).hexdigest()[:32]
    user_id = session.get("_user_id")
    if user_id:
        return f"user:{user_id}"
    return "address:" + (get_remote_address() or "unknown")


def rate_limit() -> str:
    """The limit for one token (CAREERLINK_API_RATE_LIMIT)."""
    return current_app.config["CAREERLINK_API_RATE_LIMIT"]


EXPOSED_HEADERS = (
    "Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Location"
)
ALLOWED_HEADERS = f"Authorization, Content-Type, {ACT_AS_HEADER}"


def add_cors_headers(response):
    """Let the configured portal origins read API answers (tokens only, never cookies)."""
    if not request.path.startswith("/api/"):
        return response
    response.vary.add("Origin")
    origin = (request.headers.get("Origin") or "").rstrip("/")
    if not origin or origin.lower() not in current_app.config["CAREERLINK_API_CORS_ORIGINS"]:
        return response
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, PATCH, PUT"
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = "600"
    return response
