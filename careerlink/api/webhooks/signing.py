"""Standard Webhooks signatures, and the endpoint secrets kept encrypted at rest.

Each delivery carries `webhook-id` (the same on every attempt), `webhook-timestamp` (seconds
since the epoch) and `webhook-signature`: `v1,` and the base64 HMAC-SHA256 of
"<id>.<timestamp>.<body>" under the endpoint's secret, which is `whsec_` and base64 random bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

SECRET_PREFIX = "whsec_"  # noqa: S105 (the prefix the specification gives secrets)
SECRET_BYTES = 32
# A fixed context string: a key derived for webhook secrets is useless for anything else.
_KDF_INFO = b"careerlink webhook secrets v1"


def new_secret() -> str:
    """A fresh signing secret: whsec_ and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def _key_bytes(secret: str) -> bytes:
    raw = secret[len(SECRET_PREFIX) :] if secret.startswith(SECRET_PREFIX) else secret
    return base64.b64decode(raw)


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The webhook-signature header value for one delivery attempt."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers for one attempt."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
    }


def _fernet() -> MultiFernet:
    fallbacks = current_app.config.get("SECRET_KEY_FALLBACKS") or []
    keys = [current_app.config["SECRET_KEY"], *fallbacks]
    fernets = []
    for key in keys:
        if not key:
            continue
        raw = key.encode("utf-8") if isinstance(key, str) else key
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KDF_INFO).derive(raw)
        fernets.append(Fernet(base64.urlsafe_b64encode(derived)))
    return MultiFernet(fernets)


def seal(secret: str) -> str:
    """Encrypt a signing secret for its column."""
    return _fernet().encrypt(secret.encode("ascii")).decode("ascii")


class SecretUnreadable(Exception):
    """The stored secret cannot be decrypted (SECRET_KEY changed without a fallback)."""


def unseal(sealed: str) -> str:
    """Decrypt a signing secret."""
    try:
        return _fernet().decrypt(sealed.encode("ascii")).decode("ascii")
    except (InvalidToken, ValueError) as exc:
        raise SecretUnreadable(
            "The endpoint's secret cannot be decrypted (was SECRET_KEY changed?); rotate it."
        ) from exc
