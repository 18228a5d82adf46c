"""Token rules: create (the secret is returned once), list, revoke, find by the secret.

Only a token's SHA-256 is stored: a copy of the table lets nobody call the API. Tokens are
random (256 bits), so a fast hash is enough; a slow one would cost every API call.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from careerlink.accounts.models import User
from careerlink.api import scopes as scope_names
from careerlink.api.models import ApiToken, ApiTokenUse, TokenKind
from careerlink.audit import AuditAction, record
from careerlink.errors import DomainError, InvalidTransition, NotAllowed, NotFound
from careerlink.extensions import db
from careerlink.models import utcnow
from careerlink.permissions import Role

PREFIXES = {TokenKind.PERSONAL: "clp_", TokenKind.SERVICE: "cls_"}
NAME_MAX = 100
# The shown part of a token: its kind's prefix and a few random characters.
SHOWN = 10
# last_used_at is rewritten at most this often: no write on every call.
TOUCH_EVERY = timedelta(minutes=1)


def hash_token(raw: str) -> str:
    """The SHA-256 (hex) stored for a token."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def max_days() -> int:
    """The longest lifetime a token may be given (CAREERLINK_API_TOKEN_MAX_DAYS)."""
    return int(current_app.config["CAREERLINK_API_TOKEN_MAX_DAYS"])


def _check_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(
            _("Give the token a name, such as the script or app that uses it."), "name"
        )
    if len(name) > NAME_MAX:
        raise DomainError(_("Keep the name under %(n)d characters.", n=NAME_MAX), "name")
    return name


def _check_scopes(chosen, allowed: tuple[str, ...]) -> list[str]:
    chosen = [str(s) for s in (chosen or [])]
    unknown = [s for s in chosen if s not in allowed]
    if unknown:
        raise DomainError(_("Unknown scope %(scope)s.", scope=repr(unknown[0])), "scopes")
    if not chosen:
        raise DomainError(_("Choose at least one scope."), "scopes")
    return [s for s in allowed if s in chosen]


def _expiry(days: int | None, now: datetime, required: bool) -> datetime | None:
    if days is None:
        if required:
            raise DomainError(_("Choose when the token expires."), "days")
        return None
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise DomainError(_("Choose when the token expires."), "days") from None
    if not 1 <= days <= max_days():
        raise DomainError(_("A token lasts between 1 and %(n)d days.", n=max_days()), "days")
    return now + timedelta(days=days)


def _new(kind: TokenKind, by: User, **values) -> tuple[ApiToken, str]:
    raw = PREFIXES[kind] + secrets.token_urlsafe(32)
    token = ApiToken(kind=kind.value, prefix=raw[:SHOWN], token_hash=hash_token(raw), **values)
    db.session.add(token)
    db.session.flush()
    record(AuditAction.TOKEN_CREATED, actor=by, obj=token, detail=f"{kind.value}: {token.name}")
    return token, raw


def create_personal_token(
    user: User, name: str, scopes, days: int | None, now: datetime | None = None
) -> tuple[ApiToken, str]:
    """A token that acts as `user`, limited to `scopes`; the secret is returned only here."""
    now = now or utcnow()
    if user is None or not user.is_active:
        raise NotAllowed(_("Sign in to create a token."))
    if scope_names.STAFF in (scopes or []) and not user.is_staff:
        raise DomainError(_("Only career-office staff can give a token the staff scope."), "scopes")
    return _new(
        TokenKind.PERSONAL,
        user,
        name=_check_name(name),
        scopes=_check_scopes(scopes, scope_names.PERSONAL_SCOPES),
        user_id=user.id,
        created_by_id=user.id,
        created_at=now,
        expires_at=_expiry(days, now, required=True),
    )


def create_service_token(
    admin: User, name: str, scopes, days: int | None, now: datetime | None = None
) -> tuple[ApiToken, str]:
    """A token for a portal or CRM (admins only); it acts for nobody unless given act-as."""
    now = now or utcnow()
    _require_admin(admin)
    return _new(
        TokenKind.SERVICE,
        admin,
        name=_check_name(name),
        scopes=_check_scopes(scopes, scope_names.SERVICE_SCOPES),
        created_by_id=admin.id,
        created_at=now,
        expires_at=_expiry(days, now, required=False),
    )


def _require_admin(actor: User | None) -> None:
    if actor is None or not actor.is_active or not actor.has_role(Role.ADMIN):
        raise NotAllowed(_("Only administrators manage service tokens and webhooks."))


def personal_tokens(user: User) -> list[ApiToken]:
    """A person's tokens, newest first (revoked and expired ones too, marked so)."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.kind == TokenKind.PERSONAL.value)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def service_tokens() -> list[ApiToken]:
    """Every service token, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.kind == TokenKind.SERVICE.value)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def own_token(user: User, token_id: int) -> ApiToken:
    """One of the user's personal tokens; NotFound for anyone else's."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.kind != TokenKind.PERSONAL.value or token.user_id != user.id:
        raise NotFound()
    return token


def service_token(admin: User, token_id: int) -> ApiToken:
    """A service token, for an administrator."""
    _require_admin(admin)
    token = db.session.get(ApiToken, token_id)
    if token is None or token.kind != TokenKind.SERVICE.value:
        raise NotFound()
    return token


def revoke(token: ApiToken, now: datetime | None = None, *, by: User | None = None) -> ApiToken:
    """Stop a token working at once (idempotent refusal: InvalidTransition if already revoked)."""
    if token.revoked_at is not None:
        raise InvalidTransition(_("That token was already revoked."))
    token.revoked_at = now or utcnow()
    record(AuditAction.TOKEN_REVOKED, actor=by, obj=token, detail=f"{token.kind}: {token.name}")
    return token


def find_token(raw: str) -> ApiToken | None:
    """The token whose secret this is (live or not), or None."""
    if not raw or len(raw) > 200:
        return None
    return db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))


def touch(token: ApiToken, now: datetime | None = None) -> bool:
    """Record that the token was used (at most once a minute); True when it wrote."""
    now = now or utcnow()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY:
        return False
    token.last_used_at = now
    return True


def record_use(
    token: ApiToken, named: str, user: User | None, method: str, path: str, allowed: bool
) -> ApiTokenUse:
    """Audit one request a service token made for a person (or tried to)."""
    row = ApiTokenUse(
        token_id=token.id,
        acted_for=named[:254],
        acted_for_id=user.id if user is not None else None,
        method=method[:10],
        path=path[:300],
        allowed=allowed,
    )
    db.session.add(row)
    return row


def recent_uses(token: ApiToken, limit: int = 50) -> list[ApiTokenUse]:
    """A service token's latest act-as requests, newest first."""
    return list(
        db.session.scalars(
            select(ApiTokenUse)
            .where(ApiTokenUse.token_id == token.id)
            .order_by(ApiTokenUse.id.desc())
            .limit(limit)
        )
    )
