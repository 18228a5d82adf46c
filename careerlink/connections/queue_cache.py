"""The staff queue's page body, rendered once per query string, language, zone, prefix, data
version and stretch of time in which the clock changes nothing on it.

The body — the state links with their counts, the filters, the table and the pagination — is the
same for every staff member: it is kept in the directory's cache (`facet_cache`: in-process by
default, shared through Redis when CAREERLINK_CACHE_URL is set, off when
CAREERLINK_DIRECTORY_CACHE_SIZE=0), compressed, under a key made of the query string, the URL
prefix (its links), the language and time zone, the queue's data version (queue_version.py:
requests, their events, people's names, alumni's loads) and the directory's (industries, the
profiles' industries the industry filter reads). Each entry carries the moment it stops being
true without any change of data — a row reaching one more day of waiting (a day is 24 hours from
the request's last move, not a calendar day), a deadline passing, a request reaching the filter's
minimum wait, a new month (alumni's monthly counts) — and is not served from then on.

The viewer's own parts stay out: the bulk form's CSRF token is a marker in the stored body,
replaced on each request; flashes and the site's frame are base.html's. Nothing is read or
stored while this transaction has written what the queue shows (it may roll back); an
unreachable cache means rendering the page.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from flask import request
from flask_babel import get_locale
from markupsafe import Markup
from sqlalchemy import select

from careerlink.connections.queue_version import QueueState
from careerlink.connections.queue_version import has_uncommitted_changes as queue_written
from careerlink.extensions import db
from careerlink.i18n import current_zone
from careerlink.mentors import facet_cache
from careerlink.mentors.directory_index import DirectoryState
from careerlink.mentors.directory_index import has_uncommitted_changes as directory_written

# The layout of the entries: a new release never reads an older one.
LAYOUT = 1
# Stands for the bulk form's hidden fields (its CSRF token) in a stored body. Rendered text
# cannot contain it: every value on the page is escaped ("<" becomes "&lt;").
TOKEN_MARKER = Markup("<!--careerlink-queue-token-->")

_VERSIONS = select(
    select(QueueState.version).where(QueueState.id == 1).scalar_subquery(),
    select(DirectoryState.version).where(DirectoryState.id == 1).scalar_subquery(),
)


def key_for() -> str | None:
    """This request's body key (None: not to be cached), after one statement for the versions."""
    session = db.session
    if not facet_cache.is_enabled() or queue_written(session) or directory_written(session):
        return None
    # On the session's connection: the ORM's own execution costs twice the statement here.
    queue, directory = session.connection().execute(_VERSIONS).one()
    if queue is None or directory is None:
        return None
    parts = [
        sorted(request.args.items(multi=True)),
        request.script_root,
        str(get_locale()),
        current_zone().key,
    ]
    digest = hashlib.sha256(json.dumps(parts, separators=(",", ":")).encode()).hexdigest()
    return f"staff-queue:v{LAYOUT}:{queue}:{directory}:{digest[:40]}"


def get(key: str | None, now: datetime) -> str | None:
    """The cached body while still true at `now`, or None (never an error)."""
    value = facet_cache.fetch(key, "staff queue")
    if not (isinstance(value, tuple) and len(value) == 2):
        return None
    until, packed = value
    if not isinstance(until, int | float) or now.timestamp() >= until:
        return None
    return facet_cache.unpack(packed)


def put(key: str | None, body: str, now: datetime, until: datetime) -> None:
    """Remember a body rendered at `now` that stays true until `until`."""
    if key is None or until <= now:
        return
    seconds = min(facet_cache.TIMEOUT_SECONDS, int((until - now).total_seconds()) + 1)
    value = (until.timestamp(), facet_cache.pack(body))
    facet_cache.keep(key, value, "staff queue", timeout=seconds)


def next_month(now: datetime) -> datetime:
    """The first moment after `now` of the next month in UTC, when each alumnus's count of this
    month's requests starts again (the one thing on the page that follows the calendar)."""
    year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
    return datetime(year, month, 1, tzinfo=UTC)


def with_token(body: str, hidden_fields: str) -> str:
    """The stored body with this viewer's hidden fields in place of the marker."""
    return body.replace(TOKEN_MARKER, hidden_fields, 1)
