"""The directory's count cache, through Flask-Caching.

The total and facet counts of a search, and each of its pages' ordered profile ids, are cached
under a key holding the directory's data version (bumped in the same transaction as any
profile, owner or industry change, by every process) and the day (availability follows the
calendar), so an entry is never read after a change; stale entries age out. In-process by
default (SimpleCache, one per worker, bounded by CAREERLINK_DIRECTORY_CACHE_SIZE); shared by
every worker and machine in Redis when CAREERLINK_CACHE_URL is set. A size of 0 turns the cache off.
"""

from __future__ import annotations

import hashlib
import json
import logging
import zlib
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import Flask, current_app
from flask_caching import Cache
from flask_caching.backends import NullCache

log = logging.getLogger(__name__)

EXTENSION = "careerlink_facet_cache"
# Keys hold the day, so an entry is useless the next day; Redis forgets it then.
TIMEOUT_SECONDS = 24 * 3600


def cache_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """Flask-Caching settings from CareerLink's own."""
    size = int(config["CAREERLINK_DIRECTORY_CACHE_SIZE"])
    url = config["CAREERLINK_CACHE_URL"]
    if size <= 0:
        return {"CACHE_TYPE": "NullCache", "CACHE_NO_NULL_WARNING": True}
    common = {
        "CACHE_KEY_PREFIX": config["CAREERLINK_CACHE_PREFIX"],
        "CACHE_DEFAULT_TIMEOUT": TIMEOUT_SECONDS,
    }
    if url:
        return {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": url, **common}
    return {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": size, **common}


def init_app(app: Flask) -> Cache:
    """Create this application's count cache from its settings."""
    cache = Cache(config=cache_config(app.config))
    cache.init_app(app)
    app.extensions[EXTENSION] = cache
    return cache


def facet_cache() -> Cache:
    """The current application's count cache."""
    return current_app.extensions[EXTENSION]


def is_enabled() -> bool:
    """False when CAREERLINK_DIRECTORY_CACHE_SIZE is 0 (no version read, nothing stored)."""
    return not isinstance(facet_cache().cache, NullCache)


def counts_key(version: int, on: date, criteria_key: tuple) -> str:
    """The cache key of one search's counts for one data version and day."""
    digest = hashlib.sha256(json.dumps(criteria_key, separators=(",", ":")).encode()).hexdigest()
    return f"directory-counts:{version}:{on.isoformat()}:{digest[:40]}"


def get_counts(key: str) -> tuple[int, dict[str, dict[str, int]]] | None:
    """The cached (total, facets), or None."""
    try:
        value = facet_cache().get(key)
    except Exception:  # an unreachable Redis must not break the directory: count instead
        log.warning("directory count cache unavailable; counting without it", exc_info=True)
        return None
    if not isinstance(value, tuple | list) or len(value) != 2:
        return None
    total, facets = value
    return int(total), facets


def put_counts(key: str, total: int, facets: dict[str, dict[str, int]]) -> None:
    """Remember a search's (total, facets)."""
    try:
        facet_cache().set(key, (total, facets))
    except Exception:  # as above: the counts were computed, the page still shows
        log.warning("directory count cache unavailable; counts not stored", exc_info=True)


def page_key(counts_key: str, seed: int | None, start: int, per_page: int) -> str:
    """The cache key of one page's ordered ids: its search's counts key (criteria, version,
    day), the browse order's seed (None for a word search, ranked the same for everyone), the
    page's first row and its length."""
    return f"directory-page-ids:{counts_key.partition(':')[2]}:{seed}:{start}:{per_page}"


def get_page(key: str) -> list[int] | None:
    """The cached ids of one page, in order, or None."""
    try:
        value = facet_cache().get(key)
    except Exception:  # as for the counts: compute the page instead
        log.warning("directory count cache unavailable; computing the page", exc_info=True)
        return None
    if not isinstance(value, tuple | list) or not all(isinstance(i, int) for i in value):
        return None
    return list(value)


def put_page(key: str, ids: list[int]) -> None:
    """Remember one page's ordered ids."""
    try:
        facet_cache().set(key, tuple(ids))
    except Exception:  # as above
        log.warning("directory count cache unavailable; page not stored", exc_info=True)


# --- rendered page bodies (the directory's, a mentor's, the staff queue's) ----------------------


def fetch(key: str | None, what: str) -> Any:
    """The value kept under `key`, or None: no key, nothing kept, or the cache unreachable (a
    warning naming `what`, e.g. "mentor page": the caller renders the page instead)."""
    if key is None:
        return None
    try:
        return facet_cache().get(key)
    except Exception:
        log.warning("%s cache unavailable; rendering the page", what, exc_info=True)
        return None


def keep(key: str, value: Any, what: str, timeout: int | None = None) -> None:
    """Keep `value` under `key` (for `timeout` seconds, else the cache's default); an
    unreachable cache only means it is not kept (a warning naming `what`)."""
    try:
        facet_cache().set(key, value, timeout=timeout)
    except Exception:  # the page was rendered; it is only not remembered
        log.warning("%s cache unavailable; page not stored", what, exc_info=True)


def pack(body: str) -> bytes:
    """A rendered body as kept: compressed (a page of HTML is about a tenth of it)."""
    return zlib.compress(body.encode("utf-8"), 1)


def unpack(packed: Any) -> str | None:
    """A kept body as rendered, or None if what was kept is not one."""
    if not isinstance(packed, bytes):
        return None
    try:
        return zlib.decompress(packed).decode("utf-8")
    except (zlib.error, UnicodeDecodeError):
        return None
