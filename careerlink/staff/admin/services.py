"""Administration rules: industries (add, rename, merge, retire), people (roles, access) and
programme settings.

Services flush, never commit; each change is audited in the same unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified

from careerlink import programme
from careerlink.accounts import sessions
from careerlink.accounts.models import Identity, User, UserRole, UserSession
from careerlink.audit import AuditAction, record
from careerlink.connections.models import ConnectionRequest
from careerlink.errors import Conflict, DomainError, InvalidTransition, NotAllowed
from careerlink.extensions import db
from careerlink.i18n import SOURCE_LANGUAGE, offered_languages
from careerlink.mentors.models import (
    Industry,
    MentorProfile,
    StudentProfile,
    mentor_industries,
    student_industries,
)
from careerlink.mentors.text import words
from careerlink.models import utcnow
from careerlink.openings import services as openings_services
from careerlink.permissions import Role
from careerlink.programme.models import ProgrammeSetting
from careerlink.programme.settings import Setting

NAME_MAX = 120
SLUG_MAX = 60
ADMIN_ROLES = (Role.STAFF, Role.ADMIN)


def require_admin(actor: User | None) -> None:
    """NotAllowed unless the actor is an active administrator."""
    if actor is None or not actor.is_active or not actor.has_role(Role.ADMIN):
        raise NotAllowed(_("Only administrators can do this."))


# --- industries ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndustryRow:
    """An industry with how many mentor and student profiles name it."""

    industry: Industry
    mentors: int
    students: int


def industry_rows() -> list[IndustryRow]:
    """Every industry (active first, then by name) with its profile counts."""
    mentors = dict(
        db.session.execute(
            select(mentor_industries.c.industry_id, func.count()).group_by(
                mentor_industries.c.industry_id
            )
        ).all()
    )
    students = dict(
        db.session.execute(
            select(student_industries.c.industry_id, func.count()).group_by(
                student_industries.c.industry_id
            )
        ).all()
    )
    industries = db.session.scalars(
        select(Industry).order_by(Industry.active.desc(), Industry.name, Industry.id)
    )
    return [IndustryRow(i, mentors.get(i.id, 0), students.get(i.id, 0)) for i in industries]


MAX_ROW_ID = 2**31 - 1  # an id column's range: a larger number names no row


def get_industry(industry_id: int) -> Industry | None:
    """An industry by id, or None (for any number outside the id column's range too)."""
    if not 0 < industry_id <= MAX_ROW_ID:
        return None
    return db.session.get(Industry, industry_id)


def _clean_name(name: str | None, exclude: Industry | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_("Write the industry's name."), field="name")
    if len(name) > NAME_MAX:
        raise DomainError(_("Keep the name under %(num)d characters.", num=NAME_MAX), field="name")
    same = select(Industry).where(func.lower(Industry.name) == name.lower())
    if exclude is not None:
        same = same.where(Industry.id != exclude.id)
    if db.session.scalar(same) is not None:
        raise Conflict(
            _("There is already an industry called “%(name)s”.", name=name), field="name"
        )
    return name


def slug_for(name: str) -> str:
    """The URL name of an industry: its folded words joined by hyphens."""
    return "-".join(words(name))[:SLUG_MAX].strip("-")


def add_industry(actor: User, name: str) -> Industry:
    """A new active industry; its slug (used in links) comes from its name and never changes."""
    require_admin(actor)
    name = _clean_name(name)
    slug = slug_for(name)
    if not slug:
        raise DomainError(_("The name needs letters or digits."), field="name")
    industry = Industry(slug=slug, name=name, active=True)
    db.session.add(industry)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(
            _(
                "An industry with the address name “%(slug)s” exists; choose another name.",
                slug=slug,
            ),
            field="name",
        ) from None
    record(AuditAction.INDUSTRY_ADDED, actor=actor, obj=industry, detail=name)
    return industry


def _reindex_profiles_of(industry: Industry) -> None:
    """Make the directory rebuild the search text of every profile in the industry."""
    profiles = db.session.scalars(
        select(MentorProfile)
        .join(mentor_industries, mentor_industries.c.profile_id == MentorProfile.id)
        .where(mentor_industries.c.industry_id == industry.id)
    )
    for profile in profiles:
        flag_modified(profile, "search_document")


def rename_industry(actor: User, industry: Industry, name: str) -> Industry:
    """Change the name people read; the slug stays, so links keep working."""
    require_admin(actor)
    old = industry.name
    name = _clean_name(name, exclude=industry)
    if name == old:
        raise DomainError(_("That is already its name."), field="name")
    industry.name = name
    _reindex_profiles_of(industry)  # the industry's name is part of each profile's search text
    record(AuditAction.INDUSTRY_RENAMED, actor=actor, obj=industry, detail=f"{old} → {name}")
    return industry


def translate_industry(actor: User, industry: Industry, names: dict[str, str]) -> Industry:
    """Store the industry's name in other languages ({"fr": "Santé"}); an empty name removes it.

    Only offered languages other than English (the source language of `name`) are accepted.
    Like a rename, the profiles naming the industry are reindexed and the directory's caches
    move on (the industry is part of what the directory shows).
    """
    require_admin(actor)
    languages = translatable_languages()
    stored = dict(industry.translations or {})
    changes = []
    for language, raw in sorted(names.items()):
        if language not in languages:
            raise DomainError(
                _("%(language)s is not a language this site offers.", language=language)
            )
        value = " ".join((raw or "").split())
        if len(value) > NAME_MAX:
            raise DomainError(
                _("Keep the name under %(num)d characters.", num=NAME_MAX),
                field=f"name_{language}",
            )
        if value == stored.get(language, ""):
            continue
        if value:
            stored[language] = value
            changes.append(f"{language}: {value}")
        else:
            del stored[language]
            changes.append(f"{language}: removed")
    if not changes:
        raise DomainError(_("Those are already its names."))
    # A new dict (not the same one changed in place), so that the change is flushed.
    industry.translations = stored or None
    _reindex_profiles_of(industry)
    record(
        AuditAction.INDUSTRY_TRANSLATED,
        actor=actor,
        obj=industry,
        detail=f"{industry.name}: {'; '.join(changes)}",
    )
    return industry


def translatable_languages() -> list[str]:
    """The offered languages an industry's name can be given in (all but English)."""
    return [code for code in offered_languages() if code != SOURCE_LANGUAGE]


def set_industry_active(actor: User, industry: Industry, active: bool) -> Industry:
    """Retire an industry (hidden from forms and filters; profiles keep it) or bring it back."""
    require_admin(actor)
    if industry.active == active:
        if active:
            raise InvalidTransition(_("“%(name)s” is already in use.", name=industry.label))
        raise InvalidTransition(_("“%(name)s” is already retired.", name=industry.label))
    industry.active = active
    action = AuditAction.INDUSTRY_REACTIVATED if active else AuditAction.INDUSTRY_RETIRED
    record(action, actor=actor, obj=industry, detail=industry.name)
    return industry


def merge_industries(actor: User, source: Industry, target: Industry) -> int:
    """Move every profile of `source` to `target`, then delete `source`; how many moved.

    A profile that had both keeps `target` once. The requests made under `source` move to
    `target` too, so the reports count the merged industry's history under `target`.
    """
    require_admin(actor)
    if source.id == target.id:
        raise DomainError(_("Choose two different industries to merge."), field="target")
    if not target.active:
        raise DomainError(
            _(
                "“%(name)s” is retired; bring it back before merging into it.",
                name=target.label,
            ),
            field="target",
        )
    moved = 0
    for model, table in (
        (MentorProfile, mentor_industries),
        (StudentProfile, student_industries),
    ):
        profiles = db.session.scalars(
            select(model)
            .join(table, table.c.profile_id == model.id)
            .where(table.c.industry_id == source.id)
            .options(selectinload(model.industries))
        )
        for profile in profiles:
            # Through the relationship, so the directory's index sees each change.
            kept = [i for i in profile.industries if i.id != source.id]
            if all(i.id != target.id for i in kept):
                kept.append(target)
            profile.industries = sorted(kept, key=lambda i: i.name)
            moved += 1
    openings_services.move_industry(source, target)
    db.session.execute(
        update(ConnectionRequest)
        .where(ConnectionRequest.industry_id == source.id)
        .values(industry_id=target.id)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    detail = f"{source.name} ({source.slug}) → {target.name}: {moved} profiles"
    record(AuditAction.INDUSTRY_MERGED, actor=actor, obj=target, detail=detail)
    db.session.delete(source)
    db.session.flush()
    return moved


# --- people -------------------------------------------------------------------------------------

SEARCH_MAX = 100


def people_query(text: str = "", role: str = ""):
    """People whose name or email contains `text`, holding `role` when given, by name."""
    text = (text or "").strip()
    if len(text) > SEARCH_MAX:
        raise DomainError(_("Search with at most %(num)d characters.", num=SEARCH_MAX), field="q")
    stmt = select(User)
    if text:
        pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern += "%"
        stmt = stmt.where(
            or_(
                func.lower(User.display_name).like(pattern, escape="\\"),
                User.email.like(pattern, escape="\\"),
            )
        )
    if role:
        if role not in {r.value for r in Role}:
            raise DomainError(_("Choose a role from the list."), field="role")
        stmt = stmt.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    return stmt.order_by(func.lower(User.display_name), User.id)


@dataclass(frozen=True)
class SignInMethods:
    """How a person signs in, for an administrator's eyes (never a secret)."""

    password: bool
    providers: list[str]
    live_sessions: int
    last_sign_in_at: datetime | None


def sign_in_methods(user: User) -> SignInMethods:
    """A local password or not, the campus providers linked, live sessions, the last sign-in."""
    providers = list(
        db.session.scalars(
            select(Identity.provider).where(Identity.user_id == user.id).order_by(Identity.provider)
        )
    )
    now = utcnow()
    live = sum(
        sessions.is_live(row, now)
        for row in db.session.scalars(
            select(UserSession).where(
                UserSession.user_id == user.id, UserSession.ended_at.is_(None)
            )
        )
    )
    return SignInMethods(user.password_hash is not None, providers, live, user.last_sign_in_at)


def _active_admin_ids(lock: bool) -> list[int]:
    stmt = (
        select(UserRole.user_id)
        .join(User, User.id == UserRole.user_id)
        .where(UserRole.role == Role.ADMIN.value, User.active.is_(True))
    )
    if lock:
        # Two administrators demoting each other at once: the second waits, then counts one.
        stmt = stmt.with_for_update(of=UserRole)
    return list(db.session.scalars(stmt))


def _check_not_last_admin(user: User) -> None:
    admins = _active_admin_ids(lock=db.engine.dialect.name == "postgresql")
    if admins == [user.id]:
        raise DomainError(
            _(
                "%(name)s is the last administrator; make someone else an administrator first.",
                name=user.display_name,
            )
        )


def _check_admin_role(role: str) -> Role:
    try:
        role = Role(role)
    except ValueError:
        raise DomainError(_("Choose staff or admin."), field="role") from None
    if role not in ADMIN_ROLES:
        raise DomainError(_("Choose staff or admin."), field="role")
    return role


def grant_role(actor: User, user: User, role: str) -> None:
    """Give a person the staff or admin role."""
    require_admin(actor)
    role = _check_admin_role(role)
    if user.has_role(role):
        if role == Role.ADMIN:
            raise InvalidTransition(_("%(name)s is already admin.", name=user.display_name))
        raise InvalidTransition(_("%(name)s is already staff.", name=user.display_name))
    user.add_role(role)
    db.session.flush()
    record(AuditAction.ROLE_GRANTED, actor=actor, obj=user, detail=f"{role}; by an administrator")


def revoke_role(actor: User, user: User, role: str) -> None:
    """Take the staff or admin role away; the last active administrator keeps theirs."""
    require_admin(actor)
    role = _check_admin_role(role)
    if not user.has_role(role):
        if role == Role.ADMIN:
            raise InvalidTransition(_("%(name)s is not admin.", name=user.display_name))
        raise InvalidTransition(_("%(name)s is not staff.", name=user.display_name))
    if role == Role.ADMIN:
        _check_not_last_admin(user)
    user.remove_role(role)
    db.session.flush()
    record(AuditAction.ROLE_REVOKED, actor=actor, obj=user, detail=f"{role}; by an administrator")


def set_person_active(actor: User, user: User, active: bool) -> int:
    """Deactivate (signed out everywhere, cannot sign in) or reactivate; sessions ended."""
    require_admin(actor)
    if user.active == active:
        if active:
            raise InvalidTransition(_("%(name)s is already active.", name=user.display_name))
        raise InvalidTransition(_("%(name)s is already deactivated.", name=user.display_name))
    ended = 0
    if not active:
        if user.id == actor.id:
            raise DomainError(_("You cannot deactivate your own account."))
        if user.has_role(Role.ADMIN):
            _check_not_last_admin(user)
        ended = sessions.end_sessions(user, sessions.EndReason.DEACTIVATED)
    user.active = active
    action = AuditAction.ACCOUNT_REACTIVATED if active else AuditAction.ACCOUNT_DEACTIVATED
    record(action, actor=actor, obj=user, detail=f"{ended} sessions ended" if not active else "")
    return ended


# --- programme settings -------------------------------------------------------------------------


@dataclass(frozen=True)
class SettingState:
    """A setting as the settings page shows it: the value in force and where it comes from."""

    setting: Setting
    value: object
    default: object
    overridden: bool


def setting_states() -> list[SettingState]:
    """Every programme setting with its value in force, its environment default and origin.

    A text CareerLink ships is given in the reader's language (`programme.readable`); saved
    unchanged, it is read back as the shipped text (see `Setting.parse`).
    """
    return [
        SettingState(s, programme.readable(name), s.default(), programme.is_overridden(name))
        for name, s in programme.SETTINGS.items()
    ]


def _shown(value: object) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= 60 else text[:57] + "..."


def update_settings(actor: User, data: dict[str, str]) -> list[str]:
    """Check every value given, then store those that differ; the names changed.

    A value equal to the environment's removes the stored one, so that the environment applies
    again (and a later change of the environment too).
    """
    require_admin(actor)
    parsed = {name: s.parse(data[name]) for name, s in programme.SETTINGS.items() if name in data}
    remind = parsed.get(
        "CAREERLINK_PROFILE_REMIND_AFTER_DAYS",
        programme.value("CAREERLINK_PROFILE_REMIND_AFTER_DAYS"),
    )
    unlist = parsed.get(
        "CAREERLINK_PROFILE_UNLIST_AFTER_DAYS",
        programme.value("CAREERLINK_PROFILE_UNLIST_AFTER_DAYS"),
    )
    if unlist <= remind:
        raise DomainError(
            _("Profile unlisting must come after the profile reminder."),
            field="CAREERLINK_PROFILE_UNLIST_AFTER_DAYS",
        )
    changed = []
    for name, new in parsed.items():
        setting = programme.SETTINGS[name]
        old = programme.value(name)
        if new == old:
            continue
        row = db.session.get(ProgrammeSetting, name)
        if new == setting.default():
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(ProgrammeSetting(name=name, value=str(new), updated_by_id=actor.id))
        else:
            row.value, row.updated_by_id, row.updated_at = str(new), actor.id, utcnow()
        record(
            AuditAction.SETTING_CHANGED,
            actor=actor,
            object_type="setting",
            object_id=name,
            detail=f"{_shown(old)} → {_shown(new)}",
        )
        changed.append(name)
    db.session.flush()
    programme.forget_cache()
    return changed
