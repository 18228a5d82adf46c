"""Role rules: from affiliation, entitlement or group values to roles, at every sign-in.

A role granted by a provider's rules is recorded with that provider (UserRole.sso_provider)
and taken away at a later sign-in through the same provider when no rule grants it any more.
Roles granted otherwise (an administrator, the command line, sign-up) are never touched here.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import NamedTuple

from careerlink.accounts.models import User, UserRole
from careerlink.accounts.sso.assertion import Assertion
from careerlink.accounts.sso.settings import Rule
from careerlink.models import utcnow
from careerlink.permissions import Role

log = logging.getLogger("careerlink.accounts.sso")


def _unscoped(value: str) -> str:
    return value.rpartition("@")[0] if "@" in value else value


def matches(rule: Rule, assertion: Assertion) -> bool:
    """Whether the person the assertion describes is one the rule speaks of (case-insensitive).

    `affiliation:student` matches `student` and `student@<any allowed scope>`;
    `affiliation:student@example.edu` matches only that scoped value.
    """
    wanted = rule.value.casefold()
    if rule.kind == "any":
        return True
    if rule.kind == "affiliation":
        if "@" in wanted:
            return any(v.casefold() == wanted for v in assertion.affiliations)
        return any(_unscoped(v).casefold() == wanted for v in assertion.affiliations)
    if rule.kind == "entitlement":
        return any(v.casefold() == wanted for v in assertion.entitlements)
    if rule.kind == "group":
        return any(v.casefold() == wanted for v in assertion.groups)
    return False


def granted_roles(assertion: Assertion, rules: tuple[Rule, ...]) -> dict[Role, Rule]:
    """The roles the rules grant this person, each with the first rule that granted it."""
    granted: dict[Role, Rule] = {}
    for rule in rules:
        if rule.role not in granted and matches(rule, assertion):
            granted[rule.role] = rule
    return granted


def relevant_to(assertion: Assertion, rules: tuple[Rule, ...]) -> Assertion:
    """The assertion with only the affiliation, entitlement and group values a rule matches."""

    def keep(kind: str, found: tuple[str, ...]) -> tuple[str, ...]:
        wanted = [r for r in rules if r.kind == kind]
        return tuple(
            v
            for v in found
            if any(matches(r, replace(_EMPTY, **{_FIELD[kind]: (v,)})) for r in wanted)
        )

    return replace(
        assertion,
        affiliations=keep("affiliation", assertion.affiliations),
        entitlements=keep("entitlement", assertion.entitlements),
        groups=keep("group", assertion.groups),
    )


_FIELD = {"affiliation": "affiliations", "entitlement": "entitlements", "group": "groups"}
_EMPTY = Assertion(provider="", subject="", email="", name=None)


class RoleChanges(NamedTuple):
    """What a sign-in changed in a person's roles."""

    added: tuple[Role, ...]
    removed: tuple[Role, ...]


def sync_roles(user: User, provider: str, granted: dict[Role, Rule]) -> RoleChanges:
    """Give the granted roles (recorded as the provider's), take away the provider's others.

    An alumnus role from a rule about the person's own values (not `any`) comes from the
    campus directory, so the account is marked a verified graduate as well.
    """
    removed = tuple(
        Role(row.role)
        for row in user.role_rows
        if row.sso_provider == provider and Role(row.role) not in granted
    )
    if removed:
        user.role_rows = [r for r in user.role_rows if Role(r.role) not in removed]
    added = []
    for role in granted:
        if not user.has_role(role):
            user.role_rows.append(UserRole(role=role.value, sso_provider=provider))
            added.append(role)
    alumnus_rule = granted.get(Role.ALUMNUS)
    if alumnus_rule is not None and alumnus_rule.kind != "any" and not user.alumnus_verified:
        user.alumnus_verified_at = utcnow()
    if added or removed:
        log.info(
            "campus sign-in changed roles: user=%s provider=%s added=%s removed=%s",
            user.id,
            provider,
            ",".join(r.value for r in added) or "-",
            ",".join(r.value for r in removed) or "-",
        )
    return RoleChanges(tuple(added), removed)


def drop_staff_roles(user: User, provider: str) -> tuple[Role, ...]:
    """Take away the staff and admin roles a provider granted (when it is unlinked)."""
    dropped = tuple(
        Role(row.role)
        for row in user.role_rows
        if row.sso_provider == provider and Role(row.role) in (Role.STAFF, Role.ADMIN)
    )
    if dropped:
        user.role_rows = [r for r in user.role_rows if Role(r.role) not in dropped]
    return dropped
