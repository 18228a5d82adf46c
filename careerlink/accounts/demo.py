"""Demo accounts for `make run`: a staff user, an admin, students and alumni."""

from __future__ import annotations

from flask_babel import gettext as _

from careerlink.accounts.models import find_user_by_email
from careerlink.accounts.services import create_user
from careerlink.models import utcnow
from careerlink.permissions import Role

DEMO_USERS = [
    ("staff@demo.careerlink.test", "Sam Staff", [Role.STAFF]),
    ("admin@demo.careerlink.test", "Ada Admin", [Role.ADMIN, Role.STAFF]),
    ("student@demo.careerlink.test", "Stella Student", [Role.STUDENT]),
    ("graduate@demo.careerlink.test", "Grace Graduate", [Role.STUDENT]),
    ("alumna@demo.careerlink.test", "Alma Alumna", [Role.ALUMNUS]),
    ("alumnus@demo.careerlink.test", "Al Alumnus", [Role.ALUMNUS]),
]


def load_account_demo(password: str) -> list[str]:
    """Add the demo accounts that are missing (no commit); return the sign-in lines to print."""
    lines = [_("Demo sign-ins (password for all: %(password)s):", password=password)]
    for email, name, roles in DEMO_USERS:
        user = find_user_by_email(email)
        if user is None:
            user = create_user(email, name, password, roles, verified=True)
            if Role.ALUMNUS in roles:
                user.alumnus_verified_at = utcnow()
        lines.append(f"  {', '.join(r.value for r in roles):<14} {email}")
    return lines
