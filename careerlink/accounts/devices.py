"""A browser's User-Agent header in plain words ("Chrome on Linux") for the sessions list.

A few ordered substring checks are enough to let a person recognise their own devices; the
header is chosen by the browser (and can lie), so it is never used for a decision.
"""

from __future__ import annotations

from flask_babel import gettext as _

# Order matters: Edge and Opera say "Chrome", Chrome says "Safari", Android says "Linux".
_BROWSERS = (
    ("Edg", "Edge"),
    ("OPR/", "Opera"),
    ("Opera", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Macintosh", "macOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def describe_device(user_agent: str | None) -> str:
    """'Firefox on Windows', 'Safari on iPhone', 'Chrome', or 'Unknown browser'."""
    ua = user_agent or ""
    browser = next((name for token, name in _BROWSERS if token in ua), None)
    system = next((name for token, name in _SYSTEMS if token in ua), None)
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    if browser:
        return browser
    if system:
        return _("A browser on %(system)s", system=system)
    return _("Unknown browser")
