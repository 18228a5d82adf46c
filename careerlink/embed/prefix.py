"""The WSGI side of the embedded mode: `/embed/[theme=.../]` moves into SCRIPT_NAME."""

from __future__ import annotations

from careerlink.embed import PREFIX, ROOT_KEY, THEME_KEY
from careerlink.embed.theme import THEME_SEGMENT, format_theme, parse_theme


class EmbedPrefix:
    """Serve every page under `/embed/` too, marked as embedded in the environ.

    `/embed/theme=primary:0b5394/mentors` is the page `/mentors`, embedded, with a theme. The
    theme segment is always taken off the path; a theme that does not parse is ignored
    (the page shows in the app's own colours) rather than turned into a 404.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == PREFIX or path.startswith(PREFIX + "/"):
            root = environ.get("SCRIPT_NAME", "")
            rest = path[len(PREFIX) :]
            script = root + PREFIX
            segment = rest[1:].split("/", 1)[0]
            if segment.startswith(THEME_SEGMENT):
                theme = parse_theme(segment[len(THEME_SEGMENT) :])
                rest = rest[1 + len(segment) :]
                if theme:
                    environ[THEME_KEY] = theme
                    script += "/" + THEME_SEGMENT + format_theme(theme)
            environ[ROOT_KEY] = root
            environ["SCRIPT_NAME"] = script
            environ["PATH_INFO"] = rest or "/"
        return self.wsgi_app(environ, start_response)
