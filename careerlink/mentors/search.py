"""The directory search: criteria in, a page of profiles with facet counts out.

One function serves the HTML directory, the JSON API and the tests. The total, the facet counts
and the browse order come from the process's columnar snapshot of the directory
(`directory_snapshot`), caught up with the profiles changed since it was read, so their cost does
not grow with a search's number of matches the way a scan or a sort does. A word search asks the
full-text index (FTS5 on SQLite, a tsvector on PostgreSQL) for its matches' ids and scores, which
become a filter and the page's order. Counts, and each page's ordered ids, are also cached per
data version and day (`facet_cache`); a page whose ids are cached needs no snapshot. The
statements are a fixed set whatever the page size and the number of alumni: the directory state,
the snapshot's catching up and the word matches (word searches) unless the page's ids are
cached, then the page's rows with their owners and the eager load of their industries. The
industry list is read once per process and directory structure (`_industries`).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import (
    column,
    func,
    literal_column,
    select,
    table,
)
from sqlalchemy.orm import joinedload, selectinload

from careerlink.accounts.models import User
from careerlink.extensions import db
from careerlink.mentors import directory_snapshot, facet_cache
from careerlink.mentors import text as textfold
from careerlink.mentors.directory_index import has_uncommitted_changes
from careerlink.mentors.models import (
    OFFER_LABELS,
    Industry,
    MentorProfile,
    Offer,
    today,
)
from careerlink.mentors.search_ddl import FTS_TABLE, PG_COLUMN, PROFILES
from careerlink.pagination import MAX_PER_PAGE, Page, bounded_per_page, page_number

P = MentorProfile
CLASS_YEAR_MIN = 1900
CLASS_YEAR_MAX = 2100
LIST_FACETS = ("country", "region", "city", "programme")

_fts = table(FTS_TABLE, column("rowid"), column("rank"), column(FTS_TABLE))


@dataclass
class SearchCriteria:
    """What a student asked the directory for; every field optional."""

    q: str = ""
    industries: list[str] = field(default_factory=list)
    offers: list[Offer] = field(default_factory=list)
    country: str = ""
    region: str = ""
    city: str = ""
    remote: bool = False
    class_year_min: int | None = None
    class_year_max: int | None = None
    programme: str = ""
    accepting_now: bool = False

    @property
    def terms(self) -> list[str]:
        """The folded, bounded words of the text query."""
        return textfold.query_words(self.q)

    def to_args(self) -> dict[str, Any]:
        """The criteria as query-string arguments (for links and the API)."""
        args: dict[str, Any] = {}
        if self.q:
            args["q"] = self.q
        if self.industries:
            args["industry"] = list(self.industries)
        if self.offers:
            args["offer"] = [o.value for o in self.offers]
        for name in ("country", "region", "city", "programme"):
            if getattr(self, name):
                args[name] = getattr(self, name)
        if self.remote:
            args["remote"] = "1"
        if self.accepting_now:
            args["accepting"] = "1"
        if self.class_year_min is not None:
            args["year_from"] = str(self.class_year_min)
        if self.class_year_max is not None:
            args["year_to"] = str(self.class_year_max)
        return args


@dataclass
class SearchResult(Page[MentorProfile]):
    """A page of profiles (a `Page`) with how many alumni each filter value would give."""

    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    criteria: SearchCriteria = field(default_factory=SearchCriteria)
    industries: list[DirectoryIndustry] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def _getlist(args: Mapping[str, Any], name: str) -> list[str]:
    if hasattr(args, "getlist"):
        values = args.getlist(name)
    else:
        raw = args.get(name)
        values = raw if isinstance(raw, list | tuple) else ([] if raw is None else [raw])
    return [str(v) for v in values if v is not None]


def _first(args: Mapping[str, Any], name: str, limit: int = 100) -> str:
    values = _getlist(args, name)
    if not values:
        return ""
    # Control characters (NUL above all, which PostgreSQL refuses) never reach the database.
    cleaned = "".join(c if c.isprintable() else " " for c in values[0][: limit * 4])
    return " ".join(cleaned.split())[:limit]


def _flag(args: Mapping[str, Any], name: str) -> bool:
    return _first(args, name).lower() in {"1", "true", "yes", "on"}


# Each year filter's notices, whole sentences: (not a year, out of range).
_YEAR_NOTICES = {
    "year_from": (
        _l("Class year from must be a year such as 2015; that filter was left out."),
        _l("Class year from must be between %(first)d and %(last)d; that filter was left out."),
    ),
    "year_to": (
        _l("Class year to must be a year such as 2015; that filter was left out."),
        _l("Class year to must be between %(first)d and %(last)d; that filter was left out."),
    ),
}


def _year(args: Mapping[str, Any], name: str, notices: list[str]) -> int | None:
    raw = _first(args, name, 20)
    if not raw:
        return None
    not_a_year, out_of_range = _YEAR_NOTICES[name]
    try:
        value = int(raw)
    except ValueError:
        notices.append(str(not_a_year))
        return None
    if not CLASS_YEAR_MIN <= value <= CLASS_YEAR_MAX:
        notices.append(str(out_of_range) % {"first": CLASS_YEAR_MIN, "last": CLASS_YEAR_MAX})
        return None
    return value


def parse_criteria(args: Mapping[str, Any]) -> tuple[SearchCriteria, list[str]]:
    """Read criteria from query arguments; bad values are dropped with a notice, never raised."""
    notices: list[str] = []
    offers: list[Offer] = []
    for raw in _getlist(args, "offer"):
        try:
            offer = Offer(raw)
        except ValueError:
            notices.append(
                _("“%(offer)s” is not something alumni offer; it was left out.", offer=raw[:40])
            )
            continue
        if offer not in offers:
            offers.append(offer)
    industries: list[str] = []
    for raw in _getlist(args, "industry"):
        slug = raw.strip().lower()[:60]
        if slug and slug not in industries:
            industries.append(slug)
    criteria = SearchCriteria(
        q=_first(args, "q", textfold.MAX_QUERY_CHARS),
        industries=industries[:30],
        offers=offers,
        country=_first(args, "country"),
        region=_first(args, "region"),
        city=_first(args, "city"),
        remote=_flag(args, "remote"),
        class_year_min=_year(args, "year_from", notices),
        class_year_max=_year(args, "year_to", notices),
        programme=_first(args, "programme", 160),
        accepting_now=_flag(args, "accepting"),
    )
    if (
        criteria.class_year_min is not None
        and criteria.class_year_max is not None
        and criteria.class_year_min > criteria.class_year_max
    ):
        criteria.class_year_min, criteria.class_year_max = (
            criteria.class_year_max,
            criteria.class_year_min,
        )
        notices.append(_("The class years were the wrong way round; we swapped them."))
    return criteria, notices


def visible_clause():
    """Profiles shown in the directory: opted in, listed, verified, the account active."""
    # The denormalised flag (MentorProfile.refresh_directory_columns), first in both indexes.
    return P.directory_listed.is_(True)


def _fts_matches(terms: list[str]):
    return select(_fts.c.rowid).where(_fts.c[FTS_TABLE].match(textfold.fts5_query(terms)))


def _text_clause(terms: list[str], dialect: str):
    if dialect == "postgresql":
        return _pg_vector().op("@@")(_pg_query(terms))
    return P.id.in_(_fts_matches(terms))


def _text_matches(terms: list[str], dialect: str) -> tuple[list[int], list[float]]:
    """Ids of the profiles whose words match, and each one's score (lower is a better match):
    FTS5's bm25 rank on SQLite, minus `ts_rank` on PostgreSQL. One statement for the count's
    text filter and the page's order."""
    if dialect == "postgresql":
        score = -func.ts_rank(_pg_vector(), _pg_query(terms))
        stmt = select(P.id, score).where(visible_clause(), _text_clause(terms, dialect))
    else:
        match = _fts.c[FTS_TABLE].match(textfold.fts5_query(terms))
        stmt = select(_fts.c.rowid, _fts.c.rank).where(match)
    # The driver's own tuples: a common word matches tens of thousands of profiles.
    rows = db.session.connection().execute(stmt).cursor.fetchall()
    return [row[0] for row in rows], [row[1] for row in rows]


