"""Campus sign-in rules: sign in, create accounts just in time, link after proof, unlink.

No request, session or current_user here: `views` (with `oidc` and `environ`) turns a browser's
sign-in into an Assertion, and these functions decide. They flush, never commit.
"""

from __future__ import annotations

import logging
from typing import Any, NamedTuple

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from careerlink.accounts import notifications as account_notifications
from careerlink.accounts import sessions
from careerlink.accounts.models import Identity, User, find_user_by_email
from careerlink.accounts.services import authenticate, create_user
from careerlink.accounts.sso import notifications, policy
from careerlink.accounts.sso.assertion import Assertion, SignInRefused
from careerlink.accounts.sso.links import (
    LINK_IDENTITY,
    link_confirmation_link,
    read_link_confirmation,
)
from careerlink.accounts.sso.roles import RoleChanges, drop_staff_roles, granted_roles, sync_roles
from careerlink.accounts.sso.settings import Source, label_for, source
from careerlink.audit import AuditAction, record, record_role_changes
from careerlink.errors import Conflict, DomainError, InvalidToken, NotAllowed, NotFound
from careerlink.extensions import db
from careerlink.models import utcnow
from careerlink.permissions import Role

log = logging.getLogger("careerlink.accounts.sso")

MAX_ROW_ID = 2**31 - 1
LINKED_ELSEWHERE = _l("This %(label)s account is already linked to another CareerLink account.")


class SignedIn(NamedTuple):
    """Who signed in, their new session's key (for the cookie only) and what their roles did."""

    user: User
    key: str
    changes: RoleChanges


class NeedsProof(NamedTuple):
    """An account with the provider's (verified) address exists: the person must prove it."""

    user: User
    assertion: Assertion


class NoRole(NamedTuple):
    """No role rule matched and the person holds no role (nothing created for a newcomer)."""

    user: User | None


def find_identity(provider: str, subject: str) -> Identity | None:
    """The identity with this provider and subject, or None."""
    return db.session.scalar(
        select(Identity).where(Identity.provider == provider, Identity.subject == subject)
    )


def identities_of(user: User) -> list[Any]:
    """The user's identities at providers, oldest first, as rows (id, provider, email,
    created_at, last_used_at): what the pages show and `unlink` compares, without identity
    objects."""
    return db.session.connection().execute(_IDENTITIES_OF, {"user_id": user.id}).all()


# Built once: the account page reads it on every visit.
_IDENTITIES_OF = (
    select(
        Identity.id, Identity.provider, Identity.email, Identity.created_at, Identity.last_used_at
    )
    .where(Identity.user_id == bindparam("user_id"))
    .order_by(Identity.id)
)


def sign_in(
    assertion: Assertion,
    via: Source,
    user_agent: str | None,
    ip_address: str | None,
    language: str | None = None,
) -> SignedIn | NeedsProof | NoRole:
    """Sign in the person a provider vouched for: the linked account, a new one, or neither.

    A known identity signs in to its account (its roles re-evaluated). An unknown one whose
    verified address belongs to an account must be proved first (NeedsProof, nothing written).
    Otherwise an account is created just in time with the roles the rules grant, keeping
    `language` (the page's) as its own; when no rule grants one, nothing is created (NoRole).
    """
    identity = find_identity(assertion.provider, assertion.subject)
    if identity is not None:
        return _enter(identity.user, identity, assertion, via, user_agent, ip_address)
    existing = find_user_by_email(assertion.email)
    if existing is not None:
        return NeedsProof(existing, assertion)
    granted = granted_roles(assertion, via.rules)
    if not granted:
        _log_no_role(assertion, None)
        return NoRole(None)
    _check_roles_may_use(via, granted)
    name = assertion.name or assertion.email.split("@", 1)[0]
    user = create_user(assertion.email, name, None, list(granted), verified=True, language=language)
    for row in user.role_rows:
        row.sso_provider = via.name
    identity = _add_identity(user, assertion, via)
    record_role_changes(
        user, RoleChanges(tuple(granted), ()), detail=f"new account, rules of {via.name}"
    )
    log.info("campus sign-in created an account: user=%s provider=%s", user.id, via.name)
    return _enter(user, identity, assertion, via, user_agent, ip_address)


