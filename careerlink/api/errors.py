"""The API's refusals as application/problem+json (RFC 9457), each field named.

Services refuse with the DomainError subclasses of careerlink.errors; the API adds the two
kinds only it meets: no or a bad credential (401) and input it cannot read (400, 415, 422 with
every invalid field). One handler on the API blueprint answers them all, and the HTTP errors
Werkzeug raises (404 route, 405, 429...), with the same body.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Response, current_app, json
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from careerlink.database import rollback
from careerlink.errors import DomainError, InvalidToken
from careerlink.web.request_log import request_id

PROBLEM_JSON = "application/problem+json"


class Unauthorized(DomainError):
    """No credential, or one that does not work (revoked, expired, unknown): 401."""

    status_code = 401
    title = _l("Authentication needed")

    def __init__(self, message: str, error: str = "invalid_token"):
        super().__init__(message)
        self.error = error


class BadInput(DomainError):
    """The request cannot be read at all (malformed JSON, a body where none fits): 400."""

    status_code = 400
    title = _l("Bad request")


class UnsupportedMediaType(DomainError):
    """A body that is not JSON: 415."""

    status_code = 415
    title = _l("Unsupported media type")


class InvalidInput(DomainError):
    """Fields of the request are missing, of the wrong type or out of range: 422."""

    status_code = 422
    title = _l("Invalid input")

    def __init__(self, problems: list[tuple[str, str]]):
        names = ", ".join(field for field, _message in problems[:5])
        super().__init__(
            _("Check these fields: %(names)s.", names=names)
            if names
            else _("The input is invalid.")
        )
        self.problems = problems


# The shared errors' titles (careerlink/errors.py), as the API answers them in each language.
DOMAIN_TITLES = {
    "That cannot be done": _l("That cannot be done"),
    "Page not found": _l("Page not found"),
    "Not allowed": _l("Not allowed"),
    "Already changed": _l("Already changed"),
    "Already exists": _l("Already exists"),
    "This link cannot be used": _l("This link cannot be used"),
}
# Werkzeug's names of the HTTP errors the API meets, translated (the status code is the contract).
HTTP_TITLES = {
    400: _l("Bad Request"),
    401: _l("Unauthorized"),
    403: _l("Forbidden"),
    404: _l("Not Found"),
    405: _l("Method Not Allowed"),
    413: _l("Request Entity Too Large"),
    415: _l("Unsupported Media Type"),
    422: _l("Unprocessable Entity"),
    429: _l("Too Many Requests"),
    500: _l("Internal Server Error"),
}


def _domain_title(err: DomainError) -> str:
    """The refusal's title in the request's language (translated already when it is lazy)."""
    title = err.title
    return str(DOMAIN_TITLES.get(title, title)) if isinstance(title, str) else str(title)


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    errors: Iterable[tuple[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A problem+json response."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    body["request_id"] = request_id()
    if errors is not None:
        body["errors"] = [{"field": field, "message": message} for field, message in errors]
    response = current_app.response_class(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def domain_problem(err: DomainError) -> Response:
    """A refusal as problem+json; the unit of work is rolled back first."""
    rollback()
    errors = None
    headers = {}
    if isinstance(err, InvalidInput):
        errors = err.problems
    elif err.field:
        errors = [(err.field, err.message)]
    if isinstance(err, Unauthorized):
        headers["WWW-Authenticate"] = f'Bearer realm="CareerLink", error="{err.error}"'
    # Titles and details are for people: in the request's language (str() of a lazy title).
    title = _("Invalid link") if isinstance(err, InvalidToken) else _domain_title(err)
    return problem(err.status_code, title, str(err.message), errors=errors, headers=headers)


def http_problem(err: HTTPException) -> Response:
    """A Werkzeug HTTP error (unknown route, wrong method, too many requests) as problem+json."""
    rollback()
    status = err.code or 500
    detail = {
        404: _l("There is no such resource. Check the address and the id."),
        405: _l("This resource does not answer that method."),
        413: _l("The request body is too large."),
        429: _l("Too many requests for this token. Wait a little and try again."),
    }.get(status) or (err.description or err.name)
    response = problem(status, str(HTTP_TITLES.get(status, err.name)), str(detail))
    original = err.get_response()
    for name in ("Allow", "Retry-After"):
        if name in original.headers:
            response.headers[name] = original.headers[name]
    return response