def _pg_vector():
    return literal_column(f"{PROFILES}.{PG_COLUMN}")


def _pg_query(terms: list[str]):
    return func.to_tsquery(literal_column("'simple'::regconfig"), textfold.tsquery(terms))


@dataclass(frozen=True, eq=False)
class DirectoryIndustry:
    """An industry as the directory's filters and counts use it: plain values, kept per process
    (`directory_snapshot.industries`) and shared by every request, so never an ORM object."""

    id: int
    slug: str
    name: str
    active: bool
    translations: dict | None = None
    label = property(Industry.label.fget, doc=Industry.label.__doc__)
    given_name_in = Industry.given_name_in


def _industries(directory: tuple[int, int] | None) -> list[DirectoryIndustry]:
    """Every industry by name: kept per process with the directory's structure (which any change
    to an industry changes), read afresh inside a transaction that changed the directory."""

    def read() -> list[DirectoryIndustry]:
        rows = db.session.execute(
            select(
                Industry.id, Industry.slug, Industry.name, Industry.active, Industry.translations
            ).order_by(Industry.name)
        )
        return [DirectoryIndustry(*row) for row in rows]

    if directory is None or has_uncommitted_changes(db.session):
        return read()
    return directory_snapshot.industries(directory[0], read)


def day_seed(viewer_id: int | None, on: date) -> int:
    """A deterministic seed for one viewer on one day."""
    return ((viewer_id or 0) * 1000003 + on.toordinal() * 7919) % directory_snapshot.PRIME


