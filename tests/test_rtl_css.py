"""Right-to-left readiness: the stylesheets use logical properties, never left or right.

A page in a right-to-left language (`dir="rtl"` from the locale) then mirrors by itself:
`margin-inline-start`, `text-align: start`, `inset-inline-start` follow the text's direction,
while `margin-left` or `text-align: left` would not.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from careerlink.embed.theme import PROPERTIES, theme_css
from careerlink.paths import STATIC_DIR

STYLESHEETS = sorted(Path(STATIC_DIR).rglob("*.css"))
# Declarations (property: value) that name a physical side; each is a direction-blind layout.
PHYSICAL = [
    re.compile(r"(?<![\w-])(margin|padding|border|scroll-margin|scroll-padding)-(left|right)\b"),
    re.compile(r"(?<![\w-])border-(top|bottom)-(left|right)-radius\b"),
    re.compile(r"(?<![\w-])(left|right)\s*:"),
    re.compile(r"(?<![\w-])(text-align|float|clear)\s*:\s*(left|right)\b"),
    re.compile(r"(?<![\w-])(background-position|transform-origin)\s*:[^;}]*\b(left|right)\b"),
]
# A four-value margin or padding whose second (right) and fourth (left) values differ.
ASYMMETRIC = re.compile(
    r"(?<![\w-])(margin|padding)\s*:\s*([^;}\s]+)\s+([^;}\s]+)\s+([^;}\s]+)\s+([^;}\s]+)"
    r"\s*(?:!important)?\s*[;}]"
)
# Nothing needs to stay physical today; a declaration that truly must would be listed here
# as (file name, exact declaration), with the reason beside it.
ALLOWED: set[tuple[str, str]] = set()


def physical_declarations(name: str, css: str) -> list[str]:
    """Every declaration of `css` that names a physical side (less the allowed ones)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)  # comments may say "left"
    found = []
    for pattern in PHYSICAL:
        for match in pattern.finditer(css):
            end = css.find(";", match.start())
            found.append(css[match.start() : end if end != -1 else match.end()].strip())
    for match in ASYMMETRIC.finditer(css):
        if match.group(3) != match.group(5):
            found.append(match.group(0).rstrip(";}").strip())
    return [d for d in found if (name, d) not in ALLOWED]


def test_there_are_stylesheets_to_check():
    assert {p.name for p in STYLESHEETS} >= {"careerlink.css", "frame.css"}


@pytest.mark.parametrize("path", STYLESHEETS, ids=lambda p: p.name)
def test_stylesheets_use_logical_properties_only(path):
    assert physical_declarations(path.name, path.read_text(encoding="utf-8")) == []


def test_the_portal_theme_stylesheet_sets_colours_only():
    css = theme_css({key: "#123456" for key in PROPERTIES})
    assert physical_declarations("theme", css) == []


@pytest.mark.parametrize(
    "css",
    [
        ".a { margin-left: 1rem; }",
        ".a { padding-right: 0; }",
        ".a { border-left: 1px solid; }",
        ".a { position: absolute; left: 0; }",
        ".a { text-align: right; }",
        ".a { float: left; }",
        ".a { padding: 0 .25rem 0 0; }",
        ".a { border-top-left-radius: 4px; }",
    ],
)
def test_the_check_catches_each_physical_form(css):
    assert len(physical_declarations("example.css", css)) == 1


@pytest.mark.parametrize(
    "css",
    [
        ".a { margin-inline-start: 1rem; }",
        ".a { inset-inline-start: 0; }",
        ".a { text-align: start; }",
        ".a { margin: 0 auto; padding: 1rem 2rem 1rem 2rem; }",
        ".a { justify-content: flex-end; }",
        "/* left alone */ .a { color: red; }",
    ],
)
def test_logical_and_symmetric_declarations_pass(css):
    assert physical_declarations("example.css", css) == []
