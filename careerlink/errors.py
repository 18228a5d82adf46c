"""Domain errors: a service refuses with one of these; one handler turns it into a page.

Each subclass carries the HTTP status it means, so the HTML pages, the JSON API and the CLI
answer a refusal the same way.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l


class Title:
    """A class-level title marked with `_l`, read as a plain string in the current language.

    A plain `str` (not a lazy string) is what the JSON API can serialise, so the error types'
    titles are translated when they are read, not when the module is imported.
    """

    def __init__(self, text):
        self.text = text

    def __get__(self, obj, owner=None) -> str:
        return str(self.text)


class DomainError(Exception):
    """A business rule refused an action; the message is safe to show to the user."""

    status_code = 422
    title = Title(_l("That cannot be done"))

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """The object does not exist, or the actor may not know that it does (404)."""

    status_code = 404
    title = Title(_l("Page not found"))

    def __init__(self, message: str | None = None):
        super().__init__(message or _("We could not find that page. Check the address."))


class NotAllowed(DomainError):
    """The acting user may not do this to that object (403)."""

    status_code = 403
    title = Title(_l("Not allowed"))

    def __init__(
        self,
        message: str | None = None,
        field: str | None = None,
    ):
        super().__init__(message or _("Your account does not have access to this page."), field)


class InvalidTransition(DomainError):
    """A state change was asked for from a state that does not allow it (409)."""

    status_code = 409
    title = Title(_l("Already changed"))


class Conflict(DomainError):
    """A uniqueness rule (enforced by the database) refused the change (409)."""

    status_code = 409
    title = Title(_l("Already exists"))


class InvalidToken(DomainError):
    """A signed link is tampered with, expired, or for another purpose (400).

    `link` names what the link was for ("verify", "reset", "request", "profile"), so that the
    one page for bad links can offer the right next step.
    """

    status_code = 400
    title = Title(_l("This link cannot be used"))

    def __init__(self, message: str, link: str | None = None):
        super().__init__(message)
        self.link = link
