"""What a provider said about a person, and the refusal that every bad sign-in becomes."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from careerlink.errors import DomainError, Title

log = logging.getLogger("careerlink.accounts.sso")

# Bounds on what a provider may hand us (the database columns, and a signed cookie's size).
MAX_SUBJECT = 255
MAX_EMAIL = 254
MAX_NAME = 120
MAX_VALUES = 1000
MAX_VALUE = 300


@dataclass(frozen=True)
class Assertion:
    """A person as one provider describes them at one sign-in (already validated).

    The email address is always one the provider says is verified: no other is accepted.
    """

    provider: str
    subject: str
    email: str
    name: str | None
    affiliations: tuple[str, ...] = ()
    entitlements: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """A plain form to keep in the signed session while the person proves an account."""
        return {key: list(v) if isinstance(v, tuple) else v for key, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict) -> Assertion:
        """Rebuild an assertion kept by `to_dict`."""
        values = dict(data)
        for key in ("affiliations", "entitlements", "groups"):
            values[key] = tuple(values.get(key) or ())
        return cls(**values)


class SignInRefused(DomainError):
    """A sign-in through a provider was refused: a whole page, and a log line with the reason.

    `reason` is a short code for the log (state_mismatch, invalid_id_token, ...); `detail`
    is what the library or the provider said, for the log only (never shown).
    """

    status_code = 400
    title = Title(_l("We could not sign you in"))

    def __init__(
        self,
        message: str,
        *,
        reason: str,
        provider: str | None = None,
        detail: str = "",
        status: int | None = None,
        title: str | None = None,
    ):
        super().__init__(message)
        self.reason = reason
        self.provider = provider
        self.detail = detail
        if status is not None:
            self.status_code = status
        if title is not None:
            self.title = title

    def log(self) -> None:
        """Write the one log line that says why (at warning level)."""
        log.warning(
            "campus sign-in refused: provider=%s reason=%s detail=%s",
            self.provider or "-",
            self.reason,
            (self.detail or "-")[:500],
        )


def values(raw) -> tuple[str, ...]:
    """A claim or attribute as a tuple of strings: lists kept, one string is one value."""
    if raw is None or raw == "":
        return ()
    items = raw if isinstance(raw, list | tuple) else [raw]
    cleaned = []
    for item in items[:MAX_VALUES]:
        text = str(item).strip()
        if text and len(text) <= MAX_VALUE and "\x00" not in text:
            cleaned.append(text)
    return tuple(cleaned)


def scope_of(value: str) -> str | None:
    """The scope (domain after the last @) of a scoped value, lower-cased; None if unscoped."""
    _, at, scope = value.rpartition("@")
    return scope.lower() if at else None


def check_scopes(
    provider: str, allowed: tuple[str, ...], subject: str, affiliations: tuple[str, ...]
) -> None:
    """Refuse a scoped subject or affiliation whose scope is not one of `allowed` (if any)."""
    if not allowed:
        return
    for value in (subject, *affiliations):
        scope = scope_of(value)
        if scope is not None and scope not in allowed:
            raise SignInRefused(
                _(
                    "Your identity provider vouched for a domain this site does not accept. "
                    "Sign in with your own campus account."
                ),
                reason="scope_not_allowed",
                provider=provider,
                detail=f"value {value!r}: scope {scope!r} not in {', '.join(allowed)}",
                status=403,
            )


def build(
    provider: str,
    *,
    subject,
    email,
    email_verified: bool,
    name,
    affiliations=(),
    entitlements=(),
    groups=(),
    allowed_domains: tuple[str, ...] = (),
) -> Assertion:
    """Check what a provider sent and make an Assertion, or refuse with the reason."""
    subject_text = str(subject).strip() if subject is not None else ""
    if not subject_text:
        raise SignInRefused(
            _("Your identity provider did not say who you are. Contact the career office."),
            reason="no_subject",
            provider=provider,
            status=502,
        )
    if len(subject_text) > MAX_SUBJECT or "\x00" in subject_text:
        raise SignInRefused(
            _("Your identity provider sent an identifier this site cannot use."),
            reason="subject_unusable",
            provider=provider,
            detail=f"{len(subject_text)} characters",
            status=502,
        )
    email_text = str(email).strip().lower() if email else ""
    if not email_text:
        raise SignInRefused(
            _(
                "Your identity provider did not share your email address, which this site needs. "
                "Allow it to share your address and try again."
            ),
            reason="no_email",
            provider=provider,
            status=403,
        )
    if len(email_text) > MAX_EMAIL or "@" not in email_text or "\x00" in email_text:
        raise SignInRefused(
            _("Your identity provider sent an email address this site cannot use."),
            reason="email_unusable",
            provider=provider,
            status=403,
        )
    if not email_verified:
        raise SignInRefused(
            _(
                "Your identity provider says your email address is not verified. Verify it with "
                "the provider first, then sign in again."
            ),
            reason="email_unverified",
            provider=provider,
            detail=email_text,
            status=403,
        )
    affiliation_values = values(affiliations)
    check_scopes(provider, allowed_domains, subject_text, affiliation_values)
    name_text = " ".join(str(name).split())[:MAX_NAME] if name else None
    return Assertion(
        provider=provider,
        subject=subject_text,
        email=email_text,
        name=name_text or None,
        affiliations=affiliation_values,
        entitlements=values(entitlements),
        groups=values(groups),
    )
