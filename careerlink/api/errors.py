"""The API's refusals as application/problem+json (RFC 9457), each field named.

Services refuse with the DomainError subclasses of careerlink.errors; the API adds the two
kinds only it meets: no or a bad credential (401) and input it cannot read (400, 415, 422 with
every invalid field). One handler on the API blueprint answers them all, and the HTTP errors
Werkzeug raises (404 route, 405, 429...), with the same body.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Response, current_app, json
from werkzeug.exceptions import HTTPException

from careerlink.database import rollback
from careerlink.errors import DomainError, InvalidToken
from careerlink.web.request_log import request_id

PROBLEM_JSON = "application/problem+json"


class Unauthorized(DomainError):
    """No credential, or one that does not work (revoked, expired, unknown): 401."""

    status_code = 401
    title = "Authentication needed"

    def __init__(self, message: str, error: str = "invalid_token"):
        super().__init__(message)
        self.error = error


class BadInput(DomainError):
    """The request cannot be read at all (malformed JSON, a body where none fits): 400."""

    status_code = 400
    title = "Bad request"


class UnsupportedMediaType(DomainError):
    """A body that is not JSON: 415."""

    status_code = 415
    title = "Unsupported media type"


class InvalidInput(DomainError):
    """Fields of the request are missing, of the wrong type or out of range: 422."""

    status_code = 422
    title = "Invalid input"

    def __init__(self, problems: list[tuple[str, str]]):
        names = ", ".join(field for field, _ in problems[:5])
        super().__init__(f"Check these fields: {names}." if names else "The input is invalid.")
        self.problems = problems


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
    title = err.title
    if isinstance(err, InvalidToken):
        title = "Invalid link"
    return problem(err.status_code, title, err.message, errors=errors, headers=headers)


def http_problem(err: HTTPException) -> Response:
    """A Werkzeug HTTP error (unknown route, wrong method, too many requests) as problem+json."""
    rollback()
    status = err.code or 500
    detail = {
        404: "There is no such resource. Check the address and the id.",
        405: "This resource does not answer that method.",
        413: "The request body is too large.",
        429: "Too many requests for this token. Wait a little and try again.",
    }.get(status) or (err.description or err.name)
    response = problem(status, err.name, detail)
    original = err.get_response()
    for name in ("Allow", "Retry-After"):
        if name in original.headers:
            response.headers[name] = original.headers[name]
    return response
