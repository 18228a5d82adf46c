"""Domain errors that views turn into clear messages (409 in the API)."""


class DomainError(Exception):
    """A business rule refused an action; the message is safe to show to the user."""

    status_code = 409

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidTransition(DomainError):
    """A state change was asked for from a state that does not allow it."""


class Conflict(DomainError):
    """A uniqueness rule (enforced by the database) refused the change."""


class InvalidToken(DomainError):
    """A signed link is tampered with, expired, or for another purpose."""

    status_code = 400
