"""Report results cached under the version of the data they count.

The key holds the largest id of the request history, the feedback and the outcome tables
(every new request, move, feedback or outcome adds a row there) and the directory's data
version (profiles, industries and their owners' names), so a cached report is never read
after a change; stale entries age out. The cache is the directory's (Flask-Caching: in the
process, or Redis when CAREERLINK_CACHE_URL is set), and off when its size is 0.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from typing import TypeVar

from flask import current_app
from sqlalchemy import func, select

from careerlink.connections.models import RequestEvent, RequestFeedback, RequestOutcome
from careerlink.extensions import db
from careerlink.i18n import current_language
from careerlink.mentors.directory_index import directory_version
from careerlink.mentors.facet_cache import facet_cache, is_enabled
from careerlink.staff.reports.filters import ReportFilters

log = logging.getLogger(__name__)
T = TypeVar("T")


def data_version() -> str | None:
    """What the reports count, as one string that changes whenever any of it changes (None
    before the directory's version row exists: then nothing is cached)."""
    row = db.session.execute(
        select(
            select(func.max(RequestEvent.id)).scalar_subquery(),
            select(func.max(RequestFeedback.id)).scalar_subquery(),
            select(func.max(RequestOutcome.id)).scalar_subquery(),
        )
    ).one()
    directory = directory_version()
    if directory is None:
        return None
    return ":".join(str(v or 0) for v in (*row, directory))


def cached(kind: str, slug: str, filters: ReportFilters, compute: Callable[[], T]) -> T:
    """The cached result for this report, filters and data version, else computed and stored."""
    version = data_version() if is_enabled() else None
    if version is None:
        return compute()
    args = json.dumps(filters.as_args(), sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(args.encode()).hexdigest()[:40]
    # The titles, labels and dates inside a report are in the reader's language; its days and
    # months are the office's (a shared cache outlives a change of the zone).
    zone = current_app.config["CAREERLINK_TIME_ZONE"]
    key = f"report:{kind}:{slug}:{current_language()}:{zone}:{version}:{digest}"
    try:
        value = facet_cache().get(key)
    except Exception:  # an unreachable Redis must not break the reports: compute instead
        log.warning("report cache unavailable; computing without it", exc_info=True)
        return compute()
    if value is not None:
        return value
    value = compute()
    try:
        facet_cache().set(key, value)
    except Exception:
        log.warning("report cache unavailable; not stored", exc_info=True)
    return value
