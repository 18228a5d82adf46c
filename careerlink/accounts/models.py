"""The User table and the role table beside it."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from careerlink.extensions import db
from careerlink.models import TimestampMixin, UTCDateTime, utcnow
from careerlink.permissions import STAFF_ROLES, Role


class PersonRules(UserMixin):
    """What a person's roles and columns say, for `User` and for the signed-in person as pages
    read them (`accounts.signin.SignedInUser`): both have `roles` (a set of `Role`) and the
    user's columns."""

    def has_role(self, role: Role) -> bool:
        """True if the user holds this role."""
        return Role(role) in self.roles

    def has_any_role(self, *roles: Role) -> bool:
        """True if the user holds one of the roles; admins count as staff."""
        held = self.roles
        if Role.ADMIN in held:
            held = held | {Role.STAFF}
        return any(Role(r) in held for r in roles)

    @property
    def is_staff(self) -> bool:
        """Staff or admin."""
        return self.has_any_role(*STAFF_ROLES)

    @property
    def is_active(self) -> bool:  # Flask-Login reads this
        """Deactivated users cannot sign in."""
        return bool(self.active)

    @property
    def email_verified(self) -> bool:
        """The user has clicked the verification link."""
        return self.email_verified_at is not None

    @property
    def alumnus_verified(self) -> bool:
        """Staff confirmed this person graduated here."""
        return self.alumnus_verified_at is not None

    def get_id(self) -> str:
        """Flask-Login's identity; the cookie's session key (accounts.signin) is checked too."""
        return str(self.id)


class User(PersonRules, TimestampMixin, db.Model):
    """A person who can sign in: student, alumnus, staff or admin (or several)."""

    __tablename__ = "careerlink_users"
    __table_args__ = (
        # Emails are stored lower-cased; the check makes the unique constraint case-insensitive.
        CheckConstraint("email = lower(email)", name="email_lowercase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    display_name: Mapped[str] = mapped_column(String(120), nullable=False)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True, nullable=False)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    alumnus_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    alumnus_verified_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("careerlink_users.id", ondelete="SET NULL")
    )
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # FERPA directory hold: alumni see only what a relayed request needs (name and request).
    directory_hold: Mapped[bool] = mapped_column(
        default=False, server_default=false(), nullable=False
    )
    # When the person deleted the account (the row stays, anonymised, for the statistics).
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The person's own language (`fr`) and time zone (`Europe/Dublin`); None: chosen for them
    # (careerlink.i18n). A language or zone no longer offered is ignored, never an error.
    locale: Mapped[str | None] = mapped_column(String(16))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    # No longer read: sessions are rows of careerlink_sessions, ended on a password change.
    # Kept until a migration drops it.

    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> set[Role]:
        """The roles this user holds."""
        return {Role(r.role) for r in self.role_rows}

    def add_role(self, role: Role) -> None:
        """Grant a role (idempotent)."""
        if not self.has_role(role):
            self.role_rows.append(UserRole(role=Role(role).value))

    def remove_role(self, role: Role) -> None:
        """Take a role away (idempotent)."""
        self.role_rows = [r for r in self.role_rows if r.role != Role(role).value]

    def mark_signed_in(self) -> None:
        """Record the time of a successful sign-in."""
        self.last_sign_in_at = utcnow()

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class UserRole(db.Model):
    """One role held by one user."""

    __tablename__ = "careerlink_user_roles"
    __table_args__ = (
        CheckConstraint("role in ('student', 'alumnus', 'staff', 'admin')", name="role_known"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("careerlink_users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    # The campus sign-in provider whose role rules granted this role (re-checked at each of
    # its sign-ins, removed when no rule matches any more); NULL when an administrator, the
    # command line or sign-up granted it, which campus sign-in never takes away.
    sso_provider: Mapped[str | None] = mapped_column(String(40))

    user: Mapped[User] = relationship(back_populates="role_rows")

    @property
    def label(self) -> str:
        """The role's name for people, in the current language."""
        return Role(self.role).label


class Identity(db.Model):
    """A way to sign in through an identity provider (OpenID Connect or SAML) for one user.

    Unique on (provider, subject): one account per person at a provider. A person may have
    several identities, besides (or instead of) a local password.
    """

    __tablename__ = "careerlink_identities"
    __table_args__ = (
        UniqueConstraint("provider", "subject", name="uq_careerlink_identities_provider_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("careerlink_users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    provider: Mapped[str] = mapped_column(String(40), nullable=False)
    subject: Mapped[str] = mapped_column(String(255), nullable=False)
    # The address the provider gave at the last sign-in (shown to the person; never a key).
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Identity {self.id} {self.provider} user={self.user_id}>"


class UserSession(db.Model):
    """One signed-in browser: revocable on the server, with idle and absolute lifetimes.

    The cookie holds a random key; only its SHA-256 is stored, so reading this table does not
    let anyone act as the person.
    """

    __tablename__ = "careerlink_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("careerlink_users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    user_agent: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str | None] = mapped_column(String(30))

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<UserSession {self.id} user={self.user_id}>"


def normalize_email(email: str) -> str:
    """Trim and lower-case an address; the database stores only this form."""
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    """Look up a user by address, whatever its case."""
    return db.session.scalar(db.select(User).where(User.email == normalize_email(email)))


__all__ = ["Identity", "User", "UserRole", "UserSession", "normalize_email", "find_user_by_email"]
