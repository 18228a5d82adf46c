"""Embedding in a campus portal: the /embed/ mode, the portal sign-in hand-off, embed.js.

Any page of the app is also served under `<root>/embed/...` (`prefix.EmbedPrefix` moves that
part of the path into SCRIPT_NAME), where it renders in the chromeless layout
(`templates/careerlink/embed/base.html`) and may be framed by the portals listed in
CAREERLINK_EMBED_ORIGINS. Because the prefix is part of the script root, every `url_for` link,
form and redirect made while answering an embedded request stays embedded. An optional
`theme=...` path segment after `/embed/` carries the portal's colours the same way.
"""

from __future__ import annotations

from flask import has_request_context, request

# The WSGI environ keys EmbedPrefix sets: the site's own script root, and the theme segment.
ROOT_KEY = "careerlink.embed.root"
THEME_KEY = "careerlink.embed.theme"
PREFIX = "/embed"


def is_embedded() -> bool:
    """This request came in under the /embed/ prefix."""
    return has_request_context() and ROOT_KEY in request.environ


def site_root() -> str:
    """The script root of the full site (without /embed/ and any theme segment)."""
    return request.environ.get(ROOT_KEY, request.script_root)


def site_path(path: str) -> str:
    """A path of the embedded app (from url_for) as the same page of the full site."""
    root = request.script_root
    if is_embedded() and path.startswith(root):
        return site_root() + path[len(root) :]
    return path
