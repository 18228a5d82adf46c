"""Roles, the role_required decorator and object-level can_* predicates."""

from __future__ import annotations

import enum
from functools import wraps
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from flask_login import current_user

from careerlink.errors import NotAllowed

if TYPE_CHECKING:
    from careerlink.accounts.models import User


class Role(enum.StrEnum):
    """The roles a user can hold; one user may hold several."""

    STUDENT = "student"
    ALUMNUS = "alumnus"
    STAFF = "staff"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        """The role's name for people, in the current language."""
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.STUDENT: _l("student"),
    Role.ALUMNUS: _l("alumnus"),
    Role.STAFF: _l("staff"),
    Role.ADMIN: _l("admin"),
}


STAFF_ROLES = (Role.STAFF, Role.ADMIN)


def role_required(*roles: Role):
    """Allow a view only to signed-in users holding one of the roles (admin implies staff)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from careerlink.extensions import login_manager

                return login_manager.unauthorized()
            if not current_user.has_any_role(*roles):
                raise NotAllowed()
            return view(*args, **kwargs)

        return wrapped

    return decorator


def require(allowed: bool, message: str | None = None) -> None:
    """Raise NotAllowed (403) unless `allowed`; services and views refuse the same way."""
    if not allowed:
        raise NotAllowed(message) if message else NotAllowed()


def is_staff(user: User | None) -> bool:
    """True for staff and admins."""
    return bool(user is not None and user.is_active and user.has_any_role(*STAFF_ROLES))


def can_view_user(actor: User | None, target: User) -> bool:
    """A user sees their own account; staff see everyone's."""
    return actor is not None and (actor.id == target.id or is_staff(actor))


def can_edit_user(actor: User | None, target: User) -> bool:
    """A user edits their own account; admins edit anyone's."""
    return actor is not None and (actor.id == target.id or actor.has_role(Role.ADMIN))


def can_verify_alumnus(actor: User | None) -> bool:
    """Only staff mark an alumnus as verified."""
    return is_staff(actor)


def can_manage_outbox(actor: User | None) -> bool:
    """Staff read the outbox and retry failed messages."""
    return is_staff(actor)
