"""Response headers a campus security office checks for, and URL parts bounded before use."""

from __future__ import annotations

from functools import lru_cache

from flask import Flask, abort, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

# Pages load only our own stylesheet and no script; nothing inline, so no 'unsafe-inline'.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'self'"
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
HSTS = "max-age=31536000"
# The largest id our tables hold: ids are INTEGER columns (signed 32-bit on PostgreSQL).
MAX_ID = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """Werkzeug's `int` converter, refusing (404) numbers no id column can hold."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def register_url_converters(app: Flask) -> None:
    """`<int:...>` in every route stops at MAX_ID: a larger id is a 404, not a 500."""
    app.url_map.converters["int"] = BoundedIntConverter


def frame_ancestors(portals: tuple[str, ...] = ()) -> str:
    """The CSP with frame-ancestors 'self' plus the given portal origins."""
    if not portals:
        return CONTENT_SECURITY_POLICY
    return CONTENT_SECURITY_POLICY.replace(
        "frame-ancestors 'self'", "frame-ancestors 'self' " + " ".join(portals)
    )


def register_security_headers(app: Flask) -> None:
    """Send CSP, nosniff, referrer, permissions and framing policies on every response.

    Only embedded pages (under /embed/) may be framed by the portals of
    CAREERLINK_EMBED_ORIGINS; X-Frame-Options cannot name origins, so those pages go without
    it (every browser that frames honours frame-ancestors). Other pages: our own site only.
    """
    from careerlink.embed import is_embedded

    @app.after_request
    def security_headers(response):
        headers = response.headers
        portals = tuple(app.config["CAREERLINK_EMBED_ORIGINS"]) if is_embedded() else ()
        # A header the view set itself (a stricter CSP, no referrer) is kept: only the missing
        # ones are added, found in one pass over the response's headers.
        present = {key.lower() for key, _value in headers.items()}
        for key, lowered, value in policy_headers(
            portals, bool(app.config.get("SESSION_COOKIE_SECURE"))
        ):
            if lowered not in present:
                headers.add(key, value)
        return response


@lru_cache(maxsize=32)
def policy_headers(portals: tuple[str, ...], secure: bool) -> tuple[tuple[str, str, str], ...]:
    """(name, lower-cased name, value) of every policy header for pages framed by `portals`
    (none: our own site only) over HTTPS (`secure`) or not."""
    found = [
        ("Content-Security-Policy", frame_ancestors(portals)),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("Permissions-Policy", PERMISSIONS_POLICY),
    ]
    if not portals:
        found.append(("X-Frame-Options", "SAMEORIGIN"))
    if secure:
        found.append(("Strict-Transport-Security", HSTS))
    return tuple((key, key.lower(), value) for key, value in found)


def register_input_guards(app: Flask) -> None:
    """Refuse a NUL character anywhere in the query, form or path (400).

    No field of ours may hold one, PostgreSQL refuses it in text, and letting it through would
    turn a typo or a probe into a server error deep inside a query.
    """

    @app.before_request
    def refuse_nul_characters():
        values = [request.path]
        for multi in (request.args, request.form):
            for key, items in multi.lists():
                values.append(key)
                values.extend(items)
        if any("\x00" in value for value in values):
            abort(
                400,
                description=_("The request contained a null character; remove it and retry."),
            )
