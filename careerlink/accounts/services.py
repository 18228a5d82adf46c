"""Account rules: sign-up, verification, sign-in, passwords. No request or current_user here.

Services flush, never commit: the caller's unit of work (a view's `perform`, a CLI command's
`transaction()`) commits once or rolls everything back.
"""

from __future__ import annotations

from typing import NamedTuple

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from careerlink.accounts import notifications, sessions
from careerlink.accounts.addresses import email_problem
from careerlink.accounts.links import user_for_reset, user_for_verification
from careerlink.accounts.models import (
    User,
    UserRole,
    UserSession,
    find_user_by_email,
    normalize_email,
)
from careerlink.accounts.passwords import check_password, hash_password, password_problem
from careerlink.accounts.sso import policy
from careerlink.audit import AuditAction, record
from careerlink.errors import Conflict, DomainError
from careerlink.extensions import db
from careerlink.mail import register_deferred
from careerlink.mail.models import OutboxMessage
from careerlink.models import utcnow
from careerlink.permissions import Role, can_verify_alumnus, require

SIGNUP_ROLES = (Role.STUDENT, Role.ALUMNUS)
TAKEN = _l("An account with this email address already exists. Sign in, or reset your password.")
_dummy: dict[str, str] = {}


def _dummy_hash() -> str:
    if "hash" not in _dummy:
        _dummy["hash"] = hash_password("careerlink-timing-equaliser")
    return _dummy["hash"]


def _check_new_user(email: str, display_name: str, password: str | None) -> None:
    """Raise DomainError for an address, name or password a new account cannot have."""
    problem = email_problem(email)
    if problem:
        raise DomainError(problem, field="email")
    if not display_name.strip():
        raise DomainError(_("Enter your name."), field="display_name")
    if password is not None:
        problem = password_problem(password, email)
        if problem:
            raise DomainError(problem, field="password")


def create_user(
    email: str,
    display_name: str,
    password: str | None,
    roles: tuple[Role, ...] | list[Role],
    *,
    verified: bool = False,
    language: str | None = None,
) -> User:
    """Add a user to the session; raise Conflict when the address is taken (after flush).

    `language` (an offered one, else ignored) becomes the person's own language.
    """
    from careerlink.i18n import usable_language

    email = normalize_email(email)
    _check_new_user(email, display_name, password)
    if not roles:
        raise DomainError(_("A user needs at least one role."), field="roles")
    user = User(
        email=email,
        display_name=display_name.strip(),
        password_hash=hash_password(password) if password else None,
        email_verified_at=utcnow() if verified else None,
        locale=usable_language(language),
    )
    for role in roles:
        user.add_role(Role(role))
    db.session.add(user)
    try:
        # A savepoint keeps the caller's transaction usable when the address is taken.
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(str(TAKEN), field="email") from None
    return user


def sign_up(
    email: str, display_name: str, password: str, role: Role, language: str | None = None
) -> str:
    """Create an unverified account and email its link; return the address to check.

    The new account keeps `language` (the sign-up page's) as its own, so its emails, the
    first one included, are in the language the person signed up in.

    An address that already has an account gets the same answer and the same work (the
    password is hashed all the same), and its owner an email saying someone tried: the
    page never tells a stranger whether the address is known.
    """
    if Role(role) not in SIGNUP_ROLES:
        raise DomainError(_("Choose student or alumnus."), field="role")
    policy.check_signup_role(role)
    email = normalize_email(email)
    owner = find_user_by_email(email)
    if owner is None:
        # Two sign-ups racing for one new address: the database lets one win and the other
        # is told the address is taken (Conflict), which tells it only of the race it lost.
        user = create_user(email, display_name, password, [role], language=language)
        notifications.verify_email(user, signup=True)
        return user.email
    _check_new_user(email, display_name, password)  # the same refusals as a new address
    hash_password(password)  # the same work as a new account: no timing oracle
    notifications.signup_attempted(owner)
    return owner.email


def verify_email(token: str) -> User:
    """Mark the address in the token as verified; a second click is harmless."""
    user = user_for_verification(token)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    return user


def resend_verification(email: str) -> None:
    """Ask the worker to send a fresh verification link, if the address needs one.

    No look-up here: the request writes the same one row whether or not the account exists
    (the worker decides, in `_prepare_verification`), so neither its answer nor its timing
    tells a stranger anything.
    """
    notifications.verification_requested(normalize_email(email))


