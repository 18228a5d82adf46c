"""Subject and address headers encoded (RFC 2047) and folded (RFC 5322) at whole words.

The standard library's folder may split a word between a plain part and an encoded part
("J" + "=?utf-8?q?os=C3=A9?=", read as "J osé"), or split a display name's encoded word, which
some readers (Python's own parser among them) then read with a space inside the word. Here a
word is never cut: an accented word (with its accented neighbours) becomes one encoded word,
and lines are only broken between words.
"""

from __future__ import annotations

import base64
import re
from email.header import decode_header, make_header
from email.headerregistry import Address
from email.utils import getaddresses

# RFC 2047: a line holding encoded words is 76 characters at most, header name included, so an
# encoded word (75 at most) is kept short enough to share the first line with "Reply-To: ".
MAX_LINE = 76
MAX_WORD = 64
# Characters an encoded word may carry as themselves, even inside a display name (RFC 2047 5.3).
_Q_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*+-/")
# RFC 5322 atext: a display-name word made only of these needs neither quotes nor encoding.
_ATOM = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$")
# local@domain of dot-atoms only: an address written as itself, with no name to encode.
_BARE_ADDRESS = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+$")


# Whitespace that parts words in a header or a subject: ASCII only. A no-break space (French
# typography, before ":") belongs to the text, so Python's Unicode-wide split is not used.
ASCII_WHITESPACE = " \t\r\n\f\v"
ASCII_SPACES = re.compile(f"[{ASCII_WHITESPACE}]+")


def _q(text: str) -> str:
    """Q-encode text (the form allowed everywhere, display names included)."""
    out = []
    for byte in text.encode("utf-8"):
        if byte == 0x20:
            out.append("_")
        elif byte in _Q_SAFE:
            out.append(chr(byte))
        else:
            out.append(f"={byte:02X}")
    return "".join(out)


def _encoded_word(text: str) -> str:
    """One encoded word for text: Q (readable) when it fits, else B (shorter for accents)."""
    q = f"=?utf-8?q?{_q(text)}?="
    if len(q) <= MAX_WORD:
        return q
    return f"=?utf-8?b?{base64.b64encode(text.encode('utf-8')).decode('ascii')}?="


def _fits(text: str) -> bool:
    return len(_encoded_word(text)) <= MAX_WORD


def _encoded_words(text: str) -> list[str]:
    """Encoded words for text, each at most 75 characters, cut between words when possible.

    Adjacent encoded words are joined without the space between them (RFC 2047 6.2), so a
    space that belongs to the text is carried inside the next word. Text short enough for one
    encoded word (39 bytes of UTF-8) is never cut: some readers, Python's parser among them,
    wrongly keep the space between two encoded words of a display name.
    """
    pieces: list[str] = []
    current = ""
    for i, word in enumerate(text.split(" ")):
        chunk = word if i == 0 else " " + word
        if _fits(current + chunk):
            current += chunk
            continue
        if current:
            pieces.append(current)
            current = ""
        # A word too long for one encoded word is cut between characters, never inside one.
        for char in chunk:
            if current and not _fits(current + char):
                pieces.append(current)
                current = ""
            current += char
    if current:
        pieces.append(current)
    return [_encoded_word(piece) for piece in pieces]


def _needs_encoding(word: str, phrase: bool) -> bool:
    if not word.isascii() or "=?" in word:
        return True
    return phrase and not _ATOM.match(word)


def _tokens(text: str, phrase: bool) -> list[str]:
    """Header tokens for text: plain words as they are, runs of other words encoded together."""
    # Words part at ASCII spaces only: a no-break space stays inside its (encoded) word.
    words = ASCII_SPACES.split(text.strip(ASCII_WHITESPACE)) if text.strip() else []
    tokens: list[str] = []
    run: list[str] = []
    for word in words:
        if _needs_encoding(word, phrase):
            run.append(word)
            continue
        if run:
            tokens.extend(_encoded_words(" ".join(run)))
            run = []
        tokens.append(word)
    if run:
        tokens.extend(_encoded_words(" ".join(run)))
    return tokens


def fold(name: str, tokens: list[str]) -> str:
    """Join tokens with spaces into lines of at most 76 characters (a token is never cut)."""
    lines: list[str] = []
    line = ""
    used = len(name) + 2  # "Name: "
    for token in tokens:
        if not line:
            line = token
        elif used + len(line) + 1 + len(token) <= MAX_LINE:
            line += " " + token
        else:
            lines.append(line)
            line, used = token, 1  # a continuation line starts with one space
    lines.append(line)
    return "\n ".join(lines)


def unstructured(name: str, text: str) -> str:
    """The folded, encoded value of a text header such as Subject."""
    return fold(name, _tokens(text, phrase=False))


def _address_tokens(display_name: str, address: str) -> list[str]:
    angle = f"<{address}>"
    if not display_name:
        return [address]
    if display_name.isascii() and "=?" not in display_name:
        # Plain ASCII: the standard quoting ("Office, Careers" <a@b>) is right and readable.
        return [*str(Address(display_name=display_name, addr_spec=address)).split(" ")]
    return [*_tokens(display_name, phrase=True), angle]


def addresses(name: str, values: list[str]) -> str:
    """The folded value of an address header (From, To, Reply-To) with encoded display names."""
    if all(_BARE_ADDRESS.match(value) for value in values):
        # Bare addresses (the usual To) need no parsing: parsing cost more than sending.
        return fold(name, [f"{value}," for value in values[:-1]] + values[-1:])
    tokens: list[str] = []
    parsed = getaddresses(values)
    for i, (display_name, address) in enumerate(parsed):
        if "=?" in display_name:  # given already encoded (email.utils.formataddr does that)
            display_name = str(make_header(decode_header(display_name)))
        part = _address_tokens(display_name.strip(), address)
        if i < len(parsed) - 1:
            part[-1] += ","
        tokens.extend(part)
    return fold(name, tokens)
