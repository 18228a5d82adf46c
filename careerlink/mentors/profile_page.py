"""A mentor's page: what every viewer sees of it, rendered once per profile version.

The page is the same for every viewer but for two parts: whether this viewer may edit it, and
the "Ask" section (buttons, or why not). Everything else — the header, the about and offers
sections — is a pure function of the profile, its owner and industries (their committed
version: every change to any of them stamps the profile with a new `directory_version`, and
renaming or merging an industry changes the directory's `structure`), the day (availability
follows the calendar), the language and time zone it is shown in, and the URL prefix the app
is mounted under (its links). That body is kept under a key made of exactly those, in the
directory's cache (`facet_cache`: in-process by default, shared through Redis when
CAREERLINK_CACHE_URL is set, off when CAREERLINK_DIRECTORY_CACHE_SIZE is 0), beside the few
facts of the profile the per-viewer parts need (`PageFacts`), so that a page read from the
cache loads no profile.

A body is never read after a change (its key names the version it was rendered from, read
before the profile: a body may be newer than its key, never older), nor stored from inside a
transaction that changed the directory and has not committed. An unreachable Redis means
rendering the page.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date

from flask import request
from flask_babel import get_locale
from sqlalchemy import bindparam, select

from careerlink.connections.services.asking import AskFacts
from careerlink.embed import is_embedded
from careerlink.extensions import db
from careerlink.i18n import current_zone
from careerlink.mentors import facet_cache
from careerlink.mentors.directory_index import DirectoryState, has_uncommitted_changes
from careerlink.mentors.models import MentorProfile

# The layout of the entries: a new release never reads an older one.
LAYOUT = 1


@dataclass(frozen=True, slots=True)
class PageFacts:
    """What a mentor's page needs of the profile beside its body: who may see it, its title,
    and what deciding whether the viewer may ask reads (`AskFacts`)."""

    id: int
    user_id: int
    display_name: str
    is_visible: bool
    ask: AskFacts

    @classmethod
    def of(cls, profile: MentorProfile, today: date) -> PageFacts:
        """The facts of `profile` on `today`."""
        return cls(
            id=profile.id,
            user_id=profile.user_id,
            display_name=profile.display_name,
            is_visible=profile.is_visible,
            ask=AskFacts.of(profile, today),
        )


# The profile's version and the directory's structure, in one small statement; built once.
_VERSION = select(
    MentorProfile.directory_version,
    select(DirectoryState.structure).where(DirectoryState.id == 1).scalar_subquery(),
).where(MentorProfile.id == bindparam("profile_id"))


def key_for(profile_id: int, on: date) -> str | None:
    """This request's cache key for the profile's page (None: not to be cached, or no such
    profile: the caller then reads the profile, and finds it or not)."""
    if not facet_cache.is_enabled() or has_uncommitted_changes(db.session):
        return None
    row = db.session.connection().execute(_VERSION, {"profile_id": profile_id}).first()
    if row is None or row[1] is None:  # no such profile, or no directory state row
        return None
    parts = [request.script_root, is_embedded(), str(get_locale()), current_zone().key]
    digest = hashlib.sha256(json.dumps(parts, separators=(",", ":")).encode()).hexdigest()
    version, structure = row
    return (
        f"mentor-page:v{LAYOUT}:{profile_id}:{version}:{structure}:{on.isoformat()}:{digest[:40]}"
    )


def get(key: str | None) -> tuple[PageFacts, str] | None:
    """The cached (facts, body), or None (never an error)."""
    value = facet_cache.fetch(key, "mentor page")
    if not isinstance(value, tuple) or len(value) != 2 or not isinstance(value[0], PageFacts):
        return None
    body = facet_cache.unpack(value[1])
    return None if body is None else (value[0], body)


def put(key: str | None, facts: PageFacts, body: str) -> None:
    """Remember a rendered body and its facts under their key."""
    if key is not None and not has_uncommitted_changes(db.session):
        facet_cache.keep(key, (facts, facet_cache.pack(body)), "mentor page")
