"""Account rules: sign-up, verification, sign-in, passwords. No request or current_user here."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from careerlink.accounts.models import User, find_user_by_email, normalize_email
from careerlink.accounts.passwords import check_password, hash_password, password_problem
from careerlink.errors import Conflict, DomainError, InvalidToken
from careerlink.extensions import db
from careerlink.mail import enqueue
from careerlink.models import utcnow
from careerlink.permissions import Role
from careerlink.tokens import make_token, read_token
from careerlink.urls import absolute_url

SIGNUP_ROLES = (Role.STUDENT, Role.ALUMNUS)
_dummy: dict[str, str] = {}


def _dummy_hash() -> str:
    if "hash" not in _dummy:
        _dummy["hash"] = hash_password("careerlink-timing-equaliser")
    return _dummy["hash"]


VERIFY = "verify-email"
RESET = "reset-password"


def _fingerprint(user: User) -> str:
    # Changes when the password changes, so a reset link works once.
    return (user.password_hash or "")[-12:]


def verification_link(user: User) -> str:
    """An absolute, signed link that verifies this user's current address."""
    token = make_token(VERIFY, {"uid": user.id, "email": user.email})
    return absolute_url("accounts.verify_email", token=token)


def reset_link(user: User) -> str:
    """An absolute, signed, single-use link to choose a new password."""
    token = make_token(RESET, {"uid": user.id, "fp": _fingerprint(user)})
    return absolute_url("accounts.reset_password", token=token)


def create_user(
    email: str,
    display_name: str,
    password: str | None,
    roles: tuple[Role, ...] | list[Role],
    *,
    verified: bool = False,
) -> User:
    """Add a user to the session; raise Conflict when the address is taken (after flush)."""
    email = normalize_email(email)
    if not email or "@" not in email:
        raise DomainError("Enter a valid email address.", field="email")
    if not display_name.strip():
        raise DomainError("Enter your name.", field="display_name")
    if password is not None:
        problem = password_problem(password, email)
        if problem:
            raise DomainError(problem, field="password")
    if not roles:
        raise DomainError("A user needs at least one role.", field="roles")
    user = User(
        email=email,
        display_name=display_name.strip(),
        password_hash=hash_password(password) if password else None,
        email_verified_at=utcnow() if verified else None,
    )
    for role in roles:
        user.add_role(Role(role))
    db.session.add(user)
    try:
        # A savepoint keeps the caller's transaction usable when the address is taken.
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(
            "An account with this email address already exists. Sign in, or reset your password.",
            field="email",
        ) from None
    return user


def sign_up(email: str, display_name: str, password: str, role: Role) -> User:
    """Create an unverified student or alumnus account and queue the verification email."""
    if Role(role) not in SIGNUP_ROLES:
        raise DomainError("Choose student or alumnus.", field="role")
    if find_user_by_email(email) is not None:
        raise Conflict(
            "An account with this email address already exists. Sign in, or reset your password.",
            field="email",
        )
    user = create_user(email, display_name, password, [role])
    enqueue(
        "verify_email",
        "user",
        user.email,
        {"user": user, "link": verification_link(user), "signup": True},
    )
    db.session.commit()
    return user


def verify_email(token: str) -> User:
    """Mark the address in the token as verified; a second click is harmless."""
    data = read_token(VERIFY, token)
    user = db.session.get(User, data.get("uid"))
    if user is None or user.email != data.get("email"):
        raise InvalidToken("This verification link is for an address that is no longer in use.")
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        db.session.commit()
    return user


def resend_verification(email: str) -> None:
    """Queue a fresh verification email if the address belongs to an unverified account."""
    user = find_user_by_email(email)
    if user is None or user.email_verified or not user.is_active:
        return  # same answer either way: no account enumeration
    enqueue(
        "verify_email",
        "user",
        user.email,
        {"user": user, "link": verification_link(user), "signup": False},
    )
    db.session.commit()


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, or None; records the sign-in time."""
    user = find_user_by_email(email)
    if user is None:
        check_password(_dummy_hash(), password)  # same work either way: no timing oracle
        return None
    if not check_password(user.password_hash, password):
        return None
    if not user.is_active:
        raise DomainError("This account has been deactivated. Contact the career office.")
    user.mark_signed_in()
    db.session.commit()
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Replace the password after checking the current one."""
    if not check_password(user.password_hash, current):
        raise DomainError("Your current password is not correct.", field="current_password")
    problem = password_problem(new, user.email)
    if problem:
        raise DomainError(problem, field="new_password")
    _set_password(user, new)
    enqueue("password_changed", "user", user.email, {"user": user})
    db.session.commit()


def _set_password(user: User, new: str) -> None:
    user.password_hash = hash_password(new)
    user.session_version += 1


def request_password_reset(email: str) -> None:
    """Queue a reset email if the address has an account; the caller says the same either way."""
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return
    enqueue("reset_password", "user", user.email, {"user": user, "link": reset_link(user)})
    db.session.commit()


def user_for_reset(token: str) -> User:
    """The user a reset token belongs to, if it is still unused and unexpired."""
    data = read_token(RESET, token, max_age_seconds=2 * 3600)
    user = db.session.get(User, data.get("uid"))
    if user is None or not user.is_active or data.get("fp") != _fingerprint(user):
        raise InvalidToken("This reset link has already been used or is no longer valid.")
    return user


def reset_password(token: str, new: str) -> User:
    """Set a new password from a reset link; the link then stops working."""
    user = user_for_reset(token)
    problem = password_problem(new, user.email)
    if problem:
        raise DomainError(problem, field="password")
    _set_password(user, new)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()  # they proved they read this inbox
    enqueue("password_changed", "user", user.email, {"user": user})
    db.session.commit()
    return user


def set_alumnus_verified(user: User, verified: bool, by: User) -> None:
    """Staff mark (or unmark) an alumnus as a verified graduate."""
    if not by.is_staff:
        raise DomainError("Only career-office staff can verify alumni.")
    if not user.has_role(Role.ALUMNUS):
        raise DomainError("This account is not an alumnus account.")
    user.alumnus_verified_at = utcnow() if verified else None
    user.alumnus_verified_by_id = by.id if verified else None
    db.session.commit()


def load_session_user(session_id: str) -> User | None:
    """Resolve Flask-Login's "id:version" string; an old version means signed out."""
    try:
        uid, version = (int(x) for x in session_id.split(":", 1))
    except (ValueError, AttributeError):
        return None
    user = db.session.get(User, uid)
    if user is None or user.session_version != version or not user.is_active:
        return None
    return user
