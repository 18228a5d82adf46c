"""Every page a person can open without arguments, in French: no catalogue sentence left English.

A string can be marked and translated and still reach the page in English: a label computed
once at import (not lazy), a message built before the language was chosen. This opens every
argument-free GET page as each persona with a French browser and looks, in the page's visible
text, for any sentence of the catalogue (four words or more) whose French differs, still in
English. (The same sweep with an English browser finds hundreds: it reads real pages.)
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from babel.messages.pofile import read_po
from conftest import once, sign_in_session

from careerlink.i18n import TRANSLATIONS_DIR
from careerlink.permissions import Role

pytestmark = once
SKIP_PREFIXES = ("/static", "/api/", "/healthz", "/embed.js", "/theme.css")
TAGS = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]+>", re.S)
PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]")


def english_sentences() -> list[str]:
    """The catalogue's English texts of four words or more, without placeholders or markup,
    whose French is different."""
    with (TRANSLATIONS_DIR / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source)
    found = []
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for english in ids:
            for piece in PLACEHOLDER.split(english):
                piece = piece.strip(" .,:;()")
                if "<" in piece or len(piece.split()) < 4 or piece in strings[0]:
                    continue
                found.append(piece)
    return sorted(set(found), key=len, reverse=True)


def visible_text(html: str) -> str:
    return " ".join(unescape(TAGS.sub(" ", html)).split())


def pages(app) -> list[str]:
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith(SKIP_PREFIXES)
    )


@pytest.mark.parametrize("role", [None, Role.STUDENT, Role.ALUMNUS, Role.STAFF, Role.ADMIN])
def test_no_page_shows_a_catalogue_sentence_in_english_to_a_french_reader(
    app, client, make_user, role
):
    if role is not None:
        user = make_user(role, email=f"{role.value}@example.edu", name="Camille Martin")
        sign_in_session(client, user)
    sentences = english_sentences()
    left, read = {}, 0
    for path in pages(app):
        response = client.get(path, headers={"Accept-Language": "fr"})
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        read += 1
        text = visible_text(response.get_data(as_text=True))
        english = [s for s in sentences if s in text]
        if english:
            left[path] = english
    assert left == {}
    # The same pages in English do show such sentences: the sweep reads real pages.
    assert read >= 5
