"""What a view does with a service call: one unit of work, committed or shown as refused."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import flash, request
from flask_babel import gettext as _

from careerlink.database import transaction
from careerlink.errors import DomainError, NotFound

T = TypeVar("T")


@dataclass
class Outcome:
    """The result of `perform`: the service's return value, or the error that refused it."""

    value: Any = None
    error: DomainError | None = None

    @property
    def ok(self) -> bool:
        """The work was committed."""
        return self.error is None

    def __bool__(self) -> bool:
        return self.ok


def show_error(form, error: DomainError, category: str = "error") -> None:
    """Put a refusal next to its field (with a summary at the top), or flash it."""
    field = getattr(form, error.field, None) if (form is not None and error.field) else None
    if field is not None:
        field.errors = [*field.errors, error.message]
        # The field may be far down a long form: say at the top that something needs fixing.
        flash(_("Please correct the fields marked below."), category)
    else:
        flash(error.message, category)


def perform(
    work: Callable[[], object],
    success: str | None = None,
    form=None,
    *,
    quiet: tuple[type[DomainError], ...] = (),
    propagate: tuple[type[DomainError], ...] = (),
) -> Outcome:
    """Run a service call as the request's unit of work and commit it.

    On a DomainError the work is rolled back and the refusal is shown (beside its form field,
    or flashed); errors of a type in `quiet` are flashed as information rather than as an
    error (e.g. a request someone else answered a moment ago). Errors of a type in
    `propagate` are rolled back and re-raised, for the app-level handler to answer with a whole
    page (e.g. InvalidToken: the bad-link page). On success, `success` is flashed. The caller
    looks at the returned Outcome; it never catches DomainError itself.
    """
    try:
        with transaction():
            value = work()
    except DomainError as err:
        if isinstance(err, propagate):
            raise
        show_error(form, err, "info" if isinstance(err, quiet) else "error")
        return Outcome(error=err)
    if success:
        flash(success, "success")
    return Outcome(value=value)


def found(obj: T | None) -> T:
    """The object, or a 404 when it does not exist."""
    if obj is None:
        raise NotFound()
    return obj


def local_referrer(default: str) -> str:
    """The page the form was sent from, when it is ours; else `default` (never another site)."""
    referrer = request.referrer or ""
    parts = urlsplit(referrer)
    if not referrer or parts.scheme not in ("http", "https") or parts.netloc != request.host:
        return default
    path = parts.path or "/"
    if not path.startswith(request.script_root + "/") or path.startswith("//") or "\\" in path:
        return default
    return path + (f"?{parts.query}" if parts.query else "")
