"""Text folding shared by the indexed documents and the search queries (both databases)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Letters and digits of any script; underscores and everything else separate words. SQLite's
# unicode61 tokenizer and PostgreSQL's parser agree on runs of these once they are spaced out.
_WORD = re.compile(r"[^\W_]+")

MAX_QUERY_CHARS = 500
MAX_QUERY_WORDS = 12
MAX_WORD_CHARS = 60
# A last word shorter than this matches only as a whole word: a one-letter prefix would match
# most of the directory and cost a scan of most of the index, for no meaning to a searcher.
MIN_PREFIX_CHARS = 2


def fold(text: str | None) -> str:
    """Lower-case, compatibility-decompose and drop combining marks: "José" -> "jose"."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.casefold()


def words(text: str | None) -> list[str]:
    """The folded words of a text, in order."""
    return [w for w in _WORD.findall(fold(text)) if len(w) <= MAX_WORD_CHARS]


def document(parts: Iterable[str | None]) -> str:
    """The indexed document: folded words separated by single spaces."""
    out: list[str] = []
    for part in parts:
        out.extend(words(part))
    return " ".join(out)


def query_words(raw: str | None) -> list[str]:
    """The words of a user's query, bounded in length and number; never raises."""
    if not raw:
        return []
    return words(str(raw)[:MAX_QUERY_CHARS])[:MAX_QUERY_WORDS]


def is_prefix(word: str) -> bool:
    """Whether the query's last word is matched as a prefix (long enough to mean something)."""
    return len(word) >= MIN_PREFIX_CHARS


def fts5_query(terms: list[str]) -> str:
    """An FTS5 MATCH expression: every word required, the last one as a prefix."""
    # Words are letters and digits only, so quoting each one makes operators inert.
    quoted = [f'"{t}"' for t in terms]
    if is_prefix(terms[-1]):
        quoted[-1] += "*"
    return " ".join(quoted)


def tsquery(terms: list[str]) -> str:
    """A PostgreSQL to_tsquery expression with the same meaning as fts5_query."""
    parts = list(terms)
    if is_prefix(parts[-1]):
        parts[-1] += ":*"
    return " & ".join(parts)
