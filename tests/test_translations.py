"""Every marked string is translated in every catalogue, with the same placeholders.

The strings are extracted from the code and the templates exactly as `make i18n-extract` does
(babel.cfg, the same keywords), so a string marked and not yet in a catalogue, a fuzzy or empty
entry, or a translation that drops or invents a `%(name)s` fails here.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from conftest import once

from careerlink.i18n import LANGUAGE_NAMES, SOURCE_LANGUAGE, TRANSLATIONS_DIR

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "lazy_pgettext": ((1, "c"), 2),
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdfr]")
CATALOGUES = sorted(TRANSLATIONS_DIR.glob("*/LC_MESSAGES/messages.po"))

pytestmark = once


@cache
def extracted() -> dict[tuple[str | None, str], tuple[str, ...]]:
    """(context, msgid) -> every id of each marked string (singular, plural), from the sources."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = {}
    for _filename, _lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        ids = message if isinstance(message, tuple) else (message,)
        if ids[0]:
            found[(context, ids[0])] = ids
    return found


def read(po: Path):
    with po.open("rb") as source:
        return read_po(source)


def test_every_language_with_a_catalogue_is_named_and_english_is_the_source():
    languages = {po.parent.parent.name for po in CATALOGUES}
    assert languages == {"fr"}
    assert SOURCE_LANGUAGE not in languages
    assert languages <= set(LANGUAGE_NAMES)


def test_strings_are_marked_at_all():
    assert len(extracted()) > 10


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parent.parent.name)
def test_every_marked_string_is_in_the_catalogue(po):
    catalog = read(po)
    missing = sorted(
        msgid for (context, msgid) in extracted() if catalog.get(msgid, context=context) is None
    )
    assert missing == [], f"run `make i18n-update` and translate in {po}"


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parent.parent.name)
def test_no_entry_is_fuzzy_empty_or_left_over(po):
    catalog = read(po)
    fuzzy = sorted(m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and m.fuzzy)
    empty = sorted(
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalog
        if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)
    )
    wanted = extracted()
    left_over = sorted(
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalog
        if m.id and (m.context, m.id if isinstance(m.id, str) else m.id[0]) not in wanted
    )
    assert (fuzzy, empty, left_over) == ([], [], [])


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parent.parent.name)
def test_translations_keep_their_placeholders(po):
    wrong = []
    for m in read(po):
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        names = set().union(*(PLACEHOLDER.findall(i) for i in ids))
        for text in strings:
            used = set(PLACEHOLDER.findall(text))
            # A plural's singular may leave the count out ("une demande"), nothing else.
            allowed_missing = {"num", "count", "n"} if len(ids) > 1 else set()
            if not used <= names or not (names - used) <= allowed_missing:
                wrong.append((ids[0], text))
    assert wrong == []


# French typography: a no-break space before ":" and a narrow one before ";", "!" and "?", so
# that a line never starts with the mark. Technical text (an HTTP header) keeps its own colon.
FRENCH_MARK = re.compile(r"[;:!?](?=\s|$|<|\))")
FRENCH_KEEPS = ("Authorization", "Content-Type")


def french_typography_faults(text: str) -> list[str]:
    """The places in a French text where a mark lacks its no-break space (or has a plain one)."""
    faults = []
    for m in FRENCH_MARK.finditer(text):
        start = text[: m.start()]
        if m.group() == ";" and re.search(r"&#?\w+$", start):
            continue  # an HTML entity
        if m.group() == ":" and start.endswith(FRENCH_KEEPS):
            continue
        wanted = "\u00a0" if m.group() == ":" else "\u202f"
        if not start.endswith(wanted):
            faults.append(text[max(0, m.start() - 20) : m.end()])
    # Guillemets hold their words with no-break spaces: « comme ceci ».
    faults += re.findall(r".{0,20}«(?![\u00a0\u202f]).{0,20}|.{0,20}[^\u00a0\u202f]».{0,20}", text)
    return faults


def test_french_typography_is_checked_as_a_reader_would_see_it():
    assert french_typography_faults("Mot de passe oublié ?") == ["Mot de passe oublié ?"]
    assert french_typography_faults("Connexion:") == ["Connexion:"]
    assert french_typography_faults("oublié\u202f? Voici\u00a0: un lien&nbsp; fin") == []
    assert french_typography_faults("«\u00a0Authorization: Bearer\u00a0»") == []
    assert french_typography_faults("\u202f; ") == []  # a list separator
    assert french_typography_faults("; ") == [";"]
    assert french_typography_faults("un « mot »") == ["un « mot »"]
    assert french_typography_faults("un «\u00a0mot\u00a0»") == []


@pytest.mark.parametrize("po", [p for p in CATALOGUES if p.parts[-3] == "fr"], ids=str)
def test_french_punctuation_has_its_no_break_spaces(po):
    faults = []
    for m in read(po):
        if m.id:
            for text in m.string if isinstance(m.string, tuple) else (m.string,):
                faults += french_typography_faults(text)
    assert faults == []


TRANS_BLOCK = re.compile(r"\{%-?\s*trans\b([^%]*)%\}(.*?)\{%-?\s*endtrans\s*-?%\}", re.S)


def test_a_plural_block_counts_by_its_count_not_its_first_variable():
    """Jinja picks the plural form by the block's first variable unless `pluralize` names one:
    `{% trans value=v, count=n %}` with a bare `{% pluralize %}` would count by `value`."""
    wrong = []
    for template in sorted((ROOT / "templates").rglob("*.*")):
        for args, body in TRANS_BLOCK.findall(template.read_text(encoding="utf-8")):
            names = [a.split("=")[0].strip() for a in args.split(",") if a.strip()]
            if re.search(r"\{%-?\s*pluralize\s*-?%\}", body) and names and names[0] != "count":
                wrong.append(f"{template.relative_to(ROOT)}: trans {args.strip()}")
    assert wrong == []