def _enter(
    user: User,
    identity: Identity,
    assertion: Assertion,
    via: Source,
    user_agent: str | None,
    ip_address: str | None,
) -> SignedIn | NoRole:
    if not user.is_active:
        raise SignInRefused(
            _("This account has been deactivated. Contact the career office."),
            reason="account_deactivated",
            provider=via.name,
            detail=f"user={user.id}",
            status=403,
        )
    changes = sync_roles(user, via.name, granted_roles(assertion, via.rules))
    if not user.roles:
        # The roles this provider had granted are gone (kept: that is the point); no way in.
        _log_no_role(assertion, user)
        return NoRole(user)
    _check_roles_may_use(via, user.roles)
    identity.email = assertion.email
    identity.last_used_at = utcnow()
    user.mark_signed_in()
    record_role_changes(user, changes, detail=f"campus sign-in rules of {via.name}")
    record(AuditAction.SIGN_IN, actor=user, obj=user, detail=f"campus sign-in: {via.name}")
    return SignedIn(user, sessions.start_session(user, user_agent, ip_address), changes)


def _check_roles_may_use(via: Source, roles) -> None:
    if not via.may_hold(roles):
        barred = sorted(r.value for r in roles if r not in via.roles)
        raise SignInRefused(
            ngettext(
                "Accounts with the %(roles)s role cannot sign in with %(provider)s. "
                "Use the campus sign-in, or your password.",
                "Accounts with the roles %(roles)s cannot sign in with %(provider)s. "
                "Use the campus sign-in, or your password.",
                len(barred),
                roles=", ".join(Role(r).label for r in barred),
                provider=via.label,
            ),
            reason="role_not_allowed_for_provider",
            provider=via.name,
            detail=f"roles {', '.join(barred)}",
            status=403,
        )


def _log_no_role(assertion: Assertion, user: User | None) -> None:
    log.warning(
        "campus sign-in refused: provider=%s reason=no_matching_rule detail=user=%s "
        "affiliations=%s entitlements=%s groups=%s",
        assertion.provider,
        user.id if user is not None else "-",
        ",".join(assertion.affiliations) or "-",
        ",".join(assertion.entitlements)[:200] or "-",
        ",".join(assertion.groups)[:200] or "-",
    )


def _add_identity(user: User, assertion: Assertion, via: Source) -> Identity:
    existing = find_identity(assertion.provider, assertion.subject)
    if existing is not None:
        if existing.user_id == user.id:
            return existing
        raise Conflict(str(LINKED_ELSEWHERE) % {"label": via.label})
    identity = Identity(
        user_id=user.id,
        provider=assertion.provider,
        subject=assertion.subject,
        email=assertion.email,
    )
    db.session.add(identity)
    try:
        # Two first sign-ins at once: the database keeps one; the other is told, not a 500.
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(str(LINKED_ELSEWHERE) % {"label": via.label}) from None
    return identity


def _account_for(assertion: Assertion, via: Source) -> User:
    user = find_user_by_email(assertion.email)
    if user is None or not user.is_active:
        raise SignInRefused(
            _("The account to link is no longer available. Start again from the sign-in page."),
            reason="link_account_gone",
            provider=via.name,
            status=409,
        )
    return user


def link_with_password(
    assertion: Assertion,
    via: Source,
    password: str,
    user_agent: str | None,
    ip_address: str | None,
) -> SignedIn | NoRole:
    """Link the identity to the account with its address after its password proved it; sign in."""
    user = _account_for(assertion, via)
    if authenticate(user.email, password) is None:
        raise DomainError(_("That password is not correct.", field="password"))
    identity = _add_identity(user, assertion, via)
    result = _enter(user, identity, assertion, via, user_agent, ip_address)
    notifications.identity_linked(user, via.label)
    log.info("campus sign-in linked by password: user=%s provider=%s", user.id, via.name)
    return result


