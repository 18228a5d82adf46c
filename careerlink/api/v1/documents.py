"""The OpenAPI document and its documentation page, both served by the application itself."""

from __future__ import annotations

from flask import jsonify, render_template

from careerlink.api.blueprint import bp
from careerlink.api.spec import openapi_document

METHOD_ORDER = ("get", "post", "put", "patch", "delete")


@bp.get("/openapi.json")
def openapi_json():
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi_document())


def _schema_name(schema: dict | None) -> str | None:
    ref = (schema or {}).get("$ref", "")
    return ref.rsplit("/", 1)[-1] or None


def _operations(doc: dict) -> list[dict]:
    """Every operation, grouped by tag in the document's order, ready for the page."""
    found = []
    for path, methods in doc.get("paths", {}).items():
        for method in METHOD_ORDER:
            op = methods.get(method)
            if op is None:
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            found.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "id": op.get("operationId"),
                    "tag": (op.get("tags") or ["other"])[0],
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "parameters": op.get("parameters", []),
                    "body": _schema_name(body.get("schema")),
                    "responses": [
                        (
                            code,
                            response.get("description", ""),
                            _schema_name(
                                next(iter(response.get("content", {}).values()), {}).get("schema")
                            ),
                        )
                        for code, response in sorted(op.get("responses", {}).items())
                    ],
                    "public": {} in op.get("security", []),
                }
            )
    return found


@bp.get("/docs")
def docs():
    """The API's documentation, rendered from the OpenAPI document (no script, no CDN)."""
    doc = openapi_document()
    operations = _operations(doc)
    tags = []
    for op in operations:
        if op["tag"] not in tags:
            tags.append(op["tag"])
    return render_template(
        "careerlink/api/docs.html",
        doc=doc,
        operations=operations,
        tags=tags,
        schemas=doc.get("components", {}).get("schemas", {}),
    )
