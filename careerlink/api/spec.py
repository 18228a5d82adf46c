"""The OpenAPI 3.1 description, generated from the same pydantic models that validate input.

SpecTree (with pydantic) validates each operation's query and body before the view runs and
generates the paths and schemas from the same models, straight from the application's URL map.
`operation()` is the one decorator every API view wears: it registers the operation's models
with SpecTree and records what the caller needs (a person, a scope), which the blueprint
checks before validation (so a missing token is a 401, not a 422). `openapi_document()` adds
what SpecTree does not know: the security schemes, every documented error response as
application/problem+json, and the bounds of integer ids in paths.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, request
from spectree import Response, SpecTree

from careerlink.api import scopes as scope_names
from careerlink.api.auth import ACT_AS_HEADER, Requirement
from careerlink.api.errors import PROBLEM_JSON, InvalidInput
from careerlink.api.schemas import Problem
from careerlink.web.security import MAX_ID

API_PREFIX = "/api/v1"
TITLE = "CareerLink API"
VERSION = "1.0"
DESCRIPTION = f"""\
The mentor directory, introduction and shadowing requests, and the career office's queue, as
JSON. The same rules apply as on the pages: an object you may not see answers 404.

**Authentication.** Send `Authorization: Bearer <token>`. A personal access token (made on
your account page) acts as you, within its scopes. A service token (made by an administrator)
acts for nobody, or, with the `act-as` scope, for the person whose email it names in the
`{ACT_AS_HEADER}` header (each such call is recorded). JavaScript on CareerLink's own pages may
use the session cookie instead; calls that change something then send the CSRF token
(`GET {API_PREFIX}/csrf-token`) in `X-CSRFToken`.

**Scopes.** {"; ".join(f"`{name}`: {text}" for name, text in scope_names.SCOPES.items())}

**Errors** are `application/problem+json` (RFC 9457); an invalid input lists every field in
`errors`. Calls are rate limited per token (429 with `Retry-After`).
"""


def _validation_failed(_request, _response, error, _instance, model_adapter) -> None:
    """SpecTree's hook after validation: a refused input becomes a 422 naming each field."""
    if error is None:
        return
    problems = []
    for item in model_adapter.validation_errors(error):
        location = ".".join(str(part) for part in item.get("loc", ())) or "body"
        problems.append((location, item.get("msg", "Invalid value.")))
    raise InvalidInput(problems)


spec = SpecTree(
    "flask",
    title=TITLE,
    version=VERSION,
    description=DESCRIPTION,
    mode="strict",
    annotations=False,
    before=_validation_failed,
    validation_error_model=Problem,
    # Plain model names, shared by every operation that uses a model (pydantic's own names).
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
)


@dataclass(frozen=True)
class Operation:
    """What an API view needs and does, for the checks before it and for the description."""

    name: str
    requirement: Requirement
    has_body: bool
    writes: bool
    public: bool


OPERATIONS: dict[str, Operation] = {}


def operation(
    *,
    tag: str,
    returns,
    scope: str | None = None,
    signed_in: bool = True,
    query=None,
    body=None,
    status: int = 200,
    writes: bool | None = None,
) -> Callable:
    """Declare an API view: its tag, what it returns, its inputs and who may call it."""

    def decorate(view):
        name = view.__name__
        meta = Operation(
            name=name,
            requirement=Requirement(scope=scope, signed_in=signed_in),
            has_body=body is not None,
            writes=body is not None if writes is None else writes,
            public=not signed_in,
        )
        OPERATIONS[name] = meta
        validated = spec.validate(
            query=query,
            json=body,
            resp=Response(**{f"HTTP_{status}": returns}),
            tags=[tag],
            operation_id=name,
        )(view)
        validated.careerlink_api = meta
        return validated

    return decorate


# --- the document ------------------------------------------------------------------------------

ERRORS = {
    400: "The request could not be read (malformed JSON, a null character).",
    401: "No token, or a token that is unknown, revoked or expired.",
    403: "The token lacks the scope, or the person may not do this.",
    404: "No such object, or one the caller may not see.",
    409: "The object is not in a state that allows this, or it already exists.",
    413: "The body is larger than 64 KiB.",
    415: "The body is not JSON.",
    422: "Invalid input: each field is named in `errors`.",
    429: "Too many requests for this token; wait for `Retry-After` seconds.",
}


def _problem_response(status: int) -> dict:
    return {
        "description": ERRORS[status],
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def _complete(doc: dict) -> dict:
    doc["openapi"] = "3.1.0"
    doc["servers"] = [{"url": request.script_root or "/"}]
    components = doc.setdefault("components", {})
    components["securitySchemes"] = {
        "bearerToken": {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal access token (clp_...) or a service token (cls_...).",
        },
        "sessionCookie": {
            "type": "apiKey",
            "in": "cookie",
            "name": current_app.config.get("SESSION_COOKIE_NAME", "session"),
            "description": "Same-origin JavaScript only; unsafe methods need X-CSRFToken.",
        },
    }
    doc.pop("security", None)
    for methods in doc.get("paths", {}).values():
        for op in methods.values():
            meta = OPERATIONS.get(op.get("operationId"))
            if meta is None:
                continue
            scopes = [meta.requirement.scope] if meta.requirement.scope else []
            security = [{"bearerToken": scopes}, {"sessionCookie": []}]
            op["security"] = ([{}] if meta.public else []) + security
            responses = op.setdefault("responses", {})
            statuses = [400, 401, 403, 404, 422, 429]
            if meta.writes:
                statuses.append(409)
            if meta.has_body:
                statuses += [413, 415]
            for status in sorted(statuses):
                responses[str(status)] = _problem_response(status)
            for parameter in op.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter.get("in") == "path" and schema.get("type") == "integer":
                    schema.update(minimum=1, maximum=MAX_ID)
                    schema.pop("format", None)
            if scopes:
                op["description"] = (
                    op.get("description", "") + f"\n\nToken scope: `{scopes[0]}`."
                ).strip()
    return doc


def openapi_document() -> dict:
    """The API's OpenAPI 3.1 document (built once per mount point)."""
    cache = current_app.extensions.setdefault("careerlink_openapi", {})
    key = request.script_root or "/"
    if key not in cache:
        cache[key] = _complete(copy.deepcopy(spec.spec))
    return cache[key]
