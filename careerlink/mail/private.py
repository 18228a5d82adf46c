"""Private values in emails (reset, verification, answer links): kept out of the stored text.

An email's context marks a value `Secret(url)`. The stored subject and bodies hold a
placeholder instead (`[[careerlink-private-link-1]]`: plain ASCII, unchanged by HTML escaping);
the real values are kept in the row's `secrets` column, encrypted with a key derived from
SECRET_KEY, and put back only by the worker, just before it sends. Staff reading the outbox
(or anyone reading the table or a backup) see the placeholder, never a working link.
"""

from __future__ import annotations

import base64
import functools
import json
import re
from collections.abc import Mapping
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from flask_babel import lazy_gettext as _l
from markupsafe import escape

PLACEHOLDER = "[[careerlink-private-link-{n}]]"
PLACEHOLDER_RE = re.compile(r"\[\[careerlink-private-link-\d+\]\]")
# What staff read in place of a private link, in their own language.
SHOWN_TO_STAFF = _l("[private link — only the recipient has it]")
# A fixed context string: a key derived for the outbox is useless for anything else.
_KDF_INFO = b"careerlink outbox secrets v1"


class Secret:
    """A value in an email's context that only the recipient may read (a link with a token)."""

    __slots__ = ("value",)

    def __init__(self, value: str):
        self.value = str(value)

    def __str__(self) -> str:
        # Rendering a Secret anywhere but as a top-level context value would store it in clear.
        raise TypeError("a Secret is only rendered as a top-level value of an email's context")

    __html__ = __str__

    def __repr__(self) -> str:
        return "Secret(***)"


class SecretsUnreadable(Exception):
    """The stored secrets cannot be decrypted (SECRET_KEY changed) or were already erased."""


def hide_secrets(context: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The context with each Secret replaced by a placeholder, and placeholder -> real value."""
    shown: dict[str, Any] = {}
    hidden: dict[str, str] = {}
    for key, value in context.items():
        if isinstance(value, Secret):
            placeholder = PLACEHOLDER.format(n=len(hidden) + 1)
            hidden[placeholder] = value.value
            value = placeholder
        shown[key] = value
    return shown, hidden


def _fernet_key(secret_key: str | bytes) -> bytes:
    raw = secret_key.encode("utf-8") if isinstance(secret_key, str) else secret_key
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KDF_INFO).derive(raw)
    return base64.urlsafe_b64encode(derived)


def _fernet() -> MultiFernet:
    # The current key encrypts; the fallbacks (Flask's key rotation) still decrypt.
    fallbacks = current_app.config.get("SECRET_KEY_FALLBACKS") or []
    return _fernet_for((current_app.config["SECRET_KEY"], *fallbacks))


@functools.lru_cache(maxsize=8)
def _fernet_for(keys: tuple[str | bytes, ...]) -> MultiFernet:
    # Deriving the keys cost more than decrypting: the worker reuses them for every message.
    return MultiFernet([Fernet(_fernet_key(k)) for k in keys if k])


def seal(values: Mapping[str, str]) -> str | None:
    """Encrypt placeholder -> value for the `secrets` column (None when there is nothing)."""
    if not values:
        return None
    return _fernet().encrypt(json.dumps(dict(values)).encode("utf-8")).decode("ascii")


def unseal(sealed: str | None) -> dict[str, str]:
    """Decrypt the `secrets` column; SecretsUnreadable when it cannot be read."""
    if not sealed:
        return {}
    try:
        return json.loads(_fernet().decrypt(sealed.encode("ascii")))
    except (InvalidToken, ValueError) as exc:
        raise SecretsUnreadable(
            "The private links of this message cannot be decrypted (was SECRET_KEY changed?)."
        ) from exc


def has_placeholders(*texts: str | None) -> bool:
    """Whether any of these texts still holds a private-link placeholder."""
    return any(text and PLACEHOLDER_RE.search(text) for text in texts)


def reveal(text: str | None, values: Mapping[str, str], *, html: bool = False) -> str | None:
    """Put the real values back in place of their placeholders (HTML-escaped in HTML)."""
    if text is None:
        return None

    def real(match: re.Match) -> str:
        placeholder = match.group(0)
        if placeholder not in values:
            return placeholder  # typed by a person in their own text: not ours to fill
        value = values[placeholder]
        return str(escape(value)) if html else value

    return PLACEHOLDER_RE.sub(real, text)


def redact(text: str | None) -> str:
    """The text as staff may read it: each placeholder said in words."""
    shown = str(SHOWN_TO_STAFF)
    return PLACEHOLDER_RE.sub(lambda _match: shown, text or "")
