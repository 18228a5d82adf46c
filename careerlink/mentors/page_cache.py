"""The directory page's body, rendered once per search, viewer, data version and day.

A directory page is a pure function of the query string, the viewer (whose id seeds the day's
browse order), the directory's committed (structure, version), the day (availability follows the
calendar), the URL prefix the app is mounted under (its links), and the language and time
zone it is shown in. Its body — the filters with
their counts, the results and the pagination, everything but the site's frame — is kept under a
key made of exactly those, in the same cache as the counts (`facet_cache`: in-process by
default, shared through Redis when CAREERLINK_CACHE_URL is set), compressed (a body is about 40
kB of HTML, a tenth of that compressed).

Every change to a profile, its owner or an industry bumps the data version in its own
transaction, so an entry is never read after a change; stale entries age out. Nothing is cached
inside a transaction that has changed the directory and not committed (it may roll back), nor
when the cache is switched off (CAREERLINK_DIRECTORY_CACHE_SIZE=0). A body computed for a key
may come from a version newer than the key's (a change committed while it was computed), never
an older one: the search reads the committed rows.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date

from flask import request
from flask_babel import get_locale

from careerlink.extensions import db
from careerlink.i18n import current_zone
from careerlink.mentors import directory_snapshot, facet_cache
from careerlink.mentors.directory_index import has_uncommitted_changes

# The layout of the entries: a new release never reads an older one.
LAYOUT = 1


def key_for(viewer_id: int | None, on: date) -> tuple[str | None, tuple[int, int] | None | bool]:
    """This request's page-body cache key (None: not to be cached) and the directory state it
    read (False if it read none), which the search then need not read again."""
    if not facet_cache.is_enabled() or has_uncommitted_changes(db.session):
        return None, False
    state = directory_snapshot.state()
    if state is None:
        return None, state
    parts = [
        sorted(request.args.items(multi=True)),
        request.script_root,
        viewer_id,
        str(get_locale()),
        current_zone().key,
    ]
    digest = hashlib.sha256(json.dumps(parts, separators=(",", ":")).encode()).hexdigest()
    structure, version = state
    key = f"directory-page:v{LAYOUT}:{structure}:{version}:{on.isoformat()}:{digest[:40]}"
    return key, state


def get(key: str | None) -> str | None:
    """The cached body, or None (never an error: an unreachable Redis means rendering it)."""
    return facet_cache.unpack(facet_cache.fetch(key, "directory page"))


def put(key: str | None, body: str) -> None:
    """Remember a rendered body under its key."""
    if key is not None:
        facet_cache.keep(key, facet_cache.pack(body), "directory page")
