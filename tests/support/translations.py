"""Compile the translation catalogues before the tests when a .po is newer than its .mo.

`make test` compiles them already; this keeps a bare `python -m pytest` right after a .po is
edited (without it the second language would be missing, or would show stale text).
"""

from __future__ import annotations

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from careerlink.i18n import TRANSLATIONS_DIR


def pytest_configure(config):
    """Bring every compiled catalogue up to date with its source."""
    for po in TRANSLATIONS_DIR.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source)
        tmp = mo.with_suffix(".mo.tmp")
        with tmp.open("wb") as target:
            write_mo(target, catalog)
        tmp.replace(mo)
