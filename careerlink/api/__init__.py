"""The JSON API v1 and what goes with it: tokens, webhooks, calendar feeds.

A second face on the same services as the pages: `/api/v1` (OpenAPI 3.1 at
`/api/v1/openapi.json`, documentation at `/api/v1/docs`), personal and service tokens, webhooks
signed as the Standard Webhooks specification says, and each person's calendar feed.
"""

from __future__ import annotations

from flask import Flask


def register_api(app: Flask) -> None:
    """Mount the API and its pages, exempt the token API from CSRF, limit it per token."""
    from careerlink.api import v1  # noqa: F401  (the operations register on the blueprint)
    from careerlink.api.auth import add_cors_headers, rate_limit, rate_limit_key
    from careerlink.api.blueprint import bp
    from careerlink.api.pages import bp as pages_bp
    from careerlink.extensions import csrf, limiter

    if "api" not in app.blueprints:
        # A token call carries no cookie to forge; cookie calls are checked in api.auth.
        csrf.exempt(bp)
        if not getattr(bp, "_careerlink_limited", False):
            limiter.limit(rate_limit, key_func=rate_limit_key)(bp)
            bp._careerlink_limited = True
    app.register_blueprint(bp)
    app.register_blueprint(pages_bp)
    app.after_request(add_cors_headers)