def _criteria_key(criteria: SearchCriteria, industry_ids: list[int] | None) -> tuple:
    """The criteria as a hashable value; equal for searches that count the same alumni."""
    terms = criteria.terms
    return (
        tuple(terms[:-1]),
        terms[-1] if terms else "",
        None if industry_ids is None else tuple(sorted(set(industry_ids))),
        tuple(sorted(o.value for o in criteria.offers)),
        *(getattr(criteria, name).lower() for name in LIST_FACETS),
        criteria.remote,
        criteria.class_year_min,
        criteria.class_year_max,
        criteria.accepting_now,
    )


def _clamped(page: int, per_page: int, total: int, notices: list[str]) -> tuple[int, int]:
    """The page to show (past the last page, the last, with a notice) and its first row."""
    pages = Page(page=1, per_page=per_page, total=total).pages
    page = page_number(page)
    if page > pages:
        if total:
            notices.append(
                ngettext(
                    "There is only %(num)d page of results.",
                    "There are only %(num)d pages of results.",
                    pages,
                )
            )
        page = pages
    return page, (page - 1) * per_page


def search_mentors(
    criteria: SearchCriteria | None = None,
    viewer=None,
    page: int = 1,
    per_page: int = 20,
    *,
    on: date | None = None,
    directory: tuple[int, int] | None | Literal[False] = False,
) -> SearchResult:
    """Search the directory: a page of visible profiles, the total and facet counts.

    `directory` is the directory's committed (structure, version) when the caller has just read
    it (`directory_snapshot.state()`), so that it is not read twice.
    """
    criteria = criteria or SearchCriteria()
    on = on or today()
    dialect = db.session.get_bind().dialect.name
    per_page = bounded_per_page(per_page, maximum=MAX_PER_PAGE)
    notices: list[str] = []

    if directory is False:
        directory = directory_snapshot.state()
    all_industries = _industries(directory)
    by_slug = {i.slug: i for i in all_industries}
    industry_ids: list[int] | None = None
    if criteria.industries:
        industry_ids = []
        for slug in criteria.industries:
            if slug in by_slug:
                industry_ids.append(by_slug[slug].id)
            else:
                notices.append(
                    _("There is no industry called “%(industry)s”; it was left out.", industry=slug)
                )
        if not industry_ids:
            industry_ids = None
    terms = criteria.terms

    key = None
    # Never cache what may still roll back.
    if (
        directory is not None
        and facet_cache.is_enabled()
        and not has_uncommitted_changes(db.session)
    ):
        key = facet_cache.counts_key(directory[1], on, _criteria_key(criteria, industry_ids))
    cached = facet_cache.get_counts(key) if key is not None else None
    seed = None if terms else day_seed(getattr(viewer, "id", None), on)
    ids = ids_key = None
    if cached is not None:
        total, facets = cached
        page, start = _clamped(page, per_page, total, notices)
        ids_key = facet_cache.page_key(key, seed, start, per_page)
        # A page seen before at this version and day: its order needs no snapshot.
        ids = facet_cache.get_page(ids_key)
    if ids is None:
        snapshot, lock = directory_snapshot.current(*(directory or (0, 0)))
        with lock or nullcontext():
            available = snapshot.available(on)
            text_mask = scores = None
            if terms:
                text_mask, scores = snapshot.text_rows(terms, lambda: _text_matches(terms, dialect))
            groups = snapshot.group_masks(criteria, industry_ids, text_mask, available)
            if cached is None:
                total, facets = snapshot.counts(groups, available, all_industries)
                if key is not None:
                    facet_cache.put_counts(key, total, facets)
                page, start = _clamped(page, per_page, total, notices)
                if key is not None:
                    ids_key = facet_cache.page_key(key, seed, start, per_page)
            if terms:
                ids = snapshot.ranked_page(
                    snapshot.matching(groups), available, scores, start, per_page
                )
            elif set(groups) <= {"accepting"}:
                # Every listed alumnus (or all who may be asked now): the day's order holds
                # them sorted already; only the page's ties are shuffled.
                ids = snapshot.browse_listed(on, seed, start, per_page, available_only=bool(groups))
            else:
                ids = snapshot.browse_page(
                    snapshot.matching(groups), available, seed, start, per_page
                )
        if ids_key is not None:
            facet_cache.put_page(ids_key, ids)
    facets = {name: dict(counts) for name, counts in facets.items()}
    loaded = (
        db.session.scalars(
            select(P)
            .where(P.id.in_(ids))
            # A card shows no roles: the owners' are read only if something asks for them.
            .options(joinedload(P.user).lazyload(User.role_rows), selectinload(P.industries))
        )
        if ids
        else ()
    )
    by_id = {profile.id: profile for profile in loaded}
    return SearchResult(
        items=[by_id[i] for i in ids if i in by_id],
        total=total,
        page=page,
        per_page=per_page,
        facets=facets,
        criteria=criteria,
        industries=[i for i in all_industries if i.active or i.slug in criteria.industries],
        notices=notices,
    )


def offer_choices() -> list[tuple[str, str]]:
    """(value, label) for every offer."""
    return [(o.value, OFFER_LABELS[o]) for o in Offer]


__all__ = [
    "SearchCriteria",
    "SearchResult",
    "parse_criteria",
    "search_mentors",
    "visible_clause",
]
