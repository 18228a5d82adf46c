"""The /api/v1 blueprint: who is calling, what they may do, a readable body, one error format.

Before any API view: the caller is authenticated, the operation's requirement is checked (401
without a credential, 403 without the scope), and a body must be JSON (415), parse (400),
stay under 64 KiB (413) and hold no NUL character (400). SpecTree then validates the fields
(422). A view changes things inside `commit()`, the API's unit of work.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, current_app, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from careerlink.api.auth import current_caller, require
from careerlink.api.errors import BadInput, UnsupportedMediaType, domain_problem, http_problem
from careerlink.api.spec import API_PREFIX
from careerlink.database import transaction
from careerlink.errors import DomainError

T = TypeVar("T")

bp = Blueprint("api", __name__, url_prefix=API_PREFIX)

MAX_BODY_BYTES = 64 * 1024
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def commit(work: Callable[[], T]) -> T:
    """Run a service call as the API request's unit of work (rolled back if it refuses)."""
    with transaction():
        return work()


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def check_body() -> None:
    """A body is JSON, bounded, parseable and free of NUL characters."""
    if request.method not in BODY_METHODS:
        return
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise RequestEntityTooLarge()
    if request.mimetype in FORM_TYPES:
        raise UnsupportedMediaType(_("Send the body as JSON (Content-Type: application/json)."))
    data = request.get_data(cache=True)
    if len(data) > MAX_BODY_BYTES:
        raise RequestEntityTooLarge()
    if not data.strip():
        return
    if not request.is_json:
        raise UnsupportedMediaType(_("Send the body as JSON (Content-Type: application/json)."))
    try:
        value = json.loads(data)
    except (ValueError, RecursionError) as exc:
        reason = str(exc).split("\n")[0][:160]
        raise BadInput(_("The body is not valid JSON: %(reason)s", reason=reason)) from None
    if _has_nul(value):
        raise BadInput(_("The body contains a null character; remove it and retry."))


@bp.before_request
def authenticate_and_check():
    """Authenticate, check the operation's requirement, then the body."""
    if request.method == "OPTIONS":
        return  # a CORS preflight carries no credential
    view = current_app.view_functions.get(request.endpoint)
    meta = getattr(view, "careerlink_api", None)
    current_caller()
    if meta is not None:
        require(meta.requirement)
    check_body()


@bp.errorhandler(DomainError)
def refused(err: DomainError):
    """A refusal (from a service, the checks above or validation) as problem+json."""
    return domain_problem(err)


@bp.errorhandler(HTTPException)
def http_error(err: HTTPException):
    """Werkzeug's errors (404, 405, 413, 429...) in the same format."""
    return http_problem(err)