def send_link_confirmation(assertion: Assertion, via: Source, nonce: str) -> User:
    """Email the account with the provider's address a link that confirms linking (1 hour)."""
    user = _account_for(assertion, via)
    link = link_confirmation_link(user.id, assertion.provider, assertion.subject, nonce)
    notifications.confirm_link(user, via.label, link)
    return user


def link_with_token(
    token: str,
    assertion: Assertion | None,
    via: Source | None,
    nonce: str | None,
    user_agent: str | None,
    ip_address: str | None,
) -> SignedIn | NoRole:
    """Link the identity from an emailed confirmation, in the browser that asked for it."""
    data = read_link_confirmation(token)
    same_browser = (
        assertion is not None
        and via is not None
        and nonce is not None
        and data.get("nonce") == nonce
        and data.get("provider") == assertion.provider
        and data.get("sub") == assertion.subject
    )
    if not same_browser:
        raise InvalidToken(
            _(
                "Open this link in the browser where you started signing in, within the hour, or "
                "start again from the sign-in page."
            ),
            link=LINK_IDENTITY,
        )
    user = _account_for(assertion, via)
    if user.id != data.get("uid"):
        raise InvalidToken(_("This link is for another account."), link=LINK_IDENTITY)
    identity = _add_identity(user, assertion, via)
    log.info("campus sign-in linked by email: user=%s provider=%s", user.id, via.name)
    return _enter(user, identity, assertion, via, user_agent, ip_address)


def link_signed_in(user: User, assertion: Assertion, via: Source) -> Identity:
    """Link a provider's identity to the signed-in user's account (being signed in is proof)."""
    _check_roles_may_use(via, user.roles)
    identity = _add_identity(user, assertion, via)
    sync_roles(user, via.name, granted_roles(assertion, via.rules))
    identity.email = assertion.email
    identity.last_used_at = utcnow()
    notifications.identity_linked(user, via.label)
    log.info("campus sign-in linked while signed in: user=%s provider=%s", user.id, via.name)
    return identity


class WayIn(NamedTuple):
    """One way a person can sign in, for their account page and for staff."""

    kind: str  # "password" or "identity"
    label: str
    identity: Any | None  # a row of `identities_of`
    usable: bool  # the policy and the configuration let it sign in today


def ways_in(user: User) -> list[WayIn]:
    """The password (if any) and every identity, each saying whether it works today."""
    found = []
    if user.password_hash:
        found.append(
            WayIn("password", _("Email and password"), None, policy.may_use_password(user))
        )
    for identity in identities_of(user):
        via = source(identity.provider)
        usable = via is not None and via.may_hold(user.roles)
        found.append(WayIn("identity", label_for(identity.provider), identity, usable))
    return found


def unlink(user: User, identity_id: int) -> Identity:
    """Remove one of the user's identities, unless it is their last usable way in.

    Staff and admin roles that provider granted go with it (they hold only while the campus
    directory says so); student and alumnus roles stay.
    """
    identity = db.session.get(Identity, identity_id) if 0 < identity_id <= MAX_ROW_ID else None
    if identity is None or identity.user_id != user.id:
        raise NotFound()
    ways = ways_in(user)
    this = next(w for w in ways if w.identity is not None and w.identity.id == identity.id)
    others = [w for w in ways if w.usable and w is not this]
    if this.usable and not others:
        raise DomainError(
            _(
                "This is your only way to sign in. Add a password or link another account "
                "first, then unlink this one."
            )
        )
    others_same_provider = [
        w for w in ways if w.identity is not None and w.identity.provider == identity.provider
    ]
    if len(others_same_provider) == 1:
        dropped = drop_staff_roles(user, identity.provider)
        record_role_changes(
            user, RoleChanges((), dropped), actor=user, detail="campus sign-in unlinked"
        )
    db.session.delete(identity)
    db.session.flush()
    return identity


def send_password_link(user: User) -> None:
    """Email the user a link to set a password (a way in that outlives a campus account)."""
    if not policy.may_use_password(user):
        raise NotAllowed(
            _("Your account signs in with campus sign-in only; it cannot use a password.")
        )
    account_notifications.reset_password(user)
