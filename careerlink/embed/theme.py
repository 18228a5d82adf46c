"""The portal's colours: a validated `theme=key:rrggbb,...` parameter and its stylesheet.

Only the names below, each a 3- or 6-digit hex colour, become CSS custom properties; the
stylesheet is served from our own origin, since the Content-Security-Policy allows no inline
style.
"""

from __future__ import annotations

import re

THEME_SEGMENT = "theme="
# theme key -> the custom property of careerlink.css it sets
PROPERTIES = {
    "primary": "--cl-color-primary",
    "primary-text": "--cl-color-primary-text",
    "primary-hover": "--cl-color-primary-hover",
    "background": "--cl-color-bg",
    "surface": "--cl-color-surface",
    "text": "--cl-color-text",
    "muted": "--cl-color-muted",
    "border": "--cl-color-border",
    "focus": "--cl-focus",
}
_COLOUR = re.compile(r"#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
MAX_LENGTH = 400


def parse_theme(raw: str) -> dict[str, str] | None:
    """{key: "#rrggbb"} from `key:rrggbb,...`; None when anything in it is not allowed."""
    raw = raw.replace("%23", "#").replace("%3A", ":").replace("%3a", ":").replace("%2C", ",")
    if not raw or len(raw) > MAX_LENGTH:
        return None
    theme: dict[str, str] = {}
    for item in raw.split(","):
        key, sep, value = item.partition(":")
        match = _COLOUR.fullmatch(value.strip())
        if not sep or key.strip() not in PROPERTIES or not match:
            return None
        theme[key.strip()] = "#" + match.group(1).lower()
    return theme


def format_theme(theme: dict[str, str]) -> str:
    """The canonical `key:rrggbb,...` form of a theme (keys in PROPERTIES order)."""
    return ",".join(f"{key}:{theme[key][1:]}" for key in PROPERTIES if key in theme)


def theme_css(theme: dict[str, str]) -> str:
    """A stylesheet setting the theme's custom properties."""
    lines = [f"  {PROPERTIES[key]}: {theme[key]};" for key in PROPERTIES if key in theme]
    return ":root {\n" + "\n".join(lines) + "\n}\n"
