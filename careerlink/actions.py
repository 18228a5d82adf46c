"""What every view does with a service call: commit it, or roll back and say why."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash

from careerlink.errors import DomainError
from careerlink.extensions import db


def show_error(form, error: DomainError) -> None:
    """Put a refusal next to its field (with a summary at the top), or flash it."""
    field = getattr(form, error.field, None) if (form is not None and error.field) else None
    if field is not None:
        field.errors = [*field.errors, error.message]
        # The field may be far down a long form: say at the top that something needs fixing.
        flash("Please correct the fields marked below.", "error")
    else:
        flash(error.message, "error")


def attempt(work: Callable[[], object], success: str | None = None, form=None) -> bool:
    """Run a service call and commit; on a DomainError roll back, show it and return False."""
    try:
        work()
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        show_error(form, err)
        return False
    if success:
        flash(success, "success")
    return True
