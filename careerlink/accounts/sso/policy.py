"""Local password policy per role: who may sign in, and sign up, with a password.

CAREERLINK_LOCAL_SIGNIN_ROLES lists the roles that may use a password: an account holding any
other role (say staff, when staff must use campus sign-in) cannot. CAREERLINK_LOCAL_SIGNUP_ROLES
lists the roles one may sign up for with a password (student, alumnus, both or none).
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from careerlink.accounts.models import User
from careerlink.errors import NotAllowed
from careerlink.permissions import Role


def local_signin_roles() -> frozenset[Role]:
    """The roles that may sign in with a password."""
    return frozenset(Role(r) for r in current_app.config["CAREERLINK_LOCAL_SIGNIN_ROLES"])


def local_signup_roles() -> tuple[Role, ...]:
    """The roles one may sign up for with a password, in the configured order."""
    return tuple(Role(r) for r in current_app.config["CAREERLINK_LOCAL_SIGNUP_ROLES"])


def local_signin_enabled() -> bool:
    """Whether the password form is offered at all."""
    return bool(local_signin_roles())


def may_use_password(user: User) -> bool:
    """Whether this account may sign in with a password (every role it holds allows it)."""
    allowed = local_signin_roles()
    return bool(allowed) and all(role in allowed for role in user.roles)


def check_password_sign_in(user: User) -> None:
    """Refuse a password sign-in (after the password matched) that the policy does not allow."""
    if not may_use_password(user):
        refused = sorted(r for r in user.roles if r not in local_signin_roles())
        raise NotAllowed(
            ngettext(
                "Accounts with the %(roles)s role sign in with campus sign-in, not with a "
                "password. Use the campus sign-in button.",
                "Accounts with the roles %(roles)s sign in with campus sign-in, not with a "
                "password. Use the campus sign-in button.",
                len(refused),
                roles=", ".join(r.label for r in refused),
            )
        )


def check_signup_role(role: Role) -> None:
    """Refuse a password sign-up for a role the policy keeps to campus sign-in."""
    if Role(role) not in local_signup_roles():
        if Role(role) == Role.ALUMNUS:
            message = _(
                "You cannot create an alumnus account with a password here; use campus sign-in."
            )
        else:
            message = _(
                "You cannot create a student account with a password here; use campus sign-in."
            )
        raise NotAllowed(message, field="role")
