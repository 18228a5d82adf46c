"""Absolute links for emails, built the same way in a request, the CLI and the worker."""

from __future__ import annotations

from flask import current_app, has_request_context, request


def base_url() -> str:
    """The public root of the application, including any mount prefix, without a slash."""
    configured = current_app.config.get("CAREERLINK_BASE_URL")
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return (request.host_url.rstrip("/") + request.script_root).rstrip("/")
    return "http://127.0.0.1:5000"


def absolute_url(endpoint: str, **values) -> str:
    """An absolute URL for an endpoint, under CAREERLINK_BASE_URL when it is set."""
    adapter = current_app.url_map.bind("localhost", script_name="/")
    path = adapter.build(endpoint, values, force_external=False)
    return base_url() + path
