"""The WSGI side of the embedded mode: `/embed/[theme=.../]` moves into SCRIPT_NAME."""

from __future__ import annotations

import re

from careerlink.embed import PREFIX, ROOT_KEY, THEME_KEY
from careerlink.embed.theme import THEME_SEGMENT, format_theme, parse_theme
from careerlink.i18n import EMBED_LANG_KEY

LANG_SEGMENT = "lang="
LANGUAGE_CODE = re.compile(r"[A-Za-z]{2,3}")


class EmbedPrefix:
    """Serve every page under `/embed/` too, marked as embedded in the environ.

    `/embed/theme=primary:0b5394/mentors` is the page `/mentors`, embedded, with a theme;
    `/embed/lang=fr/theme=.../mentors` also tells the page's language (the portal's). Both
    segments are always taken off the path; a theme that does not parse, or a language that is
    not a language code, is ignored (the page shows in the app's own colours, in the language
    chosen as usual) rather than turned into a 404. A code that is a language but is not
    offered is kept in the path and ignored by the language choice.
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
            if segment.startswith(LANG_SEGMENT):
                language = segment[len(LANG_SEGMENT) :]
                rest = rest[1 + len(segment) :]
                if LANGUAGE_CODE.fullmatch(language):
                    environ[EMBED_LANG_KEY] = language.lower()
                    script += "/" + LANG_SEGMENT + language.lower()
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