def _prepare_verification(row: OutboxMessage, payload: dict) -> bool:
    """Worker side of resend_verification: fill the row, or False when there is nothing to send."""
    user = find_user_by_email(payload.get("email") or "")
    if user is None or user.email_verified or not user.is_active:
        return False
    notifications.verify_email(user, signup=False, into=row)
    return True


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, or None; records the sign-in time."""
    user = find_user_by_email(email)
    if user is None:
        check_password(_dummy_hash(), password)  # same work either way: no timing oracle
        return None
    if not check_password(user.password_hash, password):
        return None
    if not user.is_active:
        raise DomainError(_("This account has been deactivated. Contact the career office."))
    user.mark_signed_in()
    return user


class SignedIn(NamedTuple):
    """Who signed in, and the key of their new session (for the browser's cookie only)."""

    user: User
    key: str


def sign_in(
    email: str, password: str, user_agent: str | None, ip_address: str | None
) -> SignedIn | None:
    """Check the credentials and start a server-side session; None when they do not match."""
    user = authenticate(email, password)
    if user is None:
        # The targeted account (when the address has one), never the address typed: a
        # stranger's mistyped address is not the log's to keep.
        record(AuditAction.SIGN_IN_FAILED, obj=find_user_by_email(email), detail="password")
        return None
    policy.check_password_sign_in(user)
    record(AuditAction.SIGN_IN, actor=user, obj=user, detail="password")
    return SignedIn(user, sessions.start_session(user, user_agent, ip_address))


def change_password(user: User, current: str, new: str, *, keep: UserSession | None = None) -> None:
    """Replace the password after checking the current one; ends every session but `keep`."""
    if not check_password(user.password_hash, current):
        raise DomainError(_("Your current password is not correct."), field="current_password")
    problem = password_problem(new, user.email)
    if problem:
        raise DomainError(problem, field="new_password")
    _set_password(user, new, sessions.EndReason.PASSWORD_CHANGED, keep=keep)
    record(AuditAction.PASSWORD_CHANGED, actor=user, obj=user)
    notifications.password_changed(user)


def _set_password(user: User, new: str, reason: str, keep: UserSession | None = None) -> None:
    user.password_hash = hash_password(new)
    # Whoever had the old password (or a copied cookie) is signed out everywhere but `keep`.
    sessions.end_sessions(user, reason, keep=keep)


def request_password_reset(email: str) -> None:
    """Ask the worker to send a reset link, if the address has an active account.

    Like resend_verification, the request does the same work for any address.
    """
    notifications.reset_requested(normalize_email(email))


def _prepare_reset(row: OutboxMessage, payload: dict) -> bool:
    """Worker side of request_password_reset: fill the row, or False when nothing is sent."""
    user = find_user_by_email(payload.get("email") or "")
    if user is None or not user.is_active:
        return False
    notifications.reset_password(user, into=row)
    return True


def reset_password(token: str, new: str) -> User:
    """Set a new password from a reset link; the link then stops working."""
    user = user_for_reset(token)
    problem = password_problem(new, user.email)
    if problem:
        raise DomainError(problem, field="password")
    _set_password(user, new, sessions.EndReason.PASSWORD_RESET)
    record(AuditAction.PASSWORD_RESET, actor=user, obj=user, detail="emailed link")
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()  # they proved they read this inbox
    notifications.password_changed(user)
    return user


def set_alumnus_verified(user: User, verified: bool, by: User) -> None:
    """Staff mark (or unmark) an alumnus as a verified graduate."""
    require(can_verify_alumnus(by), _("Only career-office staff can verify alumni."))
    if not user.has_role(Role.ALUMNUS):
        raise DomainError(_("This account is not an alumnus account."))
    user.alumnus_verified_at = utcnow() if verified else None
    user.alumnus_verified_by_id = by.id if verified else None
    record(AuditAction.ALUMNUS_VERIFIED, actor=by, obj=user, detail=f"verified={verified}")


def _unverified_alumni_query():
    return (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.ALUMNUS.value, User.alumnus_verified_at.is_(None))
    )


def unverified_alumni(limit: int = 200) -> list[User]:
    """Alumni accounts that staff have not yet confirmed as graduates, oldest first."""
    stmt = _unverified_alumni_query().order_by(User.created_at, User.id).limit(limit)
    return list(db.session.scalars(stmt))


def count_unverified_alumni() -> int:
    """How many alumni accounts wait for staff to confirm they graduated."""
    return db.session.scalar(
        select(func.count()).select_from(_unverified_alumni_query().subquery())
    )


# The worker prepares what forgot-password and resend-verification asked for.
register_deferred(notifications.RESET_REQUESTED, _prepare_reset)
register_deferred(notifications.VERIFICATION_REQUESTED, _prepare_verification)


def set_preferences(user: User, *, language: str | None, time_zone: str | None) -> None:
    """Keep the person's own language and time zone (None: let CareerLink choose)."""
    from careerlink.i18n import usable_language, usable_zone

    if language and not usable_language(language):
        raise DomainError(_("That language is not offered here."))
    if time_zone and usable_zone(time_zone) is None:
        raise DomainError(_("That time zone is not known. Pick one from the list."))
    user.locale = usable_language(language) if language else None
    user.time_zone = time_zone or None
    db.session.flush()
