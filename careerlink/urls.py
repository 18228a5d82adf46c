"""Absolute links for emails, from CAREERLINK_BASE_URL in a request, the CLI and the worker."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _

from careerlink.errors import DomainError

WEB_ADDRESS_MAX = 500
WEB_SCHEMES = ("http", "https")


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


def check_web_address(
    raw: str | None, *, field: str, max_length: int = WEB_ADDRESS_MAX
) -> str | None:
    """A link people typed (a meeting link, a posting): http or https with a host, trimmed, or
    None when empty; `javascript:`, `data:` and the like are refused on `field`.

    The one check of every such link (careerlink.connections.slots.check_link and
    careerlink.openings.services.check_url call it), so the rules and messages cannot drift.
    """
    url = (raw or "").strip()
    if not url:
        return None
    if len(url) > max_length:
        raise DomainError(
            _("The link is too long (at most %(num)d characters).", num=max_length), field=field
        )
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise DomainError(_("The link cannot contain spaces."), field=field)
    not_web = DomainError(
        _("The link must be a web address starting with https:// or http://."), field=field
    )
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # a malformed address (an unclosed IPv6 bracket, a bad port)
        raise not_web from None
    if parts.scheme.lower() not in WEB_SCHEMES:
        raise not_web
    if not host:
        raise DomainError(
            _("The link must name a website, e.g. https://jobs.example.org/123."), field=field
        )
    return url
