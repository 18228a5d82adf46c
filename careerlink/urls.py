"""Absolute links for emails, from CAREERLINK_BASE_URL in a request, the CLI and the worker."""

from __future__ import annotations

from flask import current_app


def base_url() -> str:
    """The public root of the application, including any mount prefix, without a slash.

    Always from configuration, never from the request: a forged Host header must not be able
    to point a reset or answer link at another site.
    """
    return current_app.config["CAREERLINK_BASE_URL"].rstrip("/")


def absolute_url(endpoint: str, **values) -> str:
    """An absolute URL for an endpoint, under CAREERLINK_BASE_URL when it is set."""
    adapter = current_app.url_map.bind("localhost", script_name="/")
    path = adapter.build(endpoint, values, force_external=False)
    return base_url() + path
